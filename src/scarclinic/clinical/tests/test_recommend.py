"""The treatment comparison: ranking for the scar profile, screening, evidence, cost."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.candidacy import DEFAULT_RULES, Status
from scarclinic.clinical.evidence import CATALOGUE, Modality, SessionPlan
from scarclinic.clinical.history import FitzpatrickType, IsotretinoinStatus, MedicalHistory
from scarclinic.clinical.morphology import Morphology, QualitativeGrade
from scarclinic.clinical.profile import Labs, ScarProfile
from scarclinic.clinical.recommend import (
    COLOUR_NOTE,
    RAISED_NOTE,
    ClinicOutcome,
    Fit,
    Option,
    recommend,
)

M = Modality
TODAY = date(2025, 5, 15)
CLEAR_HISTORY = MedicalHistory(fitzpatrick=FitzpatrickType.II)
CLEAR_LABS = Labs(
    platelet_count_10e9_per_l=250,
    haemoglobin_g_dl=13.5,
    measured_on=TODAY,
    expects_gradual_results_over_sessions=True,
    age_years=30,
)
AMINA_HISTORY = replace(
    CLEAR_HISTORY, isotretinoin=IsotretinoinStatus.PAST, isotretinoin_last_dose=date(2025, 1, 15)
)
BILAL_LABS = replace(CLEAR_LABS, platelet_count_10e9_per_l=80)
PRICES = {m: Decimal("150.00") + i for i, m in enumerate(Modality)}


def profile_of(counts: dict[Morphology, int], grade: QualitativeGrade | None = None) -> ScarProfile:
    return ScarProfile(counts, grade or QualitativeGrade.MODERATE, False, TODAY)


ICE_PICK = profile_of({Morphology.ICE_PICK: 20, Morphology.BOXCAR_SHALLOW: 2})
ROLLING = profile_of({Morphology.ROLLING: 25})
BOXCAR = profile_of({Morphology.BOXCAR_SHALLOW: 10, Morphology.BOXCAR_DEEP: 5})
RAISED = profile_of({Morphology.HYPERTROPHIC: 5, Morphology.BOXCAR_SHALLOW: 5})
MACULAR = profile_of({Morphology.MACULAR: 30}, QualitativeGrade.MACULAR)


def options_for(profile: ScarProfile, **kw: Any) -> list[Option]:
    kw.setdefault("labs", CLEAR_LABS)
    return recommend(profile, kw.pop("history", CLEAR_HISTORY), TODAY, **kw)


def single(options: list[Option], modality: Modality) -> Option:
    return next(o for o in options if o.modalities == (modality,))


def first_singles(options: list[Option], k: int) -> list[Modality]:
    return [o.modalities[0] for o in options if not o.is_combination][:k]


# --- ranking for the scar profile -----------------------------------------------------------


def test_ice_pick_scars_put_tca_cross_or_punch_first() -> None:
    options = options_for(ICE_PICK)
    assert options[0].modalities[0] in {M.TCA_CROSS, M.PUNCH_EXCISION_ELEVATION}
    assert set(first_singles(options, 2)) == {M.TCA_CROSS, M.PUNCH_EXCISION_ELEVATION}
    assert Morphology.ICE_PICK in single(options, M.TCA_CROSS).first_line_for


def test_rolling_scars_put_subcision_filler_and_needling_first() -> None:
    options = options_for(ROLLING)
    first_line = {M.SUBCISION, M.DERMAL_FILLER, M.MICRONEEDLING, M.MICRONEEDLING_PRP}
    assert set(first_singles(options, 4)) == first_line
    assert all(single(options, m).fit is Fit.FIRST_LINE for m in first_line)


def test_rolling_scars_are_offered_subcision_with_microneedling_and_prp() -> None:
    options = options_for(ROLLING)
    combination = next(o for o in options if o.modalities == (M.SUBCISION, M.MICRONEEDLING_PRP))
    assert combination.suitable and combination.is_combination
    assert "Subcision frees tethered rolling scars" in combination.why
    assert combination.label == "Subcision + Microneedling with PRP"


def test_boxcar_scars_put_laser_tca_cross_and_needling_first() -> None:
    options = options_for(BOXCAR)
    expected = {M.FRACTIONAL_ABLATIVE_LASER, M.TCA_CROSS, M.MICRONEEDLING, M.MICRONEEDLING_PRP}
    assert set(first_singles(options, 4)) == expected


def test_a_combination_is_offered_only_when_the_patient_has_the_scars_it_needs() -> None:
    offered = {o.modalities for o in options_for(BOXCAR) if o.is_combination}
    assert (M.SUBCISION, M.MICRONEEDLING) not in offered  # no rolling scars
    assert (M.TCA_CROSS, M.MICRONEEDLING) not in offered  # no ice-pick scars
    mixed = profile_of({Morphology.ICE_PICK: 5, Morphology.BOXCAR_DEEP: 5})
    offered = {o.modalities for o in options_for(mixed) if o.is_combination}
    assert (M.TCA_CROSS, M.FRACTIONAL_ABLATIVE_LASER) in offered


def test_with_raised_scars_resurfacing_is_not_ranked_first() -> None:
    options = options_for(RAISED)
    assert not any(d.is_resurfacing for d in options[0].details)
    laser = single(options, M.FRACTIONAL_ABLATIVE_LASER)
    fitting_non_resurfacing = [
        o
        for o in options
        if o.suitable and o.fit is not Fit.NONE and not any(d.is_resurfacing for d in o.details)
    ]
    assert all(o.rank < laser.rank for o in fitting_non_resurfacing)
    assert RAISED_NOTE in laser.notes
    assert any("resurfacing is not the first treatment" in n for n in laser.notes)


def test_flat_marks_are_told_that_contour_treatments_do_not_address_colour() -> None:
    options = options_for(MACULAR)
    assert all(COLOUR_NOTE in o.notes for o in options)
    assert all(o.fit is Fit.NONE for o in options)
    assert "Not a treatment for the scars recorded" in options[0].why


def test_a_first_line_match_ranks_above_an_also_used_one() -> None:
    options = options_for(ROLLING)
    svf = single(options, M.STEM_CELL_SVF_INJECTION)
    assert svf.fit is Fit.ALSO_USED
    assert single(options, M.SUBCISION).rank < svf.rank


# --- screening in the comparison ----------------------------------------------------------------


def test_amina_sees_the_laser_after_every_suitable_option_with_the_date_to_come_back() -> None:
    options = options_for(BOXCAR, history=AMINA_HISTORY)
    laser = single(options, M.FRACTIONAL_ABLATIVE_LASER)
    assert not laser.suitable and laser.status is Status.DEFER
    assert laser.reassess_on == date(2025, 7, 15)
    assert laser.not_suitable_reason is not None
    assert "2025-07-15" in laser.not_suitable_reason
    assert all(o.rank < laser.rank for o in options if o.suitable)


def test_bilal_sees_prp_marked_not_suitable_with_the_platelet_count() -> None:
    options = options_for(ROLLING, labs=BILAL_LABS)
    prp = single(options, M.MICRONEEDLING_PRP)
    assert not prp.suitable and prp.status is Status.CONTRAINDICATED
    assert prp.not_suitable_reason is not None and "Platelet count 80" in prp.not_suitable_reason
    combination = next(o for o in options if o.modalities == (M.SUBCISION, M.MICRONEEDLING_PRP))
    assert not combination.suitable
    assert single(options, M.MICRONEEDLING).suitable


def test_a_caution_keeps_an_option_suitable_and_lists_what_to_do() -> None:
    dark = replace(CLEAR_HISTORY, fitzpatrick=FitzpatrickType.V)
    peel = single(options_for(BOXCAR, history=dark), M.CHEMICAL_PEEL)
    assert peel.suitable and peel.status is Status.CAUTION
    assert peel.not_suitable_reason is None
    assert any("photoprotection" in a for a in peel.actions)


def test_the_comparison_uses_the_clinics_rule_set() -> None:
    rules = DEFAULT_RULES.with_changes(thresholds={"isotretinoin_months": 3})
    options = options_for(BOXCAR, history=AMINA_HISTORY, rules=rules)
    laser = single(options, M.FRACTIONAL_ABLATIVE_LASER)
    assert laser.suitable
    assert laser.screenings[0].rule_set_version == rules.version


# --- evidence, outcomes and cost -------------------------------------------------------------


def test_cell_therapy_says_its_evidence_is_weak_and_investigational() -> None:
    svf = single(options_for(ROLLING), M.STEM_CELL_SVF_INJECTION)
    assert svf.evidence_is_weak
    assert svf.evidence_wording.startswith("Evidence is weak")
    assert "Investigational" in svf.evidence_wording
    assert {e.id for e in svf.evidence} == {"svf_gel_2025", "stachura_2021"}


def test_microneedling_with_prp_shows_its_meta_analysis_as_the_best_evidence() -> None:
    prp = single(options_for(ROLLING), M.MICRONEEDLING_PRP)
    assert not prp.evidence_is_weak
    assert prp.evidence_wording == "Best evidence: meta-analysis (Kang & Lu, Front Med 2022)."


def test_a_treatment_without_an_evidence_entry_says_so() -> None:
    subcision = single(options_for(ROLLING), M.SUBCISION)
    assert subcision.evidence == () and subcision.evidence_is_weak
    assert "No evidence entry in the clinical reference" in subcision.evidence_wording
    assert "No evidence entry" in subcision.expected_result


def test_a_combination_never_claims_evidence_of_its_own() -> None:
    for option in options_for(ROLLING):
        if option.is_combination:
            assert option.evidence_is_weak
            assert "No evidence entry for this combination" in option.evidence_wording


def test_the_clinics_own_results_sit_beside_the_published_figures() -> None:
    own = ClinicOutcome(
        n_patients=24, mean_improvement_percent=38.5, measure="ECCA", period="at 6 months"
    )
    options = options_for(ROLLING, clinic_outcomes={M.MICRONEEDLING_PRP: own})
    prp = single(options, M.MICRONEEDLING_PRP)
    assert prp.clinic_outcomes == {M.MICRONEEDLING_PRP: own}
    assert "Published: Microneedling + PRP vs microneedling" in prp.expected_result
    assert "This clinic: mean 38.5% improvement in ECCA at 6 months, n = 24 patients" in (
        prp.expected_result
    )
    assert single(options, M.MICRONEEDLING).clinic_outcomes == {}


def test_a_clinic_outcome_needs_patients() -> None:
    with pytest.raises(ValueError):
        ClinicOutcome(n_patients=0, mean_improvement_percent=10, measure="ECCA")


def test_cost_is_the_price_per_session_times_the_sessions() -> None:
    options = options_for(ROLLING, prices={M.TCA_CROSS: Decimal("120.00")})
    tca = single(options, M.TCA_CROSS)
    assert tca.cost == Decimal("720.00")  # 6 sessions at the top of 4-6
    assert tca.cost_from == Decimal("480.00")
    assert single(options, M.SUBCISION).cost is None  # no price: no cost, never zero


def test_a_combination_costs_the_sum_of_its_parts() -> None:
    prices = {M.SUBCISION: Decimal("200"), M.MICRONEEDLING_PRP: Decimal("300")}
    options = options_for(ROLLING, prices=prices)
    combination = next(o for o in options if o.modalities == (M.SUBCISION, M.MICRONEEDLING_PRP))
    assert combination.cost == Decimal("200") * 1 + Decimal("300") * 4
    assert combination.cost_from == Decimal("200") * 1 + Decimal("300") * 3


def test_without_a_price_list_nothing_is_costed() -> None:
    assert all(o.cost is None and o.cost_from is None for o in options_for(ROLLING))


def test_a_negative_or_float_price_is_refused() -> None:
    with pytest.raises(ValueError):
        options_for(ROLLING, prices={M.SUBCISION: Decimal("-1")})
    with pytest.raises(ValueError):
        options_for(ROLLING, prices={M.SUBCISION: 100.0})


def test_a_clinic_protocol_changes_sessions_and_cost() -> None:
    own = SessionPlan(2, 3, 4, 6, "weeks", "our subcision protocol", "clinic", False)
    catalogue = {
        **CATALOGUE,
        M.SUBCISION: CATALOGUE[M.SUBCISION].with_clinic_settings(sessions=own),
    }
    options = options_for(ROLLING, prices={M.SUBCISION: Decimal("100")}, catalogue=catalogue)
    subcision = single(options, M.SUBCISION)
    assert subcision.sessions == (own,)
    assert subcision.cost == Decimal("300")


def test_an_unverified_protocol_is_flagged_in_the_notes() -> None:
    subcision = single(options_for(ROLLING), M.SUBCISION)
    assert any("clinic-configurable, unverified" in n for n in subcision.notes)


def test_ranks_run_from_one_without_gaps() -> None:
    options = options_for(ROLLING)
    assert [o.rank for o in options] == list(range(1, len(options) + 1))
    assert {o.modalities[0] for o in options if not o.is_combination} == set(Modality)


# --- properties -----------------------------------------------------------------------------

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


HISTORY_FLAGS = (
    "active_acne",
    "skin_infection_in_treatment_area",
    "pregnant_or_breastfeeding",
    "anticoagulant_or_antiplatelet",
    "bleeding_or_platelet_disorder",
    "keloid_tendency",
    "herpes_simplex_history",
    "active_cancer",
    "systemic_infection",
)


# Few facts per patient, so that suitable and unsuitable options both appear.
@st.composite
def histories(draw: st.DrawFn) -> MedicalHistory:
    status = draw(st.sampled_from(IsotretinoinStatus))
    flags: dict[str, Any] = dict.fromkeys(
        draw(st.sets(st.sampled_from(HISTORY_FLAGS), max_size=2)), True
    )
    return MedicalHistory(
        **flags,
        isotretinoin=status,
        isotretinoin_last_dose=draw(st.none() | days)
        if status is IsotretinoinStatus.PAST
        else None,
        fitzpatrick=draw(st.none() | st.sampled_from(FitzpatrickType)),
    )


profiles = st.builds(
    ScarProfile,
    counts=st.dictionaries(st.sampled_from(Morphology), st.integers(0, 40)),
    grade=st.none() | st.sampled_from(QualitativeGrade),
    active_acne_at_exam=st.sampled_from([False, False, False, True]),
    assessed_on=days,
)
labs_values = st.none() | st.builds(
    Labs,
    platelet_count_10e9_per_l=st.none() | st.floats(0, 600),
    haemoglobin_g_dl=st.none() | st.floats(0, 20),
    smoker=st.booleans(),
    expects_gradual_results_over_sessions=st.none() | st.booleans(),
    age_years=st.none() | st.integers(0, 90),
)
price_lists = st.none() | st.dictionaries(
    st.sampled_from(Modality),
    st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False),
)


@given(profiles, histories(), days, labs_values)
def test_an_unsuitable_option_never_comes_before_a_suitable_one(
    profile: ScarProfile, history: MedicalHistory, on_date: date, labs: Labs | None
) -> None:
    options = recommend(profile, history, on_date, labs)
    suitability = [o.suitable for o in options]
    assert suitability == sorted(suitability, reverse=True)
    for option in options:
        worst = max((s.status for s in option.screenings), key=lambda s: s.rank)
        assert option.status is worst
        assert option.suitable is worst.is_suitable
        assert (option.not_suitable_reason is None) is option.suitable


@given(profiles, histories(), days, price_lists)
def test_costs_are_price_times_sessions(
    profile: ScarProfile,
    history: MedicalHistory,
    on_date: date,
    prices: dict[Modality, Decimal] | None,
) -> None:
    for option in recommend(profile, history, on_date, prices=prices):
        if prices is None or any(m not in prices for m in option.modalities):
            assert option.cost is None and option.cost_from is None
            continue
        assert option.cost == sum(
            (prices[m] * CATALOGUE[m].sessions.sessions_max for m in option.modalities), Decimal(0)
        )
        assert option.cost_from == sum(
            (prices[m] * CATALOGUE[m].sessions.sessions_min for m in option.modalities), Decimal(0)
        )


@given(profiles, histories(), days, labs_values)
def test_the_comparison_is_deterministic(
    profile: ScarProfile, history: MedicalHistory, on_date: date, labs: Labs | None
) -> None:
    first = recommend(profile, history, on_date, labs, PRICES)
    again = recommend(replace(profile), replace(history), on_date, labs, dict(PRICES))
    assert [(o.modalities, o.rank, o.status, o.cost) for o in first] == [
        (o.modalities, o.rank, o.status, o.cost) for o in again
    ]
