"""Candidacy screening, tested from ../shared/CLINICAL.md sections 6 and 8 and the seed's criteria.

The cast: ``clear`` has nothing in her history that matters; ``amina`` stopped isotretinoin
four months ago and asks for fractional CO2 laser; ``bilal`` has a platelet count of 80 x10^9/L
and asks for microneedling with PRP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.candidacy import (
    ALL,
    DEFAULT_RULES,
    DEFAULT_RULES_VERSION,
    STATUS_ORDER,
    Outcome,
    RuleSet,
    Screening,
    Status,
    add_months,
    describe_span,
    screen,
    screen_all,
    whole_months_between,
)
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.history import (
    AcneSeverity,
    FitzpatrickType,
    IsotretinoinStatus,
    MedicalHistory,
)
from scarclinic.clinical.morphology import Morphology, QualitativeGrade
from scarclinic.clinical.profile import Labs, ScarProfile

M = Modality
TODAY = date(2025, 5, 15)

CLEAR_HISTORY = MedicalHistory(fitzpatrick=FitzpatrickType.II)
MODERATE_ROLLING = ScarProfile(
    {Morphology.ROLLING: 12, Morphology.BOXCAR_SHALLOW: 6},
    QualitativeGrade.MODERATE,
    active_acne_at_exam=False,
    assessed_on=TODAY,
)
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


def fired_ids(screening: Screening) -> list[str]:
    return [f.rule_id for f in screening.fired]


def screen_clear(modality: Modality, **changes: Any) -> Screening:
    history = replace(CLEAR_HISTORY, **changes.pop("history", {}))
    profile = replace(MODERATE_ROLLING, **changes.pop("profile", {}))
    labs = replace(CLEAR_LABS, **changes.pop("labs", {}))
    return screen(history, profile, modality, changes.pop("on_date", TODAY), labs, **changes)


# --- every rule fires and does not fire -------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    """A modality the rule applies to, the changes that make it fire, and one it never touches."""

    modality: Modality
    history: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    labs: dict[str, Any] = field(default_factory=dict)
    outside: Modality | None = None
    fires_for_everyone: bool = False  # e.g. the skin test before every PMMA-collagen filler


TRIGGERS: dict[str, Trigger] = {
    "active_acne_treat_first": Trigger(
        M.SUBCISION, history={"active_acne": True, "acne_severity": AcneSeverity.MILD}
    ),
    "skin_infection_treat_first": Trigger(
        M.MICRONEEDLING, history={"skin_infection_in_treatment_area": True}
    ),
    "isotretinoin_current_ablative": Trigger(
        M.FRACTIONAL_ABLATIVE_LASER,
        history={"isotretinoin": IsotretinoinStatus.CURRENT},
        outside=M.NON_ABLATIVE_FRACTIONAL_LASER,
    ),
    "isotretinoin_recent_ablative": Trigger(
        M.FRACTIONAL_ABLATIVE_LASER,
        history={
            "isotretinoin": IsotretinoinStatus.PAST,
            "isotretinoin_last_dose": date(2025, 1, 15),
        },
        outside=M.CHEMICAL_PEEL,
    ),
    "cell_therapy_pregnancy_or_breastfeeding": Trigger(
        M.STEM_CELL_SVF_INJECTION,
        history={"pregnant_or_breastfeeding": True},
        outside=M.MICRONEEDLING,
    ),
    "cell_therapy_active_cancer": Trigger(
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
        history={"active_cancer": True},
        outside=M.SUBCISION,
    ),
    "cell_therapy_anticoagulants": Trigger(
        M.STEM_CELL_SVF_INJECTION,
        history={"anticoagulant_or_antiplatelet": True},
        outside=M.FRACTIONAL_ABLATIVE_LASER,
    ),
    "cell_therapy_systemic_infection": Trigger(
        M.STEM_CELL_SVF_INJECTION, history={"systemic_infection": True}, outside=M.SUBCISION
    ),
    "fitzpatrick_pigmentation_risk": Trigger(
        M.CHEMICAL_PEEL, history={"fitzpatrick": FitzpatrickType.V}, outside=M.MICRONEEDLING
    ),
    "keloid_tendency": Trigger(
        M.MICRONEEDLING, history={"keloid_tendency": True}, outside=M.SUBCISION
    ),
    "hsv_antiviral_prophylaxis": Trigger(
        M.NON_ABLATIVE_FRACTIONAL_LASER,
        history={"herpes_simplex_history": True},
        outside=M.TCA_CROSS,
    ),
    "filler_bovine_collagen_skin_test": Trigger(
        M.DERMAL_FILLER, outside=M.SUBCISION, fires_for_everyone=True
    ),
    "filler_pmma_collagen_age": Trigger(
        M.DERMAL_FILLER, labs={"age_years": 19}, outside=M.SUBCISION
    ),
    "filler_pmma_collagen_age_not_recorded": Trigger(
        M.DERMAL_FILLER, labs={"age_years": None}, outside=M.SUBCISION
    ),
    "filler_pmma_collagen_indication": Trigger(
        M.DERMAL_FILLER, profile={"grade": QualitativeGrade.MILD}, outside=M.MICRONEEDLING
    ),
    "prp_platelets_below_minimum": Trigger(
        M.MICRONEEDLING_PRP, labs={"platelet_count_10e9_per_l": 80}, outside=M.MICRONEEDLING
    ),
    "prp_haemoglobin_below_minimum": Trigger(
        M.MICRONEEDLING_PRP, labs={"haemoglobin_g_dl": 9.5}, outside=M.MICRONEEDLING
    ),
    "prp_platelet_dysfunction": Trigger(
        M.MICRONEEDLING_PRP,
        history={"bleeding_or_platelet_disorder": True},
        outside=M.MICRONEEDLING,
    ),
    "prp_sepsis_or_systemic_infection": Trigger(
        M.MICRONEEDLING_PRP, history={"systemic_infection": True}, outside=M.MICRONEEDLING
    ),
    "prp_local_infection": Trigger(
        M.MICRONEEDLING_PRP,
        history={"skin_infection_in_treatment_area": True},
        outside=M.MICRONEEDLING,
    ),
    "prp_labs_not_recorded": Trigger(
        M.MICRONEEDLING_PRP, labs={"haemoglobin_g_dl": None}, outside=M.MICRONEEDLING
    ),
    "prp_nsaids_within_48h": Trigger(
        M.MICRONEEDLING_PRP, labs={"nsaid_within_48h": True}, outside=M.MICRONEEDLING
    ),
    "prp_systemic_steroids_within_2_weeks": Trigger(
        M.MICRONEEDLING_PRP,
        labs={"systemic_steroids_within_2_weeks": True},
        outside=M.MICRONEEDLING,
    ),
    "prp_anticoagulants": Trigger(
        M.MICRONEEDLING_PRP,
        history={"anticoagulant_or_antiplatelet": True},
        outside=M.MICRONEEDLING,
    ),
    "prp_smoking": Trigger(M.MICRONEEDLING_PRP, labs={"smoker": True}, outside=M.MICRONEEDLING),
    "cell_therapy_scar_severity_below_moderate": Trigger(
        M.STEM_CELL_SVF_INJECTION,
        profile={"grade": QualitativeGrade.MILD},
        outside=M.MICRONEEDLING,
    ),
    "cell_therapy_gradual_results_not_expected": Trigger(
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
        labs={"expects_gradual_results_over_sessions": False},
        outside=M.MICRONEEDLING,
    ),
}
RULE_IDS = sorted(TRIGGERS)


def screen_triggered(rule_id: str, modality: Modality | None = None, **kw: Any) -> Screening:
    trigger = TRIGGERS[rule_id]
    return screen_clear(
        modality or trigger.modality,
        history=trigger.history,
        profile=trigger.profile,
        labs=trigger.labs,
        **kw,
    )


def test_every_default_rule_has_a_case_that_makes_it_fire() -> None:
    assert set(TRIGGERS) == {r.id for r in DEFAULT_RULES.rules}


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_a_rule_fires_when_its_condition_holds(rule_id: str) -> None:
    screening = screen_triggered(rule_id)
    rule = DEFAULT_RULES.rule(rule_id)
    assert rule_id in fired_ids(screening)
    assert screening.status.rank >= rule.outcome.status.rank
    fired = next(f for f in screening.fired if f.rule_id == rule_id)
    assert fired.reason and fired.source == rule.source and fired.outcome is rule.outcome


@pytest.mark.parametrize("rule_id", [r for r in RULE_IDS if not TRIGGERS[r].fires_for_everyone])
def test_a_rule_does_not_fire_for_a_patient_without_its_condition(rule_id: str) -> None:
    assert rule_id not in fired_ids(screen_clear(TRIGGERS[rule_id].modality))


@pytest.mark.parametrize("rule_id", [r for r in RULE_IDS if TRIGGERS[r].outside is not None])
def test_a_rule_does_not_fire_for_a_modality_it_does_not_cover(rule_id: str) -> None:
    outside = TRIGGERS[rule_id].outside
    assert outside is not None
    assert not DEFAULT_RULES.rule(rule_id).applies(outside)
    assert rule_id not in fired_ids(screen_triggered(rule_id, outside))


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_a_disabled_rule_never_fires_and_the_rule_set_gets_a_new_version(rule_id: str) -> None:
    rules = DEFAULT_RULES.with_changes(disabled={rule_id})
    assert rules.version != DEFAULT_RULES.version
    assert rules.enabled_flags[rule_id] is False
    screening = screen_triggered(rule_id, rules=rules)
    assert rule_id not in fired_ids(screening)
    assert screening.rule_set_version == rules.version


def test_a_patient_with_nothing_relevant_is_eligible_for_all_but_the_filler_skin_test() -> None:
    statuses = {
        m: s.status
        for m, s in screen_all(CLEAR_HISTORY, MODERATE_ROLLING, TODAY, CLEAR_LABS).items()
    }
    assert statuses.pop(M.DERMAL_FILLER) is Status.CAUTION
    assert set(statuses.values()) == {Status.ELIGIBLE}


def test_every_rule_says_why_what_to_do_and_where_it_comes_from() -> None:
    for rule in DEFAULT_RULES.rules:
        assert rule.title and rule.action and rule.explanation and rule.source
        assert rule.applies_to == ALL or rule.applies_to


def test_the_herpes_rule_is_marked_unverified_and_the_clinical_rules_are_not() -> None:
    assert DEFAULT_RULES.rule("hsv_antiviral_prophylaxis").verified is False
    assert DEFAULT_RULES.rule("isotretinoin_recent_ablative").verified is True
    assert DEFAULT_RULES.rule("prp_platelets_below_minimum").verified is True


def test_the_default_thresholds_are_those_of_clinical_md() -> None:
    assert DEFAULT_RULES.threshold("isotretinoin_months") == 6
    assert DEFAULT_RULES.threshold("platelet_min_10e9_per_l") == 100
    assert DEFAULT_RULES.threshold("haemoglobin_min_g_dl") == 10
    assert DEFAULT_RULES.threshold("fitzpatrick_caution_from") == FitzpatrickType.IV
    assert DEFAULT_RULES.threshold("pmma_collagen_age_over") == 21
    assert DEFAULT_RULES.threshold("cell_therapy_min_grade") == QualitativeGrade.MODERATE
    assert all(t.source for t in DEFAULT_RULES.thresholds)


# --- the demo patients --------------------------------------------------------------------


def test_amina_who_stopped_isotretinoin_four_months_ago_waits_two_more_months_for_laser() -> None:
    screening = screen(
        AMINA_HISTORY, MODERATE_ROLLING, M.FRACTIONAL_ABLATIVE_LASER, TODAY, CLEAR_LABS
    )
    assert screening.status is Status.DEFER
    assert screening.reassess_on == date(2025, 7, 15)
    (fired,) = screening.fired
    assert fired.rule_id == "isotretinoin_recent_ablative"
    assert fired.until == date(2025, 7, 15)
    assert "4 months ago" in fired.reason
    assert "until 2025-07-15" in fired.reason
    assert "2 months more" in fired.reason
    assert not screening.is_suitable


@pytest.mark.parametrize(
    "modality",
    [M.NON_ABLATIVE_FRACTIONAL_LASER, M.CHEMICAL_PEEL, M.MICRONEEDLING, M.TCA_CROSS, M.SUBCISION],
)
def test_amina_need_not_wait_for_peels_non_ablative_laser_or_needling(modality: Modality) -> None:
    screening = screen(AMINA_HISTORY, MODERATE_ROLLING, modality, TODAY, CLEAR_LABS)
    assert screening.status is Status.ELIGIBLE


def test_bilal_with_a_platelet_count_of_80_is_contraindicated_for_prp() -> None:
    screening = screen(CLEAR_HISTORY, MODERATE_ROLLING, M.MICRONEEDLING_PRP, TODAY, BILAL_LABS)
    assert screening.status is Status.CONTRAINDICATED
    assert fired_ids(screening) == ["prp_platelets_below_minimum"]
    assert "80" in screening.fired[0].reason and "100" in screening.fired[0].reason
    assert screening.reassess_on is None


def test_bilal_can_still_have_microneedling_without_prp() -> None:
    screening = screen(CLEAR_HISTORY, MODERATE_ROLLING, M.MICRONEEDLING, TODAY, BILAL_LABS)
    assert screening.status is Status.ELIGIBLE


# --- isotretinoin dates at the boundaries ------------------------------------------------------


def screen_laser_after_last_dose(last_dose: date, on_date: date, **kw: Any) -> Screening:
    history = replace(
        CLEAR_HISTORY, isotretinoin=IsotretinoinStatus.PAST, isotretinoin_last_dose=last_dose
    )
    return screen(history, MODERATE_ROLLING, M.FRACTIONAL_ABLATIVE_LASER, on_date, CLEAR_LABS, **kw)


def test_a_last_dose_exactly_six_months_before_no_longer_defers_the_laser() -> None:
    assert screen_laser_after_last_dose(date(2024, 11, 15), TODAY).status is Status.ELIGIBLE


def test_a_last_dose_one_day_less_than_six_months_before_defers_the_laser_to_the_next_day() -> None:
    screening = screen_laser_after_last_dose(date(2024, 11, 16), TODAY)
    assert screening.status is Status.DEFER
    assert screening.reassess_on == TODAY + timedelta(days=1)
    assert "1 day more" in screening.fired[0].reason


def test_a_last_dose_one_day_more_than_six_months_before_does_not_defer_the_laser() -> None:
    assert screen_laser_after_last_dose(date(2024, 11, 14), TODAY).status is Status.ELIGIBLE


@pytest.mark.parametrize(
    ("last_dose", "until"),
    [
        (date(2024, 8, 31), date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(2023, 8, 31), date(2024, 2, 29)),  # leap year
        (date(2024, 3, 31), date(2024, 9, 30)),
        (date(2024, 12, 31), date(2025, 6, 30)),
        (date(2024, 7, 31), date(2025, 1, 31)),  # across the year
        (date(2024, 2, 29), date(2024, 8, 29)),
    ],
)
def test_the_wait_ends_on_the_same_day_six_months_later_or_that_months_last_day(
    last_dose: date, until: date
) -> None:
    day_before = screen_laser_after_last_dose(last_dose, until - timedelta(days=1))
    assert day_before.status is Status.DEFER
    assert day_before.reassess_on == until
    assert screen_laser_after_last_dose(last_dose, until).status is Status.ELIGIBLE


def test_a_last_dose_on_31_august_is_six_months_before_28_february() -> None:
    assert (
        screen_laser_after_last_dose(date(2024, 8, 31), date(2025, 2, 28)).status is Status.ELIGIBLE
    )
    assert (
        screen_laser_after_last_dose(date(2024, 8, 28), date(2025, 2, 28)).status is Status.ELIGIBLE
    )
    assert screen_laser_after_last_dose(date(2024, 9, 1), date(2025, 2, 28)).status is Status.DEFER


def test_taking_isotretinoin_now_defers_ablative_laser_without_a_date() -> None:
    screening = screen_clear(
        M.FRACTIONAL_ABLATIVE_LASER, history={"isotretinoin": IsotretinoinStatus.CURRENT}
    )
    assert screening.status is Status.DEFER
    assert fired_ids(screening) == ["isotretinoin_current_ablative"]
    assert screening.reassess_on is None


@pytest.mark.parametrize(
    "modality",
    [M.NON_ABLATIVE_FRACTIONAL_LASER, M.CHEMICAL_PEEL, M.MICRONEEDLING, M.STEM_CELL_SVF_INJECTION],
)
def test_taking_isotretinoin_now_does_not_defer_other_treatments(modality: Modality) -> None:
    screening = screen_clear(modality, history={"isotretinoin": IsotretinoinStatus.CURRENT})
    assert screening.status is Status.ELIGIBLE


def test_past_isotretinoin_without_a_last_dose_date_defers_laser_until_the_date_is_known() -> None:
    screening = screen_clear(
        M.FRACTIONAL_ABLATIVE_LASER, history={"isotretinoin": IsotretinoinStatus.PAST}
    )
    assert screening.status is Status.DEFER
    assert screening.reassess_on is None
    assert "not recorded" in screening.fired[0].reason


def test_a_shorter_isotretinoin_wait_set_by_the_clinic_lets_amina_have_laser_now() -> None:
    rules = DEFAULT_RULES.with_changes(thresholds={"isotretinoin_months": 3})
    screening = screen(
        AMINA_HISTORY, MODERATE_ROLLING, M.FRACTIONAL_ABLATIVE_LASER, TODAY, CLEAR_LABS, rules
    )
    assert screening.status is Status.ELIGIBLE
    assert screening.rule_set_version == rules.version != DEFAULT_RULES_VERSION


def test_a_longer_isotretinoin_wait_moves_the_reassessment_date() -> None:
    rules = DEFAULT_RULES.with_changes(thresholds={"isotretinoin_months": 12})
    screening = screen(
        AMINA_HISTORY, MODERATE_ROLLING, M.FRACTIONAL_ABLATIVE_LASER, TODAY, CLEAR_LABS, rules
    )
    assert screening.reassess_on == date(2026, 1, 15)


# --- other thresholds at their boundaries ------------------------------------------------------


@pytest.mark.parametrize(
    ("platelets", "status"),
    [(100, Status.ELIGIBLE), (99.9, Status.CONTRAINDICATED), (250, Status.ELIGIBLE)],
)
def test_platelets_below_100_and_only_below_contraindicate_prp(
    platelets: float, status: Status
) -> None:
    screening = screen_clear(M.MICRONEEDLING_PRP, labs={"platelet_count_10e9_per_l": platelets})
    assert screening.status is status


@pytest.mark.parametrize(("hb", "status"), [(10, Status.ELIGIBLE), (9.9, Status.CONTRAINDICATED)])
def test_haemoglobin_below_10_and_only_below_contraindicates_prp(hb: float, status: Status) -> None:
    assert screen_clear(M.MICRONEEDLING_PRP, labs={"haemoglobin_g_dl": hb}).status is status


def test_a_lower_platelet_minimum_set_by_the_clinic_accepts_bilal() -> None:
    rules = DEFAULT_RULES.with_changes(thresholds={"platelet_min_10e9_per_l": 75})
    screening = screen(
        CLEAR_HISTORY, MODERATE_ROLLING, M.MICRONEEDLING_PRP, TODAY, BILAL_LABS, rules
    )
    assert screening.status is Status.ELIGIBLE
    assert DEFAULT_RULES.threshold("platelet_min_10e9_per_l") == 100  # the default is untouched


def test_a_haemoglobin_minimum_override_applies() -> None:
    rules = DEFAULT_RULES.with_changes(thresholds={"haemoglobin_min_g_dl": 12})
    screening = screen_clear(M.MICRONEEDLING_PRP, labs={"haemoglobin_g_dl": 11.5}, rules=rules)
    assert screening.status is Status.CONTRAINDICATED


@pytest.mark.parametrize(
    ("skin", "fires"),
    [(FitzpatrickType.III, False), (FitzpatrickType.IV, True), (FitzpatrickType.VI, True)],
)
def test_fitzpatrick_iv_to_vi_and_only_those_get_the_pigmentation_caution(
    skin: FitzpatrickType, fires: bool
) -> None:
    screening = screen_clear(M.FRACTIONAL_ABLATIVE_LASER, history={"fitzpatrick": skin})
    assert ("fitzpatrick_pigmentation_risk" in fired_ids(screening)) is fires
    assert screening.status is (Status.CAUTION if fires else Status.ELIGIBLE)


def test_an_unknown_skin_type_gets_no_pigmentation_caution() -> None:
    assert screen_clear(M.CHEMICAL_PEEL, history={"fitzpatrick": None}).status is Status.ELIGIBLE


def test_the_pigmentation_caution_can_start_from_type_v() -> None:
    rules = DEFAULT_RULES.with_changes(thresholds={"fitzpatrick_caution_from": 5})
    skin_iv = {"fitzpatrick": FitzpatrickType.IV}
    assert screen_clear(M.CHEMICAL_PEEL, history=skin_iv, rules=rules).status is Status.ELIGIBLE


@pytest.mark.parametrize(
    ("age", "status"), [(21, Status.DEFER), (22, Status.CAUTION), (18, Status.DEFER)]
)
def test_pmma_collagen_filler_waits_until_the_patient_is_over_21(age: int, status: Status) -> None:
    screening = screen_clear(M.DERMAL_FILLER, labs={"age_years": age})
    assert screening.status is status
    assert screening.reassess_on is None  # an age in years gives no date


def test_every_pmma_collagen_filler_needs_a_skin_test_first() -> None:
    screening = screen_clear(M.DERMAL_FILLER)
    assert fired_ids(screening) == ["filler_bovine_collagen_skin_test"]
    assert screening.is_suitable
    assert "skin test" in screening.actions[0]


@pytest.mark.parametrize(
    ("grade", "fires"),
    [
        (QualitativeGrade.MACULAR, True),
        (QualitativeGrade.MILD, True),
        (QualitativeGrade.MODERATE, False),
        (QualitativeGrade.SEVERE, False),
        (None, False),
    ],
)
def test_cell_therapy_candidates_have_moderate_to_severe_scars(
    grade: QualitativeGrade | None, fires: bool
) -> None:
    screening = screen_clear(M.STEM_CELL_SVF_INJECTION, profile={"grade": grade})
    assert ("cell_therapy_scar_severity_below_moderate" in fired_ids(screening)) is fires


@pytest.mark.parametrize(("expects", "fires"), [(True, False), (None, False), (False, True)])
def test_a_patient_who_does_not_expect_gradual_results_is_counselled(
    expects: bool | None, fires: bool
) -> None:
    screening = screen_clear(
        M.STEM_CELL_SVF_INJECTION, labs={"expects_gradual_results_over_sessions": expects}
    )
    assert ("cell_therapy_gradual_results_not_expected" in fired_ids(screening)) is fires
    assert screening.is_suitable


def test_keloids_found_at_examination_count_as_a_keloid_tendency() -> None:
    profile = {"counts": {Morphology.ROLLING: 5, Morphology.KELOID: 2}}
    screening = screen_clear(M.MICRONEEDLING, profile=profile)
    assert fired_ids(screening) == ["keloid_tendency"]
    assert "2 keloid scars" in screening.fired[0].reason


def test_active_acne_seen_at_examination_defers_every_treatment() -> None:
    for modality in Modality:
        screening = screen_clear(modality, profile={"active_acne_at_exam": True})
        assert screening.status is Status.DEFER
        assert "active_acne_treat_first" in fired_ids(screening)


def test_screening_without_labs_asks_for_a_blood_count_before_prp_but_does_not_exclude() -> None:
    screening = screen(CLEAR_HISTORY, MODERATE_ROLLING, M.MICRONEEDLING_PRP, TODAY)
    assert screening.status is Status.CAUTION
    assert fired_ids(screening) == ["prp_labs_not_recorded"]


# --- how outcomes combine ----------------------------------------------------------------


def test_the_worst_outcome_wins_and_every_fired_rule_is_listed_worst_first() -> None:
    screening = screen_clear(
        M.MICRONEEDLING_PRP,
        labs={"platelet_count_10e9_per_l": 80, "smoker": True, "nsaid_within_48h": True},
    )
    assert screening.status is Status.CONTRAINDICATED
    assert fired_ids(screening) == [
        "prp_platelets_below_minimum",
        "prp_nsaids_within_48h",
        "prp_smoking",
    ]


def test_a_caution_is_still_eligible_with_the_actions_to_take() -> None:
    screening = screen_clear(M.CHEMICAL_PEEL, history={"fitzpatrick": FitzpatrickType.V})
    assert screening.status is Status.CAUTION
    assert screening.is_suitable
    assert screening.actions == (DEFAULT_RULES.rule("fitzpatrick_pigmentation_risk").action,)
    assert screening.blocking == ()


def test_the_reassessment_date_is_the_latest_known_and_undated_deferrals_still_show() -> None:
    screening = screen(
        replace(AMINA_HISTORY, active_acne=True, acne_severity=AcneSeverity.MODERATE),
        MODERATE_ROLLING,
        M.FRACTIONAL_ABLATIVE_LASER,
        TODAY,
        CLEAR_LABS,
    )
    assert screening.status is Status.DEFER
    assert screening.reassess_on == date(2025, 7, 15)
    assert set(fired_ids(screening)) == {"active_acne_treat_first", "isotretinoin_recent_ablative"}


def test_an_undated_deferral_alone_gives_no_reassessment_date() -> None:
    screening = screen_clear(M.SUBCISION, history={"skin_infection_in_treatment_area": True})
    assert screening.status is Status.DEFER
    assert screening.reassess_on is None


def test_a_contraindication_gives_no_reassessment_date_even_beside_a_dated_deferral() -> None:
    screening = screen(AMINA_HISTORY, MODERATE_ROLLING, M.MICRONEEDLING_PRP, TODAY, BILAL_LABS)
    assert screening.status is Status.CONTRAINDICATED
    assert screening.reassess_on is None


def test_a_local_infection_defers_needling_but_contraindicates_prp() -> None:
    infected = {"skin_infection_in_treatment_area": True}
    assert screen_clear(M.MICRONEEDLING, history=infected).status is Status.DEFER
    assert screen_clear(M.MICRONEEDLING_PRP, history=infected).status is Status.CONTRAINDICATED


# --- the rule set as configuration ------------------------------------------------------------


def test_the_default_rule_set_carries_its_base_version() -> None:
    assert DEFAULT_RULES.version == DEFAULT_RULES_VERSION
    assert all(DEFAULT_RULES.enabled_flags.values())


def test_the_same_changes_give_the_same_version_and_different_ones_differ() -> None:
    a = DEFAULT_RULES.with_changes(disabled={"prp_smoking"}, thresholds={"isotretinoin_months": 3})
    b = DEFAULT_RULES.with_changes(thresholds={"isotretinoin_months": 3}).with_changes(
        disabled=["prp_smoking"]
    )
    c = DEFAULT_RULES.with_changes(disabled={"prp_smoking"}, thresholds={"isotretinoin_months": 4})
    assert a.version == b.version
    assert a.version != c.version
    assert a.version.startswith(DEFAULT_RULES_VERSION + "+")


def test_undoing_every_change_returns_to_the_default_version() -> None:
    changed = DEFAULT_RULES.with_changes(
        disabled={"prp_smoking"}, thresholds={"platelet_min_10e9_per_l": 80}
    )
    undone = changed.with_changes(
        enabled={"prp_smoking"}, thresholds={"platelet_min_10e9_per_l": None}
    )
    assert undone.version == DEFAULT_RULES.version
    assert undone.is_enabled("prp_smoking")
    assert undone.threshold("platelet_min_10e9_per_l") == 100


def test_a_version_given_by_the_caller_is_kept() -> None:
    rules = DEFAULT_RULES.with_changes(disabled={"prp_smoking"}, version="clinic-a-7")
    assert rules.version == "clinic-a-7"
    assert screen_clear(M.MICRONEEDLING_PRP, rules=rules).rule_set_version == "clinic-a-7"


@pytest.mark.parametrize(
    "changes",
    [
        {"thresholds": {"no_such_threshold": 1}},
        {"thresholds": {"isotretinoin_months": 2.5}},
        {"thresholds": {"isotretinoin_months": -1}},
        {"thresholds": {"fitzpatrick_caution_from": 7}},
        {"thresholds": {"platelet_min_10e9_per_l": True}},
        {"disabled": {"no_such_rule"}},
        {"disabled": {"prp_smoking"}, "enabled": {"prp_smoking"}},
    ],
)
def test_a_change_that_makes_no_sense_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises((ValueError, KeyError)):
        DEFAULT_RULES.with_changes(**changes)


def test_a_rule_set_with_duplicate_rule_ids_is_refused() -> None:
    rule = DEFAULT_RULES.rules[0]
    with pytest.raises(ValueError, match="unique"):
        RuleSet("x", (rule, rule), DEFAULT_RULES.thresholds)


# --- calendar arithmetic ----------------------------------------------------------------------


def test_adding_months_keeps_the_day_or_falls_back_to_the_months_last_day() -> None:
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 5, 15), -6) == date(2023, 11, 15)
    assert add_months(date(2024, 12, 1), 1) == date(2025, 1, 1)


def test_spans_read_as_months_and_days() -> None:
    assert describe_span(date(2025, 1, 15), date(2025, 5, 15)) == "4 months"
    assert describe_span(date(2025, 1, 15), date(2025, 2, 16)) == "1 month and 1 day"
    assert describe_span(date(2025, 1, 15), date(2025, 1, 27)) == "12 days"
    assert describe_span(date(2025, 1, 15), date(2025, 1, 15)) == "0 days"


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(days, st.integers(min_value=-120, max_value=120))
def test_adding_months_lands_in_the_right_month_never_past_the_day(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    if day.day <= 28:
        assert result.day == day.day


@given(days, st.integers(min_value=0, max_value=120))
def test_whole_months_between_undoes_adding_months(day: date, months: int) -> None:
    later = add_months(day, months)
    assert whole_months_between(day, later) >= months
    assert add_months(day, whole_months_between(day, later)) <= later
    if day.day <= 28:
        assert whole_months_between(day, later) == months


# --- the screening input ----------------------------------------------------------------------


def test_a_profile_keeps_only_the_scar_types_present() -> None:
    profile = ScarProfile({Morphology.ROLLING: 3, Morphology.KELOID: 0}, None, False, TODAY)
    assert dict(profile.counts) == {Morphology.ROLLING: 3}
    assert profile == ScarProfile({Morphology.ROLLING: 3}, None, False, TODAY)
    assert hash(profile) == hash(ScarProfile({Morphology.ROLLING: 3}, None, False, TODAY))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"counts": {Morphology.ROLLING: -1}},
        {"counts": {"rolling": 1}},
        {"goodman_baron_total": 85},
        {"ecca_total": 541},
        {"ecca_total": -1},
    ],
)
def test_a_profile_with_impossible_numbers_is_refused(kwargs: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "counts": {},
        "grade": None,
        "active_acne_at_exam": False,
        "assessed_on": TODAY,
    }
    with pytest.raises(ValueError):
        ScarProfile(**{**base, **kwargs})


def test_labs_with_a_negative_count_are_refused() -> None:
    with pytest.raises(ValueError):
        Labs(platelet_count_10e9_per_l=-1)


# --- properties -----------------------------------------------------------------------------

HISTORY_FLAGS = (
    "active_acne",
    "skin_infection_in_treatment_area",
    "pregnant_or_breastfeeding",
    "anticoagulant_or_antiplatelet",
    "bleeding_or_platelet_disorder",
    "keloid_tendency",
    "herpes_simplex_history",
    "photosensitising_drugs",
    "autoimmune_disease",
    "active_cancer",
    "systemic_infection",
    "local_anaesthetic_allergy",
)


# Few facts per patient, so that a single added fact often decides the outcome.
@st.composite
def histories(draw: st.DrawFn) -> MedicalHistory:
    flags: dict[str, Any] = dict.fromkeys(
        draw(st.sets(st.sampled_from(HISTORY_FLAGS), max_size=2)), True
    )
    status = draw(st.sampled_from(IsotretinoinStatus))
    last_dose = draw(st.none() | days) if status is IsotretinoinStatus.PAST else None
    return MedicalHistory(
        **flags,
        isotretinoin=status,
        isotretinoin_last_dose=last_dose,
        fitzpatrick=draw(st.none() | st.sampled_from(FitzpatrickType)),
    )


profiles = st.builds(
    ScarProfile,
    counts=st.dictionaries(st.sampled_from(Morphology), st.integers(0, 40)),
    grade=st.none() | st.sampled_from(QualitativeGrade),
    active_acne_at_exam=st.sampled_from([False, False, False, True]),
    assessed_on=days,
)


def _sometimes(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


pre_procedure_flags = st.sets(
    st.sampled_from(["nsaid_within_48h", "systemic_steroids_within_2_weeks", "smoker"]),
    max_size=1,
)


def _labs_with(flags: set[str], **values: Any) -> Labs:
    set_flags: dict[str, Any] = dict.fromkeys(flags, True)
    return Labs(**values, **set_flags)


labs_values = st.builds(
    _labs_with,
    pre_procedure_flags,
    platelet_count_10e9_per_l=_sometimes(st.sampled_from([50, 99.9, 100, 250]) | st.floats(0, 600)),
    haemoglobin_g_dl=_sometimes(st.sampled_from([8, 9.99, 10, 13.5]) | st.floats(0, 20)),
    measured_on=_sometimes(days),
    expects_gradual_results_over_sessions=_sometimes(st.booleans()),
    age_years=_sometimes(st.sampled_from([18, 21, 22, 40]) | st.integers(0, 90)),
)

Inputs = tuple[MedicalHistory, ScarProfile, Labs]


def _worsen_history(name: str) -> Callable[[Inputs], Inputs]:
    changes: dict[str, Any] = {name: True}
    return lambda i: (replace(i[0], **changes), i[1], i[2])


def _worsen_labs(**changes: Any) -> Callable[[Inputs], Inputs]:
    return lambda i: (i[0], i[1], replace(i[2], **changes))


def _isotretinoin_now(i: Inputs) -> Inputs:
    return (
        replace(i[0], isotretinoin=IsotretinoinStatus.CURRENT, isotretinoin_last_dose=None),
        *i[1:],
    )


def _isotretinoin_stopped_on(day: date) -> Callable[[Inputs], Inputs]:
    def worsen(i: Inputs) -> Inputs:
        if i[0].isotretinoin is not IsotretinoinStatus.NEVER:
            return i  # stopping is not "adding": only NEVER -> PAST adds a fact
        history = replace(i[0], isotretinoin=IsotretinoinStatus.PAST, isotretinoin_last_dose=day)
        return (history, *i[1:])

    return worsen


def _darker_skin(i: Inputs) -> Inputs:
    skin = i[0].fitzpatrick
    darker = FitzpatrickType.VI if skin is None else FitzpatrickType(min(6, skin + 1))
    return (replace(i[0], fitzpatrick=darker), *i[1:])


def _acne_at_exam(i: Inputs) -> Inputs:
    return (i[0], replace(i[1], active_acne_at_exam=True), i[2])


def _keloid_found(i: Inputs) -> Inputs:
    counts = dict(i[1].counts)
    counts[Morphology.KELOID] = counts.get(Morphology.KELOID, 0) + 1
    return (i[0], replace(i[1], counts=counts), i[2])


def _lower_blood_counts(factor: float) -> Callable[[Inputs], Inputs]:
    def worsen(i: Inputs) -> Inputs:
        platelets = i[2].platelet_count_10e9_per_l
        hb = i[2].haemoglobin_g_dl
        labs = replace(
            i[2],
            platelet_count_10e9_per_l=None if platelets is None else platelets * factor,
            haemoglobin_g_dl=None if hb is None else hb * factor,
        )
        return (i[0], i[1], labs)

    return worsen


WORSENINGS: list[Callable[[Inputs], Inputs]] = [_worsen_history(name) for name in HISTORY_FLAGS] + [
    _worsen_labs(nsaid_within_48h=True),
    _worsen_labs(systemic_steroids_within_2_weeks=True),
    _worsen_labs(smoker=True),
    _worsen_labs(expects_gradual_results_over_sessions=False),
    _isotretinoin_now,
    _darker_skin,
    _acne_at_exam,
    _keloid_found,
    _lower_blood_counts(0.9),
    _lower_blood_counts(0.3),
]


@settings(max_examples=300)
@given(histories(), profiles, labs_values, days, days)
def test_adding_a_contraindication_never_makes_any_treatment_more_eligible(
    history: MedicalHistory, profile: ScarProfile, labs: Labs, on_date: date, last_dose: date
) -> None:
    before = {m: screen(history, profile, m, on_date, labs).status for m in Modality}
    for worsen in [*WORSENINGS, _isotretinoin_stopped_on(last_dose)]:
        worse_history, worse_profile, worse_labs = worsen((history, profile, labs))
        for modality in Modality:
            after = screen(worse_history, worse_profile, modality, on_date, worse_labs).status
            assert after.rank >= before[modality].rank, (worsen, modality, before, after)


@given(histories(), profiles, labs_values, days, st.sampled_from(Modality))
def test_screening_is_deterministic(
    history: MedicalHistory, profile: ScarProfile, labs: Labs, on_date: date, modality: Modality
) -> None:
    assert screen(history, profile, modality, on_date, labs) == screen(
        replace(history), replace(profile), modality, on_date, replace(labs)
    )


@given(histories(), profiles, st.none() | labs_values, days, st.sampled_from(Modality))
def test_the_status_is_the_worst_outcome_of_the_rules_that_fired(
    history: MedicalHistory,
    profile: ScarProfile,
    labs: Labs | None,
    on_date: date,
    modality: Modality,
) -> None:
    screening = screen(history, profile, modality, on_date, labs)
    worst = max(
        (f.outcome.status for f in screening.fired), key=STATUS_ORDER.index, default=Status.ELIGIBLE
    )
    assert screening.status is worst
    assert screening.is_suitable is (worst in (Status.ELIGIBLE, Status.CAUTION))
    if screening.reassess_on is not None:
        assert screening.status is Status.DEFER
        assert screening.reassess_on > on_date
    ranks = [f.outcome.status.rank for f in screening.fired]
    assert ranks == sorted(ranks, reverse=True)


@given(histories(), profiles, labs_values, days, st.sampled_from(Modality))
def test_a_disabled_rule_set_screens_everyone_eligible(
    history: MedicalHistory, profile: ScarProfile, labs: Labs, on_date: date, modality: Modality
) -> None:
    rules = DEFAULT_RULES.with_changes(disabled={r.id for r in DEFAULT_RULES.rules})
    assert screen(history, profile, modality, on_date, labs, rules).status is Status.ELIGIBLE


def test_outcomes_map_onto_statuses_in_order_of_severity() -> None:
    assert [o.status for o in Outcome] == list(STATUS_ORDER[1:])
