"""The screening reasons as the clinical core wrote them before they became messages.

Kept verbatim (git history of candidacy.py) as the reference the message templates must
reproduce in English, word for word: see test_text.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from scarclinic.clinical.candidacy import (
    ScreeningInput,
    Thresholds,
    add_months,
    whole_months_between,
)
from scarclinic.clinical.history import IsotretinoinStatus
from scarclinic.clinical.morphology import Morphology, QualitativeGrade


class Finding(NamedTuple):
    reason: str
    until: date | None = None


Condition = Callable[[ScreeningInput, Thresholds], Finding | None]


def describe_span(start: date, end: date) -> str:
    months = whole_months_between(start, end)
    days = (end - add_months(start, months)).days
    parts = []
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    if days or not months:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " and ".join(parts)


def _iso(day: date) -> str:
    return day.isoformat()


def _active_acne(given: ScreeningInput, t: Thresholds) -> Finding | None:
    seen_by = []
    if given.history.active_acne:
        seen_by.append(f"history ({given.history.acne_severity.value})")
    if given.profile.active_acne_at_exam:
        seen_by.append(f"examination on {_iso(given.profile.assessed_on)}")
    if not seen_by:
        return None
    return Finding(f"Active acne recorded in the {' and the '.join(seen_by)}.")


def _skin_infection(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if not given.history.skin_infection_in_treatment_area:
        return None
    return Finding("Skin infection recorded in the treatment area.")


def _isotretinoin_current(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if given.history.isotretinoin is not IsotretinoinStatus.CURRENT:
        return None
    months = t.whole("isotretinoin_months")
    return Finding(
        f"Taking isotretinoin now: ablative laser treatment waits until {months} months after "
        "the last dose."
    )


def _isotretinoin_recent(given: ScreeningInput, t: Thresholds) -> Finding | None:
    history = given.history
    if history.isotretinoin is not IsotretinoinStatus.PAST:
        return None
    months = t.whole("isotretinoin_months")
    last = history.isotretinoin_last_dose
    if last is None:
        return Finding(
            "Isotretinoin taken in the past, but the date of the last dose is not recorded: "
            f"record it to know when the {months} months are over."
        )
    until = add_months(last, months)
    if given.on_date >= until:
        return None
    since = (
        f"{describe_span(last, given.on_date)} ago" if last <= given.on_date else "a future date"
    )
    return Finding(
        f"Last isotretinoin dose on {_iso(last)} ({since}); ablative laser treatment waits "
        f"{months} months after it, until {_iso(until)}: "
        f"{describe_span(given.on_date, until)} more.",
        until,
    )


def _flag(name: str, reason: str) -> Condition:
    def condition(given: ScreeningInput, t: Thresholds) -> Finding | None:
        return Finding(reason) if getattr(given.history, name) else None

    return condition


def _labs_flag(name: str, reason: str) -> Condition:
    def condition(given: ScreeningInput, t: Thresholds) -> Finding | None:
        return Finding(reason) if getattr(given.labs, name) else None

    return condition


def _fitzpatrick(given: ScreeningInput, t: Thresholds) -> Finding | None:
    skin = given.history.fitzpatrick
    if skin is None or skin < t.whole("fitzpatrick_caution_from"):
        return None
    return Finding(f"Fitzpatrick skin type {skin.roman}.")


def _keloid(given: ScreeningInput, t: Thresholds) -> Finding | None:
    reasons = []
    if given.history.keloid_tendency:
        reasons.append("keloid tendency in the history")
    keloids = given.profile.count(Morphology.KELOID)
    if keloids:
        reasons.append(f"{keloids} keloid scar{'s' if keloids != 1 else ''} at examination")
    return Finding("; ".join(reasons).capitalize() + ".") if reasons else None


def _labs_when(given: ScreeningInput) -> str:
    measured = given.labs.measured_on
    return f" (measured {_iso(measured)})" if measured else ""


def _platelets_low(given: ScreeningInput, t: Thresholds) -> Finding | None:
    count = given.labs.platelet_count_10e9_per_l
    minimum = t.number("platelet_min_10e9_per_l")
    if count is None or count >= minimum:
        return None
    return Finding(
        f"Platelet count {count:g} x10^9/L{_labs_when(given)} is below {minimum:g} x10^9/L."
    )


def _haemoglobin_low(given: ScreeningInput, t: Thresholds) -> Finding | None:
    hb = given.labs.haemoglobin_g_dl
    minimum = t.number("haemoglobin_min_g_dl")
    if hb is None or hb >= minimum:
        return None
    return Finding(f"Haemoglobin {hb:g} g/dL{_labs_when(given)} is below {minimum:g} g/dL.")


def _labs_missing(given: ScreeningInput, t: Thresholds) -> Finding | None:
    missing = [
        name
        for name, value in (
            ("platelet count", given.labs.platelet_count_10e9_per_l),
            ("haemoglobin", given.labs.haemoglobin_g_dl),
        )
        if value is None
    ]
    if not missing:
        return None
    return Finding(f"No {' or '.join(missing)} recorded: the PRP limits cannot be checked.")


def _filler_age(given: ScreeningInput, t: Thresholds) -> Finding | None:
    age = given.labs.age_years
    limit = t.whole("pmma_collagen_age_over")
    if age is None or age > limit:
        return None
    return Finding(f"Age {age}: PMMA-collagen filler is approved for patients over {limit}.")


def _filler_age_unknown(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if given.labs.age_years is not None:
        return None
    limit = t.whole("pmma_collagen_age_over")
    return Finding(f"Age not recorded: PMMA-collagen filler is approved for patients over {limit}.")


def _filler_indication(given: ScreeningInput, t: Thresholds) -> Finding | None:
    grade = given.profile.grade
    if grade is None or grade >= QualitativeGrade.MODERATE:
        return None
    return Finding(
        f"Goodman & Baron grade {int(grade)} ({grade.name.lower()}): the approved indication is "
        "moderate-severe, distensible atrophic cheek scars."
    )


def _severity_below_moderate(given: ScreeningInput, t: Thresholds) -> Finding | None:
    grade = given.profile.grade
    minimum = t.whole("cell_therapy_min_grade")
    if grade is None or grade >= minimum:
        return None
    return Finding(
        f"Goodman & Baron grade {int(grade)} ({grade.name.lower()}); the clinic's candidates have "
        f"grade {minimum} or more (moderate to severe scars)."
    )


def _no_gradual_expectation(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if given.labs.expects_gradual_results_over_sessions is not False:
        return None
    return Finding("The patient does not expect results to come gradually over several sessions.")


LEGACY_CONDITIONS: dict[str, Condition] = {
    "active_acne_treat_first": _active_acne,
    "skin_infection_treat_first": _skin_infection,
    "isotretinoin_current_ablative": _isotretinoin_current,
    "isotretinoin_recent_ablative": _isotretinoin_recent,
    "cell_therapy_pregnancy_or_breastfeeding": _flag(
        "pregnant_or_breastfeeding", "Pregnant or breastfeeding."
    ),
    "cell_therapy_active_cancer": _flag("active_cancer", "Active cancer."),
    "cell_therapy_anticoagulants": _flag(
        "anticoagulant_or_antiplatelet", "Taking an anticoagulant or antiplatelet drug."
    ),
    "cell_therapy_systemic_infection": _flag("systemic_infection", "Systemic infection."),
    "fitzpatrick_pigmentation_risk": _fitzpatrick,
    "keloid_tendency": _keloid,
    "hsv_antiviral_prophylaxis": _flag(
        "herpes_simplex_history", "History of herpes simplex (cold sores)."
    ),
    "filler_bovine_collagen_skin_test": lambda given, t: Finding(
        "PMMA-collagen filler contains bovine collagen."
    ),
    "filler_pmma_collagen_age": _filler_age,
    "filler_pmma_collagen_age_not_recorded": _filler_age_unknown,
    "filler_pmma_collagen_indication": _filler_indication,
    "prp_platelets_below_minimum": _platelets_low,
    "prp_haemoglobin_below_minimum": _haemoglobin_low,
    "prp_platelet_dysfunction": _flag(
        "bleeding_or_platelet_disorder", "Bleeding or platelet disorder recorded."
    ),
    "prp_sepsis_or_systemic_infection": _flag("systemic_infection", "Systemic infection recorded."),
    "prp_local_infection": _flag(
        "skin_infection_in_treatment_area", "Infection in the treatment area."
    ),
    "prp_labs_not_recorded": _labs_missing,
    "prp_nsaids_within_48h": _labs_flag(
        "nsaid_within_48h", "NSAID taken within the last 48 hours."
    ),
    "prp_systemic_steroids_within_2_weeks": _labs_flag(
        "systemic_steroids_within_2_weeks", "Systemic steroids within the last 2 weeks."
    ),
    "prp_anticoagulants": _flag(
        "anticoagulant_or_antiplatelet", "Taking an anticoagulant or antiplatelet drug."
    ),
    "prp_smoking": _labs_flag("smoker", "Smokes."),
    "cell_therapy_scar_severity_below_moderate": _severity_below_moderate,
    "cell_therapy_gradual_results_not_expected": _no_gradual_expectation,
}
