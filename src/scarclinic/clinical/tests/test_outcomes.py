"""Outcomes: % improvement, responders, time to response, the clinic's model and forecasts.

The model is checked against simulated clinics whose true effect per modality is known: a
seeded numpy generator draws each patient's baseline score, their own deviation (the
random intercept) and the noise of every assessment.
"""

from __future__ import annotations

import math
import random
import warnings
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.evidence import EVIDENCE, Modality
from scarclinic.clinical.outcomes import (
    DEFAULT_RESPONDER_THRESHOLD,
    Forecast,
    ModalityEffects,
    RegionCounts,
    ScoreObservation,
    TreatmentSession,
    clinic_outcomes,
    fit_modality_effects,
    forecast,
    patient_progress,
    percent_improvement,
    proportion,
    region_improvement,
    responders,
    responders_by,
    time_to_response,
)
from scarclinic.clinical.recommend import ClinicOutcome

M = Modality
DAY0 = date(2025, 1, 6)
Z = 1.959963984540054  # two-sided 95%, normal

# The effects the simulated clinics are built with: % improvement of ECCA per session.
TRUE_EFFECTS = {M.MICRONEEDLING: 8.0, M.FRACTIONAL_ABLATIVE_LASER: 14.0, M.CHEMICAL_PEEL: 0.0}


def obs(
    patient: int, day: int, score: float, sessions: int = 0, modality: str | None = None
) -> ScoreObservation:
    return ScoreObservation(
        patient, DAY0 + timedelta(days=day), "ecca", score, sessions, modality if sessions else None
    )


@dataclass(frozen=True)
class Clinic:
    observations: tuple[ScoreObservation, ...]
    sessions: tuple[TreatmentSession, ...] = ()


def simulated_clinic(
    n_patients: int,
    seed: int,
    effects: dict[Modality, float] | None = None,
    *,
    patient_sd: float = 6.0,
    noise_points: float = 3.0,
    max_sessions: int = 4,
    every_session_assessed: bool = True,
) -> Clinic:
    """Patients take turns through the modalities; each has a baseline ECCA of 60-250, then
    1 to ``max_sessions`` sessions four weeks apart, assessed before each next session."""
    rng = np.random.default_rng(seed)
    truth = effects or TRUE_EFFECTS
    modalities = list(truth)
    rows: list[ScoreObservation] = []
    for patient in range(1, n_patients + 1):
        modality = modalities[(patient - 1) % len(modalities)]
        baseline = float(rng.uniform(60, 250))
        own = float(rng.normal(0, patient_sd))
        start = int(rng.integers(0, 300))
        n_sessions = int(rng.integers(1, max_sessions + 1))
        rows.append(obs(patient, start, round(baseline)))
        assessed = range(1, n_sessions + 1) if every_session_assessed else [n_sessions]
        for s in assessed:
            improvement = own + truth[modality] * s
            score = baseline * (1 - improvement / 100) + rng.normal(0, noise_points)
            rows.append(obs(patient, start + 28 * s, round(max(score, 0.0)), s, modality))
    return Clinic(tuple(rows))


def combination_clinic(n_patients: int, seed: int) -> Clinic:
    """Every patient has subcision and microneedling in their own mix, recorded as sessions."""
    truth = {M.SUBCISION: 10.0, M.MICRONEEDLING: 6.0}
    rng = np.random.default_rng(seed)
    rows: list[ScoreObservation] = []
    sessions: list[TreatmentSession] = []
    for patient in range(1, n_patients + 1):
        baseline = float(rng.uniform(60, 250))
        own = float(rng.normal(0, 5.0))
        given = {M.SUBCISION: 0, M.MICRONEEDLING: 0}
        rows.append(obs(patient, 0, round(baseline)))
        for visit in range(1, int(rng.integers(2, 6)) + 1):
            modality = M.SUBCISION if rng.random() < 0.4 else M.MICRONEEDLING
            given[modality] += 1
            sessions.append(
                TreatmentSession(patient, DAY0 + timedelta(days=28 * visit - 1), modality)
            )
            improvement = own + sum(truth[m] * n for m, n in given.items())
            score = baseline * (1 - improvement / 100) + rng.normal(0, 3.0)
            # sessions_before/modality say nothing here: the session rows are the exposure.
            rows.append(obs(patient, 28 * visit, round(max(score, 0.0)), visit, None))
    return Clinic(tuple(rows), tuple(sessions))


@pytest.fixture(scope="module")
def big_clinic() -> Clinic:
    return simulated_clinic(150, seed=20250106)


@pytest.fixture(scope="module")
def big_effects(big_clinic: Clinic) -> ModalityEffects:
    return fit_modality_effects(big_clinic.observations, scale="ecca")


@pytest.fixture(scope="module")
def tiny_effects() -> ModalityEffects:
    clinic = simulated_clinic(4, seed=7, effects={M.MICRONEEDLING: 8.0})
    return fit_modality_effects(clinic.observations, scale="ecca")


# --- % improvement ---------------------------------------------------------------------------


def test_improvement_is_the_fall_of_the_score_as_a_share_of_the_baseline() -> None:
    # ECCA 50 (12 V-shaped and 4 U-shaped scars, clinical reference §4) down to 25.
    assert percent_improvement(50, 25) == 50.0
    assert percent_improvement(84, 0) == 100.0


def test_improvement_is_undefined_when_the_baseline_is_zero() -> None:
    assert percent_improvement(0, 0) is None
    assert percent_improvement(0, 10) is None


def test_a_worse_score_is_a_negative_improvement() -> None:
    assert percent_improvement(40, 50) == -25.0


def test_an_unchanged_score_is_no_improvement() -> None:
    assert percent_improvement(37, 37) == 0.0


def test_on_a_scale_where_higher_is_better_a_rise_is_the_improvement() -> None:
    assert percent_improvement(40, 50, higher_is_worse=False) == 25.0


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, True, "12"])
def test_a_negative_or_non_numeric_score_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="score"):
        percent_improvement(bad, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="score"):
        percent_improvement(10, bad)  # type: ignore[arg-type]


scores = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(baseline=positive, current=scores)
def test_improvement_never_exceeds_100_percent(baseline: float, current: float) -> None:
    value = percent_improvement(baseline, current)
    assert value is not None
    assert value <= 100.0


@given(baseline=positive, a=scores, b=scores)
def test_improvement_falls_as_the_current_score_rises(baseline: float, a: float, b: float) -> None:
    low, high = sorted((a, b))
    better, worse = percent_improvement(baseline, low), percent_improvement(baseline, high)
    assert better is not None and worse is not None
    assert better >= worse


def test_region_improvement_compares_scar_counts_per_region_and_for_the_whole_face() -> None:
    baseline: RegionCounts = {
        "cheek_left": {"boxcar_shallow": 8, "rolling": 2},
        "forehead": 4,
        "chest": 2,
    }
    current: RegionCounts = {
        "cheek_left": {"boxcar_shallow": 4, "rolling": 1},
        "forehead": 4,
        "chin": 3,
    }
    result = region_improvement(baseline, current)
    by_region = {r.region: r for r in result.regions}
    assert [r.region for r in result.regions] == ["forehead", "cheek_left", "chin", "chest"]
    assert by_region["cheek_left"].percent_improvement == 50.0
    assert by_region["forehead"].percent_improvement == 0.0
    assert by_region["chest"].percent_improvement == 100.0
    assert by_region["chin"].percent_improvement is None and by_region["chin"].new_scars
    assert (result.face.baseline_count, result.face.current_count) == (16, 12)
    assert result.face.percent_improvement == 25.0


def test_a_negative_region_count_is_refused() -> None:
    with pytest.raises(ValueError, match="cheek_left"):
        region_improvement({"cheek_left": -1}, {})


# --- One patient's progress ------------------------------------------------------------------


def test_patient_progress_gives_baseline_latest_change_and_trajectory_per_scale() -> None:
    rows = [
        obs(1, 0, 120),
        obs(1, 28, 100, 1, M.MICRONEEDLING),
        obs(1, 56, 90, 2, M.MICRONEEDLING),
        replace(obs(1, 0, 12), scale="goodman_baron_quantitative"),
        replace(obs(1, 56, 9, 2, M.MICRONEEDLING), scale="goodman_baron_quantitative"),
    ]
    progress = patient_progress(reversed(rows))
    assert list(progress) == ["goodman_baron_quantitative", "ecca"]
    ecca = progress["ecca"]
    assert (ecca.baseline.score, ecca.latest.score) == (120, 90)
    assert ecca.percent_improvement == 25.0
    assert [p.days_from_baseline for p in ecca.trajectory] == [0, 28, 56]
    assert [p.sessions_before for p in ecca.trajectory] == [0, 1, 2]
    assert progress["goodman_baron_quantitative"].percent_improvement == 25.0


def test_patient_progress_reads_a_higher_is_better_scale_the_other_way() -> None:
    rows = [
        replace(obs(1, 0, 40), scale="satisfaction"),
        replace(obs(1, 28, 60), scale="satisfaction"),
    ]
    progress = patient_progress(rows, higher_is_better={"satisfaction"})
    assert progress["satisfaction"].percent_improvement == 50.0


def test_patient_progress_refuses_observations_of_several_patients() -> None:
    with pytest.raises(ValueError, match="one patient"):
        patient_progress([obs(1, 0, 50), obs(2, 0, 60)])


# --- Responders and time to response ---------------------------------------------------------


def test_the_default_responder_threshold_is_the_trials_50_percent() -> None:
    assert DEFAULT_RESPONDER_THRESHOLD == 50.0


def test_a_proportion_carries_the_wilson_interval_computed_by_hand() -> None:
    # Wilson: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    def wilson(k: int, n: int) -> tuple[float, float]:
        p, d = k / n, 1 + Z**2 / n
        centre = (p + Z**2 / (2 * n)) / d
        half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / d
        return centre - half, centre + half

    three_of_five = proportion(3, 5)
    assert three_of_five.estimate == 0.6
    assert (three_of_five.low, three_of_five.high) == pytest.approx(wilson(3, 5), abs=1e-12)
    assert (three_of_five.low, three_of_five.high) == pytest.approx((0.2307, 0.8824), abs=1e-4)
    assert (proportion(7, 10).low, proportion(7, 10).high) == pytest.approx(
        (0.3968, 0.8922), abs=1e-4
    )
    assert proportion(0, 4).low == 0.0
    assert proportion(0, 0).estimate is None


def responder_cohort() -> list[ScoreObservation]:
    mn = M.MICRONEEDLING
    return [
        # 1: 100 -> 40, a responder
        *[obs(1, 0, 100), obs(1, 28, 70, 1, mn), obs(1, 56, 40, 2, mn)],
        # 2: G&B 4 -> 2, exactly 50%: a responder ("at least 50%")
        *[obs(2, 0, 4), obs(2, 28, 2, 1, mn)],
        # 3: reached 60% at 4 weeks, then fell back to 30% at 8: not a responder at the end
        *[obs(3, 0, 50), obs(3, 28, 20, 1, mn), obs(3, 56, 35, 2, mn)],
        # 4: 200 -> 180, a non-responder
        *[obs(4, 0, 200), obs(4, 28, 190, 1, mn), obs(4, 84, 180, 3, mn)],
        # 5: worse, 60 -> 70
        *[obs(5, 0, 60), obs(5, 28, 70, 1, mn)],
        # 6: no follow-up yet; 7: a baseline of 0
        obs(6, 0, 90),
        *[obs(7, 0, 0), obs(7, 28, 0, 1, mn)],
    ]


def test_responders_are_counted_at_the_latest_assessment_with_a_wilson_interval() -> None:
    summary = responders(responder_cohort(), scale="ecca")
    assert summary.responders == (1, 2)
    assert summary.non_responders == (3, 4, 5)
    assert summary.not_assessable == (6, 7)
    assert (summary.count, summary.n) == (2, 5)
    assert (summary.proportion.low, summary.proportion.high) == pytest.approx(
        (0.1176, 0.7693), abs=1e-4
    )
    assert "2 of 5 (40%" in summary.describe


def test_the_responder_threshold_can_be_set_by_the_clinic() -> None:
    summary = responders(responder_cohort(), scale="ecca", threshold_percent=5)
    assert summary.responders == (1, 2, 3, 4)
    with pytest.raises(ValueError, match="threshold"):
        responders(responder_cohort(), scale="ecca", threshold_percent=0)


def test_responders_can_be_counted_per_group() -> None:
    groups = {1: "microneedling", 2: "microneedling", 3: "laser", 4: "laser", 6: "laser"}
    by_group = responders_by(responder_cohort(), groups, scale="ecca")
    assert (by_group["microneedling"].count, by_group["microneedling"].n) == (2, 2)
    assert (by_group["laser"].count, by_group["laser"].n) == (0, 2)
    assert by_group["laser"].not_assessable == (6,)


def test_time_to_response_counts_the_first_assessment_at_the_mark() -> None:
    result = time_to_response(responder_cohort(), scale="ecca")
    by_patient = {p.patient_id: p for p in result.patients}
    assert (by_patient[1].responded, by_patient[1].days, by_patient[1].sessions) == (True, 56, 2)
    assert (by_patient[2].days, by_patient[2].sessions) == (28, 1)
    assert (by_patient[3].responded, by_patient[3].days) == (True, 28)  # the first time
    assert (by_patient[4].responded, by_patient[4].days, by_patient[4].sessions) == (False, 84, 3)
    assert (result.proportion.count, result.n) == (3, 5)


def test_the_median_time_to_response_counts_patients_still_below_the_mark() -> None:
    mn = M.MICRONEEDLING
    rows = [
        *[obs(1, 0, 100), obs(1, 28, 40, 1, mn)],  # responds at 28 days, 1 session
        *[obs(2, 0, 100), obs(2, 28, 80, 1, mn), obs(2, 56, 45, 2, mn)],  # 56 days, 2
        *[obs(3, 0, 100), obs(3, 84, 40, 3, mn)],  # 84 days, 3
        *[obs(4, 0, 100), obs(4, 112, 90, 4, mn)],  # not yet, followed 112 days
    ]
    # Kaplan-Meier: 3/4 still below after day 28, 3/4 x 2/3 = 1/2 after day 56.
    result = time_to_response(rows, scale="ecca")
    assert result.median_days == 56
    assert result.median_sessions == 2
    slow = time_to_response(rows[:2] + rows[-2:], scale="ecca")  # 1 of 2 responded: S = 1/2
    assert slow.median_days == 28
    none_yet = time_to_response(rows[-2:], scale="ecca")
    assert none_yet.median_days is None and "not reached" in none_yet.describe


@given(
    st.lists(
        st.tuples(
            st.integers(1, 8),
            st.integers(0, 200),
            st.floats(0, 100, allow_nan=False),
            st.integers(0, 5),
        ),
        max_size=30,
    ),
    st.floats(1, 100),
)
def test_responders_never_outnumber_the_patients_assessed(
    rows: list[tuple[int, int, float, int]], threshold: float
) -> None:
    data = [obs(p, d, s, n, M.MICRONEEDLING) for p, d, s, n in rows]
    summary = responders(data, scale="ecca", threshold_percent=threshold)
    assert 0 <= summary.count <= summary.n
    assert len(summary.responders) + len(summary.non_responders) == summary.n
    if summary.n:
        p = summary.proportion
        assert p.low is not None and p.high is not None and p.estimate is not None
        assert 0 <= p.low <= p.estimate <= p.high <= 1
    timed = time_to_response(data, scale="ecca", threshold_percent=threshold)
    assert summary.count <= timed.proportion.count <= timed.n == summary.n


# --- The clinic's model ----------------------------------------------------------------------


def test_the_model_recovers_each_known_modality_effect_within_its_interval(
    big_effects: ModalityEffects,
) -> None:
    assert big_effects.method == "mixed_model"
    for modality, truth in TRUE_EFFECTS.items():
        effect = big_effects.effect(modality)
        assert effect is not None and effect.estimate is not None
        assert effect.ci_low is not None and effect.ci_high is not None
        assert effect.ci_low <= truth <= effect.ci_high, effect.describe
        assert effect.estimate == pytest.approx(truth, abs=0.5)
        assert effect.n_patients == 50
    # The variance components too: patients' own deviation, SD 6 %-points.
    assert big_effects.patient_sd == pytest.approx(6.0, abs=1.5)


def test_a_modality_with_a_real_effect_and_enough_patients_is_conclusive(
    big_effects: ModalityEffects,
) -> None:
    for modality in (M.MICRONEEDLING, M.FRACTIONAL_ABLATIVE_LASER):
        effect = big_effects.effect(modality)
        assert effect is not None
        assert effect.conclusive and effect.caveat == ""
        assert "per session (95% CI" in effect.describe and "50 patients" in effect.describe


def test_a_modality_without_effect_has_an_interval_containing_zero_and_says_so(
    big_effects: ModalityEffects,
) -> None:
    effect = big_effects.effect(M.CHEMICAL_PEEL)
    assert effect is not None and effect.ci_low is not None and effect.ci_high is not None
    assert effect.ci_low <= 0 <= effect.ci_high
    assert effect.enough_data and not effect.conclusive
    assert "includes no effect" in effect.caveat


def test_each_effect_counts_its_patients_and_follow_up_assessments(
    big_clinic: Clinic, big_effects: ModalityEffects
) -> None:
    for modality in TRUE_EFFECTS:
        treated = [o for o in big_clinic.observations if o.modality == modality]
        effect = big_effects.effect(modality)
        assert effect is not None
        assert effect.n_observations == len(treated)
        assert effect.n_patients == len({o.patient_id for o in treated})
        assert effect.max_sessions == max(o.sessions_before for o in treated)
    assert big_effects.n_patients == 150
    assert big_effects.n_observations == sum(e.n_observations for e in big_effects.effects)


def test_with_four_patients_the_result_is_not_conclusive_and_says_why(
    tiny_effects: ModalityEffects,
) -> None:
    effect = tiny_effects.effect(M.MICRONEEDLING)
    assert effect is not None
    assert not effect.conclusive and not effect.enough_data
    assert "Too few patients to conclude: 4 had Microneedling" in effect.caveat
    assert "at least 10" in effect.caveat


def test_the_model_separates_modalities_given_to_the_same_patients() -> None:
    clinic = combination_clinic(120, seed=11)
    effects = fit_modality_effects(clinic.observations, scale="ecca", sessions=clinic.sessions)
    for modality, truth in {M.SUBCISION: 10.0, M.MICRONEEDLING: 6.0}.items():
        effect = effects.effect(modality)
        assert effect is not None and effect.ci_low is not None and effect.ci_high is not None
        assert effect.ci_low <= truth <= effect.ci_high, effect.describe
        assert effect.conclusive


def test_an_assessment_on_the_day_of_a_session_counts_as_taken_before_it() -> None:
    rows = [obs(1, 0, 100), obs(1, 28, 80), obs(1, 56, 70)]
    sessions = [TreatmentSession(1, DAY0 + timedelta(days=d), M.SUBCISION) for d in (0, 28)]
    effects = fit_modality_effects(rows, scale="ecca", sessions=sessions)
    effect = effects.effect(M.SUBCISION)
    assert effect is not None
    # Day 28: the day-0 session only; day 56: both.
    assert (effect.max_sessions, effect.n_observations) == (2, 2)


def test_modalities_always_given_together_are_flagged_not_guessed_apart() -> None:
    rows = list(simulated_clinic(40, seed=3, effects={M.SUBCISION: 9.0}).observations)
    sessions = [
        TreatmentSession(o.patient_id, o.on - timedelta(days=1), m)
        for o in rows
        if o.sessions_before
        for m in (M.SUBCISION, M.MICRONEEDLING_PRP)
    ]
    effects = fit_modality_effects(rows, scale="ecca", sessions=sessions)
    for modality in (M.SUBCISION, M.MICRONEEDLING_PRP):
        effect = effects.effect(modality)
        assert effect is not None and not effect.conclusive
        assert "cannot be told apart" in effect.caveat


def test_when_every_patient_has_one_follow_up_an_ordinary_regression_is_used() -> None:
    clinic = simulated_clinic(90, seed=5, every_session_assessed=False)
    effects = fit_modality_effects(clinic.observations, scale="ecca")
    assert effects.method == "ordinary_regression"
    assert any("ordinary regression" in n for n in effects.notes)
    effect = effects.effect(M.FRACTIONAL_ABLATIVE_LASER)
    assert effect is not None and effect.ci_low is not None and effect.ci_high is not None
    assert effect.ci_low <= 14.0 <= effect.ci_high


def test_a_model_that_does_not_converge_gives_a_caveat_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    fit = MixedLM.fit

    def warn_then_fit(self: MixedLM, *args: object, **kwargs: object) -> object:
        warnings.warn("Gradient optimization failed", ConvergenceWarning, stacklevel=2)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MixedLM, "fit", warn_then_fit)
    effects = fit_modality_effects(simulated_clinic(60, seed=1).observations, scale="ecca")
    assert not effects.converged
    for effect in effects.effects:
        assert effect.estimate is None and not effect.conclusive
        assert "did not converge" in effect.caveat and "Gradient optimization" in effect.caveat


def test_a_singular_fit_gives_a_caveat_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    from statsmodels.regression.mixed_linear_model import MixedLM

    def singular(self: MixedLM, *args: object, **kwargs: object) -> object:
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(MixedLM, "fit", singular)
    effects = fit_modality_effects(simulated_clinic(60, seed=1).observations, scale="ecca")
    assert all("could not be fitted" in e.caveat and e.estimate is None for e in effects.effects)
    assert forecast(effects, EVIDENCE, M.MICRONEEDLING, 3).source == "published"


def test_too_few_data_to_fit_at_all_is_said_plainly() -> None:
    effects = fit_modality_effects(
        [obs(1, 0, 100), obs(1, 28, 80, 1, M.MICRONEEDLING)], scale="ecca"
    )
    assert effects.method == "not_fitted"
    effect = effects.effect(M.MICRONEEDLING)
    assert effect is not None and effect.estimate is None
    assert "Too few data to fit" in effect.caveat
    assert fit_modality_effects([], scale="ecca").effects == ()


def test_patients_who_cannot_be_used_are_left_out_with_the_reason() -> None:
    rows = [
        *simulated_clinic(12, seed=2).observations,
        *[obs(101, 0, 0), obs(101, 28, 10, 1, M.MICRONEEDLING)],  # baseline 0
        obs(102, 0, 80),  # no follow-up
        ScoreObservation(103, DAY0, "ecca", 80),
        ScoreObservation(103, DAY0 + timedelta(days=28), "ecca", 60, 1, None),  # which modality?
    ]
    effects = fit_modality_effects(rows, scale="ecca")
    assert effects.n_patients == 12
    assert sorted(effects.excluded.values()) == [1, 1, 1]
    assert any("baseline score of 0" in n for n in effects.notes)


def test_the_result_does_not_depend_on_the_order_of_the_rows(big_clinic: Clinic) -> None:
    rows = list(big_clinic.observations[:240])
    shuffled = rows.copy()
    random.Random(4).shuffle(shuffled)
    assert fit_modality_effects(rows, scale="ecca") == fit_modality_effects(shuffled, scale="ecca")


def test_the_95_percent_intervals_contain_the_true_effect_about_95_percent_of_the_time() -> None:
    # 60 small clinics (10 patients per modality): z intervals of a mixed model run a
    # little narrow at this size; below 85% would mean a miscalibrated interval.
    hits = dict.fromkeys(TRUE_EFFECTS, 0)
    runs = 60
    for seed in range(runs):
        effects = fit_modality_effects(simulated_clinic(30, seed).observations, scale="ecca")
        for modality, truth in TRUE_EFFECTS.items():
            e = effects.effect(modality)
            assert e is not None and e.ci_low is not None and e.ci_high is not None
            hits[modality] += e.ci_low <= truth <= e.ci_high
    assert all(h / runs >= 0.85 for h in hits.values()), hits


def test_five_thousand_assessments_are_fitted_with_the_mixed_model() -> None:
    # The fit's speed (about 1 s here) is a figure for bench/, not an assertion.
    clinic = simulated_clinic(1400, seed=9)
    assert 4500 <= len(clinic.observations) <= 5500
    effects = fit_modality_effects(clinic.observations, scale="ecca")
    assert effects.method == "mixed_model"


# --- Forecast --------------------------------------------------------------------------------


def test_with_little_clinic_data_the_forecast_quotes_published_evidence_without_a_figure(
    tiny_effects: ModalityEffects,
) -> None:
    result = forecast(tiny_effects, EVIDENCE, M.MICRONEEDLING, 3)
    assert result.source == "published"
    assert result.basis.startswith("published evidence only: ")
    assert "Alam et al. JAMA Dermatol 2014" in result.basis
    assert [e.id for e in result.evidence] == ["alam_2014"]
    assert result.expected_percent is None and result.low is None
    assert any("Too few patients" in c for c in result.caveats)
    assert result.as_clinic_outcome() is None


def test_the_forecast_switches_to_clinic_data_as_patients_accumulate() -> None:
    sources = []
    for n in (6, 12, 60):
        clinic = simulated_clinic(n, seed=n, effects={M.MICRONEEDLING: 8.0})
        effects = fit_modality_effects(clinic.observations, scale="ecca")
        sources.append(forecast(effects, EVIDENCE, M.MICRONEEDLING, 3).source)
    assert sources == ["published", "clinic", "clinic"]


def test_a_clinic_forecast_gives_its_basis_and_both_intervals(big_effects: ModalityEffects) -> None:
    result = forecast(big_effects, EVIDENCE, M.MICRONEEDLING, 3)
    effect = big_effects.effect(M.MICRONEEDLING)
    assert effect is not None and effect.estimate is not None
    assert result.source == "clinic"
    assert result.basis.startswith("clinic data, n = 50 patients")
    assert result.expected_percent == pytest.approx(3 * effect.estimate)
    assert result.expected_percent == pytest.approx(24.0, abs=1.5)
    assert result.expected_percent is not None
    assert result.low is not None and result.high is not None
    assert result.mean_low is not None and result.mean_high is not None
    # One new patient varies more than the clinic's average does.
    assert result.low < result.mean_low < result.expected_percent < result.mean_high < result.high
    assert result.mean_low <= 24.0 <= result.mean_high
    assert "Alam" in result.evidence[0].citation  # the published figure stays beside it
    assert "expected 2" in result.describe and "Basis: clinic data" in result.describe


def test_a_forecast_beyond_the_clinic_experience_says_it_extrapolates_and_stops_at_100(
    big_effects: ModalityEffects,
) -> None:
    result = forecast(big_effects, EVIDENCE, M.FRACTIONAL_ABLATIVE_LASER, 9)
    assert result.expected_percent == 100.0 and result.high == 100.0
    assert any("extrapolates" in c for c in result.caveats)
    assert any("Capped at 100%" in c for c in result.caveats)


def test_without_clinic_data_or_evidence_the_forecast_says_there_is_no_basis(
    tiny_effects: ModalityEffects,
) -> None:
    result = forecast(tiny_effects, EVIDENCE, M.CHEMICAL_PEEL, 2)
    assert result.source == "none" and result.expected_percent is None
    assert result.basis.startswith("none: ")
    assert "no assessed patients" in result.caveats[0]
    assert forecast(tiny_effects, None, M.MICRONEEDLING, 3).source == "none"


def test_a_forecast_never_carries_a_number_without_a_basis() -> None:
    with pytest.raises(ValueError, match="Only a forecast from clinic data"):
        Forecast("microneedling", 3, "ecca", "published", "published evidence only: x", 30.0)
    with pytest.raises(ValueError, match="basis"):
        Forecast("microneedling", 3, "ecca", "none", "")
    with pytest.raises(ValueError, match="sessions"):
        forecast(fit_modality_effects([], scale="ecca"), EVIDENCE, M.MICRONEEDLING, 0)


def test_clinic_results_convert_to_the_recommendation_pages_clinic_outcome(
    big_effects: ModalityEffects,
) -> None:
    outcomes = clinic_outcomes(big_effects, {M.MICRONEEDLING: 3, M.FRACTIONAL_ABLATIVE_LASER: 3})
    assert set(outcomes) == {M.MICRONEEDLING, M.FRACTIONAL_ABLATIVE_LASER}
    needling = outcomes[M.MICRONEEDLING]
    assert isinstance(needling, ClinicOutcome)
    assert needling.n_patients == 50 and needling.measure == "ECCA"
    assert "after 3 sessions (95% CI" in needling.period
    assert "n = 50 patients" in needling.describe
    assert clinic_outcomes(fit_modality_effects([], scale="ecca"), 3) == {}
