"""Candidacy screening: which treatments a patient can have now, which must wait, and why.

Rules are data (:class:`Rule`), gathered in a versioned :class:`RuleSet` that a clinic can
adjust (switch rules off, change thresholds); every :class:`Screening` records the version it
used. The default rules cover ../shared/CLINICAL.md section 8, the PRP contraindications and
cautions of section 6, and the seed clinic's candidate criteria (../shared/seed/). Each rule
and each threshold carries its source.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from scarclinic.clinical.evidence import Modality, modalities_where
from scarclinic.clinical.history import IsotretinoinStatus, MedicalHistory
from scarclinic.clinical.morphology import Morphology, QualitativeGrade
from scarclinic.clinical.profile import Labs, ScarProfile
from scarclinic.clinical.text import (
    Message,
    Param,
    Span,
    Term,
    gettext_noop,
)

# --------------------------------------------------------------------------------------------
# Calendar arithmetic


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day.

    31 August + 6 months is 28 February (29 in a leap year), never 2 or 3 March.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def whole_months_between(start: date, end: date) -> int:
    """Complete calendar months from ``start`` to ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


def span_between(start: date, end: date) -> Span:
    """Whole months, then days, from ``start`` to ``end`` (start <= end)."""
    months = whole_months_between(start, end)
    return Span(months, (end - add_months(start, months)).days)


def describe_span(start: date, end: date) -> str:
    """'4 months', '1 month and 3 days', '12 days' between two dates (start <= end)."""
    return Message("%(span)s", {"span": span_between(start, end)}).english


# --------------------------------------------------------------------------------------------
# Outcomes and statuses


class Outcome(StrEnum):
    """What a rule does to a modality when it fires."""

    CAUTION = "caution"  # still possible, with an action (prophylaxis, skin test, priming ...)
    DEFER = "defer"  # not now: something must happen first, then reassess
    CONTRAINDICATED = "contraindicated"  # not for this patient while the condition holds

    @property
    def status(self) -> Status:
        return Status(self.value)


class Status(StrEnum):
    """A screening's result; the order of ``STATUS_ORDER`` is from best to worst."""

    ELIGIBLE = "eligible"
    CAUTION = "caution"
    DEFER = "defer"
    CONTRAINDICATED = "contraindicated"

    @property
    def rank(self) -> int:
        return STATUS_ORDER.index(self)

    @property
    def is_suitable(self) -> bool:
        """Eligible, or eligible with cautions: the treatment can go ahead."""
        return self in (Status.ELIGIBLE, Status.CAUTION)


STATUS_ORDER: tuple[Status, ...] = (
    Status.ELIGIBLE,
    Status.CAUTION,
    Status.DEFER,
    Status.CONTRAINDICATED,
)


# --------------------------------------------------------------------------------------------
# Rules as data


@dataclass(frozen=True)
class ScreeningInput:
    """Everything a rule may look at."""

    history: MedicalHistory
    profile: ScarProfile
    labs: Labs
    on_date: date


@dataclass(frozen=True)
class Finding:
    """Why a rule fired for this patient, and until when when that is computable.

    ``message`` is a template with ``%(name)s`` placeholders filled from ``params`` (typed:
    dates, numbers, spans), so that each language can write it; ``reason`` is the English.
    """

    message: str
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)
    until: date | None = None

    @property
    def text(self) -> Message:
        return Message(self.message, self.params)

    @property
    def reason(self) -> str:
        return self.text.english


@dataclass(frozen=True)
class Threshold:
    """A configurable number a rule compares with, with its default's source."""

    name: str
    default: float
    unit: str
    source: str
    whole: bool  # only whole numbers make sense (months, a skin type, an age)
    minimum: float
    maximum: float

    def check(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"Threshold {self.name} must be a number")
        if self.whole and value != int(value):
            raise ValueError(f"Threshold {self.name} must be a whole number")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(
                f"Threshold {self.name} must be from {self.minimum:g} to {self.maximum:g}"
            )


@dataclass(frozen=True)
class Thresholds:
    """The values in force for one screening: defaults overlaid with the clinic's overrides."""

    values: Mapping[str, float] = field(hash=False)

    def number(self, name: str) -> float:
        return self.values[name]

    def whole(self, name: str) -> int:
        return int(self.values[name])


Condition = Callable[[ScreeningInput, Thresholds], Finding | None]
ALL: Literal["all"] = "all"


@dataclass(frozen=True)
class Rule:
    """One candidacy rule: when it applies, what it does, and why."""

    id: str
    title: str
    applies_to: frozenset[Modality] | Literal["all"]
    condition: Condition
    outcome: Outcome
    # defer: what must happen first; caution: what to do; contraindicated: what it rules out.
    action: str
    explanation: str  # for the patient, in plain words
    source: str
    thresholds: tuple[str, ...] = ()
    # False where CLINICAL.md calls the point unverified: the UI says so.
    verified: bool = True

    def applies(self, modality: Modality) -> bool:
        return self.applies_to == ALL or modality in self.applies_to


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of rules with the clinic's switches and threshold overrides."""

    base_version: str
    rules: tuple[Rule, ...]
    thresholds: tuple[Threshold, ...]
    disabled: frozenset[str] = frozenset()
    overrides: Mapping[str, float] = field(default_factory=dict, hash=False)
    version: str = ""  # derived from base_version and the changes when left empty

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("Rule ids must be unique")
        known = {t.name for t in self.thresholds}
        if len(known) != len(self.thresholds):
            raise ValueError("Threshold names must be unique")
        for rule in self.rules:
            missing = set(rule.thresholds) - known
            if missing:
                raise ValueError(f"Rule {rule.id} uses unknown thresholds {sorted(missing)}")
        unknown_rules = self.disabled - set(ids)
        if unknown_rules:
            raise ValueError(f"Unknown rule ids: {sorted(unknown_rules)}")
        by_name = {t.name: t for t in self.thresholds}
        normalised: dict[str, float] = {}
        for name, value in self.overrides.items():
            if name not in by_name:
                raise ValueError(f"Unknown threshold: {name}")
            by_name[name].check(value)
            # 5 and 5.0 are the same setting: one spelling, so the derived version is the same.
            normalised[name] = int(value) if by_name[name].whole else float(value)
        object.__setattr__(self, "overrides", MappingProxyType(dict(sorted(normalised.items()))))
        if not self.version:
            object.__setattr__(self, "version", self._derived_version())

    def _derived_version(self) -> str:
        if not self.disabled and not self.overrides:
            return self.base_version
        changes = {"disabled": sorted(self.disabled), "thresholds": dict(self.overrides)}
        digest = hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.base_version}+{digest}"

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def is_enabled(self, rule_id: str) -> bool:
        self.rule(rule_id)
        return rule_id not in self.disabled

    @property
    def enabled_flags(self) -> dict[str, bool]:
        """Every rule id with whether it is switched on, in rule order."""
        return {r.id: r.id not in self.disabled for r in self.rules}

    def threshold(self, name: str) -> float:
        """The value in force for a threshold."""
        for t in self.thresholds:
            if t.name == name:
                return self.overrides.get(name, t.default)
        raise KeyError(name)

    def effective_thresholds(self) -> Thresholds:
        return Thresholds(
            MappingProxyType(
                {t.name: self.overrides.get(t.name, t.default) for t in self.thresholds}
            )
        )

    def with_changes(
        self,
        *,
        disabled: Iterable[str] = (),
        enabled: Iterable[str] = (),
        thresholds: Mapping[str, float | None] | None = None,
        version: str | None = None,
    ) -> RuleSet:
        """A new rule set: rules switched off or back on, thresholds set (``None`` resets one).

        The version is derived from the changes unless given, so the same configuration always
        has the same version and a different one never shares it.
        """
        to_disable, to_enable = frozenset(disabled), frozenset(enabled)
        if to_disable & to_enable:
            raise ValueError(f"Rules both disabled and enabled: {sorted(to_disable & to_enable)}")
        for rule_id in to_disable | to_enable:
            self.rule(rule_id)
        overrides = dict(self.overrides)
        defaults = {t.name: t for t in self.thresholds}
        for name, value in (thresholds or {}).items():
            if name not in defaults:
                raise ValueError(f"Unknown threshold: {name}")
            if value is None or value == defaults[name].default:
                overrides.pop(name, None)
            else:
                defaults[name].check(value)
                overrides[name] = value
        return RuleSet(
            base_version=self.base_version,
            rules=self.rules,
            thresholds=self.thresholds,
            disabled=(self.disabled | to_disable) - to_enable,
            overrides=overrides,
            version=version or "",
        )


# --------------------------------------------------------------------------------------------
# Screening


@dataclass(frozen=True)
class FiredRule:
    """A rule that fired in one screening, with this patient's reason."""

    rule_id: str
    title: str
    outcome: Outcome
    text: Message  # this patient's reason, translatable
    action: str
    explanation: str
    source: str
    until: date | None
    verified: bool

    @property
    def reason(self) -> str:
        """This patient's reason, in English (what screenings store)."""
        return self.text.english


@dataclass(frozen=True)
class Screening:
    """The result of screening one patient for one modality on one date."""

    modality: Modality
    on_date: date
    status: Status
    fired: tuple[FiredRule, ...]  # worst outcome first
    # Earliest date the dated deferrals lapse (defer only). Undated deferrals (treat the acne
    # first) must be resolved as well; they are among ``fired``.
    reassess_on: date | None
    rule_set_version: str

    @property
    def is_suitable(self) -> bool:
        return self.status.is_suitable

    @property
    def actions(self) -> tuple[str, ...]:
        """What to do before or during the treatment, for the cautions that fired."""
        return tuple(f.action for f in self.fired if f.outcome is Outcome.CAUTION)

    @property
    def blocking(self) -> tuple[FiredRule, ...]:
        """The deferrals and contraindications that fired."""
        return tuple(f for f in self.fired if f.outcome is not Outcome.CAUTION)


# --------------------------------------------------------------------------------------------
# The default rules

ABLATIVE = modalities_where(is_ablative=True)
RESURFACING = modalities_where(is_resurfacing=True)
NEEDLING = modalities_where(uses_needling=True)
BLOOD_PRODUCT = modalities_where(uses_blood_product=True)
CELL_THERAPY = modalities_where(is_cell_therapy=True)
# Peels and ablative laser (CLINICAL.md 8); TCA CROSS applies a peel agent to single scars.
PEEL_OR_ABLATIVE = ABLATIVE | {Modality.CHEMICAL_PEEL, Modality.TCA_CROSS}

SEED = gettext_noop("Seed clinic article, candidate criteria (../shared/seed/)")
CLINICAL_8 = gettext_noop("clinical reference §8")
WALDMAN_2017 = gettext_noop(
    "ASDS consensus, Waldman et al. Dermatol Surg 2017;43:1249-62 (clinical reference §8)"
)
CELL_TRIALS = gettext_noop(
    "Cell-therapy trial exclusion criteria, e.g. IRCT 59835 SVF trial (clinical reference §8)"
)
PRP_LISTS = gettext_noop(
    "PRP vendor and trial exclusion lists, not a guideline (clinical reference §6)"
)
PMMA_FDA = gettext_noop("PMMA-collagen filler, FDA approval 2014/2015 (clinical reference §8)")
# Sources made of the ones above, written out so that each is one translatable text.
SEED_AND_STANDARD_PRACTICE = gettext_noop(
    "Seed clinic article, candidate criteria (../shared/seed/); clinical reference §8 "
    "(standard practice)"
)
COMMON_PRACTICE_UNVERIFIED = gettext_noop("clinical reference §8: common practice, unverified here")
PRP_LISTS_AND_CLINIC_POLICY = gettext_noop(
    "PRP vendor and trial exclusion lists, not a guideline (clinical reference §6); clinic policy"
)

DEFAULT_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(
        "isotretinoin_months",
        6,
        gettext_noop("months after the last dose"),
        WALDMAN_2017,
        True,
        0,
        60,
    ),
    Threshold("platelet_min_10e9_per_l", 100, gettext_noop("x10^9/L"), PRP_LISTS, False, 0, 1000),
    Threshold("haemoglobin_min_g_dl", 10, gettext_noop("g/dL"), PRP_LISTS, False, 0, 25),
    # Fitzpatrick IV-VI (CLINICAL.md 8): the lowest type that triggers the caution.
    Threshold(
        "fitzpatrick_caution_from", 4, gettext_noop("Fitzpatrick type"), CLINICAL_8, True, 1, 6
    ),
    # "age > 21" (CLINICAL.md 8): the patient's age in whole years must exceed this.
    Threshold("pmma_collagen_age_over", 21, gettext_noop("years"), PMMA_FDA, True, 0, 120),
    # Seed: "moderate to severe acne scars" = Goodman & Baron grade 3 or 4.
    Threshold(
        "cell_therapy_min_grade",
        int(QualitativeGrade.MODERATE),
        gettext_noop("G&B grade"),
        SEED,
        True,
        1,
        4,
    ),
)


# Words that stand inside reasons: acne severity (history) and Goodman & Baron grade names.
SEVERITY_WORDS = (
    gettext_noop("none"),
    gettext_noop("mild"),
    gettext_noop("moderate"),
    gettext_noop("severe"),
    gettext_noop("macular"),
)


def _active_acne(given: ScreeningInput, t: Thresholds) -> Finding | None:
    in_history = given.history.active_acne
    at_exam = given.profile.active_acne_at_exam
    severity = Term(given.history.acne_severity.value)
    examined = given.profile.assessed_on
    if in_history and at_exam:
        return Finding(
            gettext_noop(
                "Active acne recorded in the history (%(severity)s) and the examination on "
                "%(examined)s."
            ),
            {"severity": severity, "examined": examined},
        )
    if in_history:
        return Finding(
            gettext_noop("Active acne recorded in the history (%(severity)s)."),
            {"severity": severity},
        )
    if at_exam:
        return Finding(
            gettext_noop("Active acne recorded in the examination on %(examined)s."),
            {"examined": examined},
        )
    return None


def _skin_infection(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if not given.history.skin_infection_in_treatment_area:
        return None
    return Finding(gettext_noop("Skin infection recorded in the treatment area."))


def _isotretinoin_current(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if given.history.isotretinoin is not IsotretinoinStatus.CURRENT:
        return None
    return Finding(
        gettext_noop(
            "Taking isotretinoin now: ablative laser treatment waits until %(months)s months "
            "after the last dose."
        ),
        {"months": t.whole("isotretinoin_months")},
    )


def _isotretinoin_recent(given: ScreeningInput, t: Thresholds) -> Finding | None:
    history = given.history
    if history.isotretinoin is not IsotretinoinStatus.PAST:
        return None
    months = t.whole("isotretinoin_months")
    last = history.isotretinoin_last_dose
    if last is None:
        return Finding(
            gettext_noop(
                "Isotretinoin taken in the past, but the date of the last dose is not recorded: "
                "record it to know when the %(months)s months are over."
            ),
            {"months": months},
        )
    until = add_months(last, months)
    if given.on_date >= until:
        return None
    since = (
        Message(gettext_noop("%(span)s ago"), {"span": span_between(last, given.on_date)})
        if last <= given.on_date
        else Message(gettext_noop("a future date"))
    )
    return Finding(
        gettext_noop(
            "Last isotretinoin dose on %(last)s (%(since)s); ablative laser treatment waits "
            "%(months)s months after it, until %(until)s: %(remaining)s more."
        ),
        {
            "last": last,
            "since": since,
            "months": months,
            "until": until,
            "remaining": span_between(given.on_date, until),
        },
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
    return Finding(gettext_noop("Fitzpatrick skin type %(type)s."), {"type": skin.roman})


def _keloid(given: ScreeningInput, t: Thresholds) -> Finding | None:
    in_history = given.history.keloid_tendency
    keloids = given.profile.count(Morphology.KELOID)
    scars: Message | None = None
    if keloids:
        scars = (
            Message(gettext_noop("1 keloid scar at examination"))
            if keloids == 1
            else Message(gettext_noop("%(count)s keloid scars at examination"), {"count": keloids})
        )
    if in_history and scars is not None:
        return Finding(gettext_noop("Keloid tendency in the history; %(scars)s."), {"scars": scars})
    if in_history:
        return Finding(gettext_noop("Keloid tendency in the history."))
    if scars is not None:
        return Finding(gettext_noop("%(scars)s."), {"scars": scars})
    return None


def _measured(given: ScreeningInput) -> dict[str, Param]:
    measured = given.labs.measured_on
    return {"measured": measured} if measured else {}


def _platelets_low(given: ScreeningInput, t: Thresholds) -> Finding | None:
    count = given.labs.platelet_count_10e9_per_l
    minimum = t.number("platelet_min_10e9_per_l")
    if count is None or count >= minimum:
        return None
    params: dict[str, Param] = {
        "count": float(count),
        "minimum": float(minimum),
        **_measured(given),
    }
    return Finding(
        gettext_noop(
            "Platelet count %(count)s x10^9/L (measured %(measured)s) is below %(minimum)s x10^9/L."
        )
        if "measured" in params
        else gettext_noop("Platelet count %(count)s x10^9/L is below %(minimum)s x10^9/L."),
        params,
    )


def _haemoglobin_low(given: ScreeningInput, t: Thresholds) -> Finding | None:
    hb = given.labs.haemoglobin_g_dl
    minimum = t.number("haemoglobin_min_g_dl")
    if hb is None or hb >= minimum:
        return None
    params: dict[str, Param] = {"hb": float(hb), "minimum": float(minimum), **_measured(given)}
    return Finding(
        gettext_noop("Haemoglobin %(hb)s g/dL (measured %(measured)s) is below %(minimum)s g/dL.")
        if "measured" in params
        else gettext_noop("Haemoglobin %(hb)s g/dL is below %(minimum)s g/dL."),
        params,
    )


def _labs_missing(given: ScreeningInput, t: Thresholds) -> Finding | None:
    no_platelets = given.labs.platelet_count_10e9_per_l is None
    no_hb = given.labs.haemoglobin_g_dl is None
    if no_platelets and no_hb:
        return Finding(
            gettext_noop(
                "No platelet count or haemoglobin recorded: the PRP limits cannot be checked."
            )
        )
    if no_platelets:
        return Finding(
            gettext_noop("No platelet count recorded: the PRP limits cannot be checked.")
        )
    if no_hb:
        return Finding(gettext_noop("No haemoglobin recorded: the PRP limits cannot be checked."))
    return None


def _filler_age(given: ScreeningInput, t: Thresholds) -> Finding | None:
    age = given.labs.age_years
    limit = t.whole("pmma_collagen_age_over")
    if age is None or age > limit:
        return None
    return Finding(
        gettext_noop("Age %(age)s: PMMA-collagen filler is approved for patients over %(limit)s."),
        {"age": age, "limit": limit},
    )


def _filler_age_unknown(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if given.labs.age_years is not None:
        return None
    return Finding(
        gettext_noop(
            "Age not recorded: PMMA-collagen filler is approved for patients over %(limit)s."
        ),
        {"limit": t.whole("pmma_collagen_age_over")},
    )


def _filler_indication(given: ScreeningInput, t: Thresholds) -> Finding | None:
    grade = given.profile.grade
    if grade is None or grade >= QualitativeGrade.MODERATE:
        return None
    return Finding(
        gettext_noop(
            "Goodman & Baron grade %(grade)s (%(name)s): the approved indication is "
            "moderate-severe, distensible atrophic cheek scars."
        ),
        {"grade": int(grade), "name": Term(grade.name.lower())},
    )


def _severity_below_moderate(given: ScreeningInput, t: Thresholds) -> Finding | None:
    grade = given.profile.grade
    minimum = t.whole("cell_therapy_min_grade")
    if grade is None or grade >= minimum:
        return None
    return Finding(
        gettext_noop(
            "Goodman & Baron grade %(grade)s (%(name)s); the clinic's candidates have grade "
            "%(minimum)s or more (moderate to severe scars)."
        ),
        {"grade": int(grade), "name": Term(grade.name.lower()), "minimum": minimum},
    )


def _no_gradual_expectation(given: ScreeningInput, t: Thresholds) -> Finding | None:
    if given.labs.expects_gradual_results_over_sessions is not False:
        return None
    return Finding(
        gettext_noop("The patient does not expect results to come gradually over several sessions.")
    )


DEFAULT_RULES_VERSION = "clinical-2025.1"

DEFAULT_RULE_LIST: tuple[Rule, ...] = (
    # --- CLINICAL.md 8 and the seed: treat active disease first -----------------------------
    Rule(
        id="active_acne_treat_first",
        title=gettext_noop("Active acne"),
        applies_to=ALL,
        condition=_active_acne,
        outcome=Outcome.DEFER,
        action=gettext_noop("Treat the active acne first, then reassess the scars."),
        explanation=gettext_noop(
            "Your acne is still active. We treat it first: new spots would undo scar treatment "
            "and the treatment could irritate them."
        ),
        source=SEED_AND_STANDARD_PRACTICE,
    ),
    Rule(
        id="skin_infection_treat_first",
        title=gettext_noop("Skin infection in the treatment area"),
        applies_to=ALL,
        condition=_skin_infection,
        outcome=Outcome.DEFER,
        action=gettext_noop("Treat the skin infection first, then reassess."),
        explanation=gettext_noop(
            "There is an infection in the skin we would treat. It must heal first."
        ),
        source=SEED_AND_STANDARD_PRACTICE,
    ),
    # --- Isotretinoin (ASDS consensus) -----------------------------------------------------
    # CLINICAL.md 8 names fully ablative laser and mechanical dermabrasion and says fractional
    # lasers need no delay. The catalogue has no dermabrasion and one CO2/erbium laser
    # modality that can be used fully ablative, so the wait applies to it by default; a clinic
    # that uses it in fractional mode only can switch these two rules off.
    Rule(
        id="isotretinoin_current_ablative",
        title=gettext_noop("Taking isotretinoin"),
        applies_to=ABLATIVE,
        condition=_isotretinoin_current,
        outcome=Outcome.DEFER,
        action=gettext_noop(
            "Finish isotretinoin; reassess when the waiting time after the last dose is over."
        ),
        explanation=gettext_noop(
            "You are taking isotretinoin. Laser treatment that removes the skin surface waits "
            "until some months after your last dose, to let the skin heal normally."
        ),
        source=WALDMAN_2017,
        thresholds=("isotretinoin_months",),
    ),
    Rule(
        id="isotretinoin_recent_ablative",
        title=gettext_noop("Isotretinoin within the waiting time"),
        applies_to=ABLATIVE,
        condition=_isotretinoin_recent,
        outcome=Outcome.DEFER,
        action=gettext_noop(
            "Wait until the date given, then reassess. The consensus sees no need to wait for "
            "superficial peels, non-ablative or fractional lasers."
        ),
        explanation=gettext_noop(
            "You stopped isotretinoin recently. Laser treatment that removes the skin surface "
            "waits until the date we give you; other treatments need not wait."
        ),
        source=WALDMAN_2017,
        thresholds=("isotretinoin_months",),
    ),
    # --- Cell therapy: trial exclusion criteria ----------------------------------------------
    Rule(
        id="cell_therapy_pregnancy_or_breastfeeding",
        title=gettext_noop("Pregnancy or breastfeeding"),
        applies_to=CELL_THERAPY,
        condition=_flag("pregnant_or_breastfeeding", gettext_noop("Pregnant or breastfeeding.")),
        outcome=Outcome.DEFER,
        action=gettext_noop("Reassess after pregnancy and breastfeeding."),
        explanation=gettext_noop(
            "Cell treatments have not been studied in pregnancy or breastfeeding, so we wait "
            "until after."
        ),
        source=CELL_TRIALS,
    ),
    Rule(
        id="cell_therapy_active_cancer",
        title=gettext_noop("Active cancer"),
        applies_to=CELL_THERAPY,
        condition=_flag("active_cancer", gettext_noop("Active cancer.")),
        outcome=Outcome.DEFER,
        action=gettext_noop("Reassess with the oncologist once the cancer is no longer active."),
        explanation=gettext_noop(
            "Cell treatments are not given while a cancer is active; we can talk again when "
            "your doctors say it is no longer active."
        ),
        source=CELL_TRIALS,
    ),
    Rule(
        id="cell_therapy_anticoagulants",
        title=gettext_noop("Anticoagulant or antiplatelet drug"),
        applies_to=CELL_THERAPY,
        condition=_flag(
            "anticoagulant_or_antiplatelet",
            gettext_noop("Taking an anticoagulant or antiplatelet drug."),
        ),
        outcome=Outcome.DEFER,
        action=gettext_noop(
            "Reassess with the prescriber whether the drug can be stopped; never stop it unadvised."
        ),
        explanation=gettext_noop(
            "You take a blood thinner. Cell treatment waits until your doctor and we agree it "
            "is safe; do not stop the medicine yourself."
        ),
        source=CELL_TRIALS,
    ),
    Rule(
        id="cell_therapy_systemic_infection",
        title=gettext_noop("Systemic infection"),
        applies_to=CELL_THERAPY,
        condition=_flag("systemic_infection", gettext_noop("Systemic infection.")),
        outcome=Outcome.DEFER,
        action=gettext_noop("Treat the infection, then reassess."),
        explanation=gettext_noop(
            "You have an infection; cell treatment waits until it has cleared."
        ),
        source=CELL_TRIALS,
    ),
    # --- Skin type, keloids, herpes ----------------------------------------------------------
    Rule(
        id="fitzpatrick_pigmentation_risk",
        title=gettext_noop("Darker skin type: pigmentation risk"),
        applies_to=PEEL_OR_ABLATIVE,
        condition=_fitzpatrick,
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Prime the skin before treatment and keep strict photoprotection before and after."
        ),
        explanation=gettext_noop(
            "Your skin type darkens more easily after peels and lasers. We prepare the skin "
            "beforehand, and strict sun protection is essential."
        ),
        source=CLINICAL_8,
        thresholds=("fitzpatrick_caution_from",),
    ),
    Rule(
        id="keloid_tendency",
        title=gettext_noop("Keloid tendency"),
        applies_to=ABLATIVE | NEEDLING,
        condition=_keloid,
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Consider a test area first and review healing before a full treatment."
        ),
        explanation=gettext_noop(
            "Your skin tends to form raised scars. Treatments that wound the skin could cause "
            "new ones, so we go carefully."
        ),
        source=CLINICAL_8,
    ),
    Rule(
        id="hsv_antiviral_prophylaxis",
        title=gettext_noop("Herpes simplex history"),
        applies_to=RESURFACING,
        condition=_flag(
            "herpes_simplex_history", gettext_noop("History of herpes simplex (cold sores).")
        ),
        outcome=Outcome.CAUTION,
        action=gettext_noop("Give antiviral prophylaxis before resurfacing (clinic-configurable)."),
        explanation=gettext_noop(
            "You have had cold sores. Resurfacing can bring them back, so you take an "
            "antiviral medicine beforehand."
        ),
        source=COMMON_PRACTICE_UNVERIFIED,
        verified=False,
    ),
    # --- PMMA-collagen filler -------------------------------------------------------------
    # CLINICAL.md 8 is about PMMA-collagen filler; the catalogue has one filler modality and
    # this is the only filler with an evidence entry, so the rules apply to it.
    Rule(
        id="filler_bovine_collagen_skin_test",
        title=gettext_noop("Bovine collagen skin test"),
        applies_to=frozenset({Modality.DERMAL_FILLER}),
        condition=lambda given, t: Finding(
            gettext_noop("PMMA-collagen filler contains bovine collagen.")
        ),
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "For PMMA-collagen filler, do a skin test first and read it before treating."
        ),
        explanation=gettext_noop(
            "This filler contains collagen from cattle. A small skin test first checks that "
            "you are not allergic to it."
        ),
        source=PMMA_FDA,
    ),
    Rule(
        id="filler_pmma_collagen_age",
        title=gettext_noop("Age for PMMA-collagen filler"),
        applies_to=frozenset({Modality.DERMAL_FILLER}),
        condition=_filler_age,
        outcome=Outcome.DEFER,
        action=gettext_noop("Reassess when the patient is over the approved age."),
        explanation=gettext_noop(
            "This filler is approved only for adults above a certain age; you are not yet."
        ),
        source=PMMA_FDA,
        thresholds=("pmma_collagen_age_over",),
    ),
    Rule(
        id="filler_pmma_collagen_age_not_recorded",
        title=gettext_noop("Age not recorded for PMMA-collagen filler"),
        applies_to=frozenset({Modality.DERMAL_FILLER}),
        condition=_filler_age_unknown,
        outcome=Outcome.CAUTION,
        action=gettext_noop("Record the patient's age and confirm it is over the approved age."),
        explanation=gettext_noop(
            "This filler is approved only for adults above a certain age; we check yours."
        ),
        source=PMMA_FDA,
        thresholds=("pmma_collagen_age_over",),
    ),
    Rule(
        id="filler_pmma_collagen_indication",
        title=gettext_noop("Outside the PMMA-collagen filler indication"),
        applies_to=frozenset({Modality.DERMAL_FILLER}),
        condition=_filler_indication,
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Explain that the approved indication is moderate-severe, distensible atrophic "
            "cheek scars."
        ),
        explanation=gettext_noop(
            "This filler is approved for deeper, soft depressed scars of the cheek; yours are "
            "milder, so the benefit may be small."
        ),
        source=PMMA_FDA,
    ),
    # --- PRP (CLINICAL.md 6): contraindications -----------------------------------------------
    Rule(
        id="prp_platelets_below_minimum",
        title=gettext_noop("Low platelet count"),
        applies_to=BLOOD_PRODUCT,
        condition=_platelets_low,
        outcome=Outcome.CONTRAINDICATED,
        action=gettext_noop("No PRP; consider microneedling without PRP."),
        explanation=gettext_noop(
            "Your platelet count is too low for a platelet-rich plasma treatment."
        ),
        source=PRP_LISTS,
        thresholds=("platelet_min_10e9_per_l",),
    ),
    Rule(
        id="prp_haemoglobin_below_minimum",
        title=gettext_noop("Low haemoglobin"),
        applies_to=BLOOD_PRODUCT,
        condition=_haemoglobin_low,
        outcome=Outcome.CONTRAINDICATED,
        action=gettext_noop("No PRP; consider microneedling without PRP."),
        explanation=gettext_noop(
            "Your haemoglobin is too low to take blood for platelet-rich plasma."
        ),
        source=PRP_LISTS,
        thresholds=("haemoglobin_min_g_dl",),
    ),
    Rule(
        id="prp_platelet_dysfunction",
        title=gettext_noop("Platelet dysfunction or bleeding disorder"),
        applies_to=BLOOD_PRODUCT,
        condition=_flag(
            "bleeding_or_platelet_disorder", gettext_noop("Bleeding or platelet disorder recorded.")
        ),
        outcome=Outcome.CONTRAINDICATED,
        action=gettext_noop("No PRP."),
        explanation=gettext_noop(
            "PRP relies on your platelets working normally, and yours do not."
        ),
        source=PRP_LISTS,
    ),
    Rule(
        id="prp_sepsis_or_systemic_infection",
        title=gettext_noop("Sepsis or systemic infection"),
        applies_to=BLOOD_PRODUCT,
        condition=_flag("systemic_infection", gettext_noop("Systemic infection recorded.")),
        outcome=Outcome.CONTRAINDICATED,
        action=gettext_noop("No PRP while the infection lasts."),
        explanation=gettext_noop("PRP is not given while you have an infection in the body."),
        source=PRP_LISTS,
    ),
    Rule(
        id="prp_local_infection",
        title=gettext_noop("Local infection"),
        applies_to=BLOOD_PRODUCT,
        condition=_flag(
            "skin_infection_in_treatment_area", gettext_noop("Infection in the treatment area.")
        ),
        outcome=Outcome.CONTRAINDICATED,
        action=gettext_noop("No PRP while the infection lasts."),
        explanation=gettext_noop("PRP is not given into skin that is infected."),
        source=PRP_LISTS,
    ),
    # --- PRP (CLINICAL.md 6): cautions ----------------------------------------------------
    Rule(
        id="prp_labs_not_recorded",
        title=gettext_noop("Platelet count or haemoglobin not recorded"),
        applies_to=BLOOD_PRODUCT,
        condition=_labs_missing,
        outcome=Outcome.CAUTION,
        action=gettext_noop("Check platelet count and haemoglobin before PRP."),
        explanation=gettext_noop("We check a blood count before PRP."),
        # Not a rule of CLINICAL.md itself: the limits of section 6 cannot be applied without
        # the values. Switch off if the clinic does not test every PRP patient.
        source=PRP_LISTS_AND_CLINIC_POLICY,
        verified=False,
    ),
    Rule(
        id="prp_nsaids_within_48h",
        title=gettext_noop("NSAIDs within 48 hours"),
        applies_to=BLOOD_PRODUCT,
        condition=_labs_flag(
            "nsaid_within_48h", gettext_noop("NSAID taken within the last 48 hours.")
        ),
        outcome=Outcome.CAUTION,
        action=gettext_noop("Avoid NSAIDs for 48 hours before PRP; consider rescheduling."),
        explanation=gettext_noop(
            "Painkillers such as ibuprofen weaken platelets for a while; avoid them for two "
            "days before PRP."
        ),
        source=PRP_LISTS,
    ),
    Rule(
        id="prp_systemic_steroids_within_2_weeks",
        title=gettext_noop("Systemic steroids within 2 weeks"),
        applies_to=BLOOD_PRODUCT,
        condition=_labs_flag(
            "systemic_steroids_within_2_weeks",
            gettext_noop("Systemic steroids within the last 2 weeks."),
        ),
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Discuss timing: systemic steroids within 2 weeks are on PRP exclusion lists."
        ),
        explanation=gettext_noop(
            "Steroid tablets or injections in the last two weeks may make PRP work less well."
        ),
        source=PRP_LISTS,
    ),
    Rule(
        id="prp_anticoagulants",
        title=gettext_noop("Anticoagulant or antiplatelet drug"),
        applies_to=BLOOD_PRODUCT,
        condition=_flag(
            "anticoagulant_or_antiplatelet",
            gettext_noop("Taking an anticoagulant or antiplatelet drug."),
        ),
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Expect more bruising; agree with the prescriber; never stop the drug unadvised."
        ),
        explanation=gettext_noop("Blood thinners can cause more bruising and bleeding with PRP."),
        source=PRP_LISTS,
    ),
    Rule(
        id="prp_smoking",
        title=gettext_noop("Smoking"),
        applies_to=BLOOD_PRODUCT,
        condition=_labs_flag("smoker", gettext_noop("Smokes.")),
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Advise stopping smoking around treatment; smoking is on PRP exclusion lists."
        ),
        explanation=gettext_noop("Smoking slows healing and may make PRP work less well."),
        source=PRP_LISTS,
    ),
    # --- The seed clinic's candidate criteria for cell therapy --------------------------------
    Rule(
        id="cell_therapy_scar_severity_below_moderate",
        title=gettext_noop("Scars milder than the candidate criteria"),
        applies_to=CELL_THERAPY,
        condition=_severity_below_moderate,
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Not a candidate by the clinic's criteria (moderate to severe scars): discuss "
            "simpler options; flat marks are a colour problem that contour treatment does not fix."
        ),
        explanation=gettext_noop(
            "Cell treatment is offered for moderate to severe scars; yours are milder, and "
            "simpler treatments may suit you better."
        ),
        source=SEED,
        thresholds=("cell_therapy_min_grade",),
    ),
    Rule(
        id="cell_therapy_gradual_results_not_expected",
        title=gettext_noop("Expectations of gradual results"),
        applies_to=CELL_THERAPY,
        condition=_no_gradual_expectation,
        outcome=Outcome.CAUTION,
        action=gettext_noop(
            "Counsel: results come gradually over weeks to months and may need several sessions."
        ),
        explanation=gettext_noop(
            "Results come slowly, over weeks to months, and may need more than one session. "
            "We want you to know this before you decide."
        ),
        source=SEED,
    ),
)

DEFAULT_RULES = RuleSet(
    base_version=DEFAULT_RULES_VERSION,
    rules=DEFAULT_RULE_LIST,
    thresholds=DEFAULT_THRESHOLDS,
)


def screen(
    history: MedicalHistory,
    profile: ScarProfile,
    modality: Modality,
    on_date: date,
    labs: Labs | None = None,
    rules: RuleSet = DEFAULT_RULES,
) -> Screening:
    """Screen a patient for one modality: the worst outcome of the rules that fire wins.

    ``labs=None`` means nothing was measured or asked.
    """
    rule_set = rules
    given = ScreeningInput(history, profile, labs if labs is not None else Labs(), on_date)
    values = rule_set.effective_thresholds()
    fired: list[FiredRule] = []
    for rule in rule_set.rules:
        if rule.id in rule_set.disabled or not rule.applies(modality):
            continue
        finding = rule.condition(given, values)
        if finding is None:
            continue
        fired.append(
            FiredRule(
                rule_id=rule.id,
                title=rule.title,
                outcome=rule.outcome,
                text=finding.text,
                action=rule.action,
                explanation=rule.explanation,
                source=rule.source,
                until=finding.until,
                verified=rule.verified,
            )
        )
    fired.sort(key=lambda f: -f.outcome.status.rank)  # stable: rule order within an outcome
    status = fired[0].outcome.status if fired else Status.ELIGIBLE
    dated = [f.until for f in fired if f.outcome is Outcome.DEFER and f.until is not None]
    return Screening(
        modality=modality,
        on_date=on_date,
        status=status,
        fired=tuple(fired),
        reassess_on=max(dated) if status is Status.DEFER and dated else None,
        rule_set_version=rule_set.version,
    )


def screen_all(
    history: MedicalHistory,
    profile: ScarProfile,
    on_date: date,
    labs: Labs | None = None,
    rules: RuleSet = DEFAULT_RULES,
) -> dict[Modality, Screening]:
    """Screen a patient for every modality."""
    return {m: screen(history, profile, m, on_date, labs, rules) for m in Modality}
