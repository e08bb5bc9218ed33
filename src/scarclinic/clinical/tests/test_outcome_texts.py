"""The statistics core's texts are messages: their English is word for word what the core
wrote before (the old f-strings are the oracle here), for any numbers, and they survive JSON."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.evidence import EVIDENCE, Modality
from scarclinic.clinical.outcomes import (
    SCALE_LABELS,
    ModalityEffect,
    ModalityEffects,
    Proportion,
    ResponderSummary,
    ScoreObservation,
    TimeToResponse,
    fit_modality_effects,
    forecast,
)
from scarclinic.clinical.text import from_json, to_json

M = Modality
shares = st.floats(min_value=0, max_value=1, allow_nan=False)
figures = st.floats(min_value=-150, max_value=150, allow_nan=False)


def _num(value: float, digits: int) -> str:
    return f"{round(value, digits) + 0.0:.{digits}f}"


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 5000),
    data=st.data(),
    threshold=st.floats(min_value=0.5, max_value=100, allow_nan=False),
    scale=st.sampled_from([*SCALE_LABELS, "satisfaction"]),
    median_days=st.none() | st.floats(min_value=0, max_value=2000, allow_nan=False),
    median_sessions=st.none() | st.floats(min_value=0, max_value=20, allow_nan=False),
)
def test_responder_texts_read_as_the_old_english(
    n: int,
    data: st.DataObject,
    threshold: float,
    scale: str,
    median_days: float | None,
    median_sessions: float | None,
) -> None:
    count = data.draw(st.integers(0, n))
    if n:
        est, low, high = data.draw(shares), data.draw(shares), data.draw(shares)
        share = Proportion(count, n, est, low, high)
        old = f"{count} of {n} ({est:.0%}; 95% CI {low:.0%} to {high:.0%})"
    else:
        share = Proportion(0, 0, None, None, None)
        old = "0 of 0: no patients, no proportion"
    assert share.describe == old
    label = SCALE_LABELS.get(scale, scale)
    summary = ResponderSummary(scale, threshold, (), (), (), share)
    assert summary.describe == (
        f"Responders (at least {threshold:g}% improvement in {label}): {old}"
    )
    days = f"{median_days:g} days" if median_days is not None else "not reached"
    sessions = f"{median_sessions:g}" if median_sessions is not None else "not reached"
    response = TimeToResponse(scale, threshold, (), share, median_days, median_sessions, ())
    assert response.describe == (
        f"Reached {threshold:g}% improvement in {label}: {old}; median time {days}, median "
        f"sessions {sessions} (Kaplan-Meier, patients still below the mark counted until "
        "their last assessment)"
    )
    assert from_json(to_json(response.text)) == response.text


@settings(max_examples=25, deadline=None)
@given(min_patients=st.integers(1, 60), min_follow_ups=st.integers(1, 60))
def test_a_too_few_caveat_reads_as_the_old_english(min_patients: int, min_follow_ups: int) -> None:
    # One patient, two follow-ups after microneedling: too few to fit, and maybe to conclude.
    rows = [
        ScoreObservation(1, date(2026, 1, 1), "ecca", 100),
        ScoreObservation(1, date(2026, 2, 1), "ecca", 80, 1, M.MICRONEEDLING),
        ScoreObservation(1, date(2026, 3, 1), "ecca", 60, 2, M.MICRONEEDLING),
    ]
    effects = fit_modality_effects(
        rows, scale="ecca", min_patients=min_patients, min_follow_ups=min_follow_ups
    )
    (effect,) = effects.effects
    old = []
    if min_patients > 1:
        old.append(
            f"Too few patients to conclude: 1 had Microneedling and a follow-up assessment; "
            f"at least {min_patients} are needed."
        )
    if min_follow_ups > 2:
        old.append(
            f"Too few follow-up assessments to conclude: 2 after Microneedling; at least "
            f"{min_follow_ups} are needed."
        )
    old.append(
        "Too few data to fit the model: it needs at least 2 patients with follow-up "
        "assessments after treatment, and more assessments than treatments compared."
    )
    assert effect.caveat == " ".join(old)
    assert effect.caveat_text is not None and effect.caveat_text.english == effect.caveat
    assert effects.notes == tuple(n.english for n in effects.note_texts)


@settings(max_examples=60, deadline=None)
@given(
    n_patients=st.integers(1, 400),
    n_observations=st.integers(1, 2000),
    estimate=figures,
    spread=st.floats(min_value=0.001, max_value=30, allow_nan=False),
    max_sessions=st.integers(1, 12),
    sessions=st.integers(1, 12),
    modality=st.sampled_from([M.TCA_CROSS, M.MICRONEEDLING_PRP, M.SUBCISION]),
)
def test_a_forecast_basis_reads_as_the_old_english(
    n_patients: int,
    n_observations: int,
    estimate: float,
    spread: float,
    max_sessions: int,
    sessions: int,
    modality: Modality,
) -> None:
    low, high = estimate - spread, estimate + spread
    effect = ModalityEffect(
        modality,
        estimate,
        low,
        high,
        spread / 2,
        n_patients,
        n_observations,
        max_sessions,
        True,
        True,
        "",
    )
    effects = ModalityEffects(
        "ecca",
        True,
        "mixed_model",
        "",
        (effect,),
        n_patients,
        n_observations,
        5.0,
        5.0,
        True,
        (),
        {},
    )
    result = forecast(effects, EVIDENCE, modality, sessions)
    plural = "s" if n_patients != 1 else ""
    assert result.basis == (
        f"clinic data, n = {n_patients} patient{plural} ({n_observations} follow-up "
        f"assessments of ECCA); {_num(estimate, 1)}% improvement per session (95% CI "
        f"{_num(low, 1)}% to {_num(high, 1)}%), linear mixed model"
    )
    if sessions > max_sessions:
        assert (
            f"No patient here has had more than {max_sessions} session(s) of "
            f"{modality.label}: the figure for {sessions} extrapolates, assuming each session "
            "adds as much as the earlier ones did."
        ) in result.caveats
    assert from_json(to_json(result.basis_text)) == result.basis_text


def test_a_forecast_without_clinic_data_keeps_its_english_basis() -> None:
    effects = fit_modality_effects([], scale="ecca")
    quoted = " | ".join(e.summary for e in EVIDENCE if M.MICRONEEDLING_PRP in e.modalities)
    published = forecast(effects, EVIDENCE, M.MICRONEEDLING_PRP, 3)
    assert published.basis == f"published evidence only: {quoted}"
    assert published.caveats == (
        "This clinic has no assessed patients treated with Microneedling with PRP yet.",
        "The published results are quoted as reported; they are not converted into a figure "
        "for this number of sessions.",
    )
    none = forecast(effects, None, M.SUBCISION, 3)
    assert none.basis == "none: no clinic data for Subcision, and no published evidence was given"
