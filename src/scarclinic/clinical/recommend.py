"""The treatment comparison for one patient: options ranked for the scars, screened, priced.

Ranking: an option that screening rules out (defer or contraindicated) never comes before one
that can go ahead. Among those that can, options that treat the scars the patient has come
first, weighted by how many scars they address; with raised scars, resurfacing does not come
first. Every option shows the published evidence (../shared/CLINICAL.md section 9) with a
plain flag when it is weak, and, beside it, the clinic's own measured results once it has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from scarclinic.clinical.candidacy import DEFAULT_RULES, RuleSet, Screening, Status, screen
from scarclinic.clinical.evidence import (
    CATALOGUE,
    NO_EVIDENCE_ENTRY,
    EvidenceEntry,
    Modality,
    ModalityInfo,
    SessionPlan,
    evidence_is_weak,
)
from scarclinic.clinical.history import MedicalHistory
from scarclinic.clinical.morphology import Morphology
from scarclinic.clinical.profile import ATROPHIC, Labs, ScarProfile
from scarclinic.clinical.text import (
    LIST_SEPARATOR,
    Joined,
    Message,
    Param,
    Term,
    gettext_noop,
)

M = Modality

# First-line matches of scar type to treatment, as issue 5 states them (ice-pick -> TCA CROSS
# or punch; rolling -> subcision, filler, needling; boxcar -> laser, TCA CROSS, needling).
# TCA CROSS for ice-pick has an evidence entry (Lee et al. 2002, CLINICAL.md 9); PMMA-collagen
# filler is indicated for distensible atrophic scars (CLINICAL.md 8). Clinic-reviewable.
_BOXCAR_FIRST_LINE = (
    M.FRACTIONAL_ABLATIVE_LASER,
    M.TCA_CROSS,
    M.MICRONEEDLING,
    M.MICRONEEDLING_PRP,
)
FIRST_LINE: Mapping[Morphology, tuple[Modality, ...]] = MappingProxyType(
    {
        Morphology.ICE_PICK: (M.TCA_CROSS, M.PUNCH_EXCISION_ELEVATION),
        Morphology.ROLLING: (M.SUBCISION, M.DERMAL_FILLER, M.MICRONEEDLING, M.MICRONEEDLING_PRP),
        Morphology.BOXCAR_SHALLOW: _BOXCAR_FIRST_LINE,
        Morphology.BOXCAR_DEEP: _BOXCAR_FIRST_LINE,
        # Raised scars and flat marks: no contour treatment in this catalogue is first-line.
        Morphology.HYPERTROPHIC: (),
        Morphology.KELOID: (),
        Morphology.MACULAR: (),
    }
)
# Treatments of atrophic scars in general, where they are not first-line for the type: a
# default of ours, not of CLINICAL.md, for the clinic's medical director to review.
ALSO_FOR_ATROPHIC = frozenset(
    {
        M.STEM_CELL_SVF_INJECTION,
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
        M.MICRONEEDLING,
        M.MICRONEEDLING_PRP,
        M.FRACTIONAL_ABLATIVE_LASER,
        M.NON_ABLATIVE_FRACTIONAL_LASER,
        M.CHEMICAL_PEEL,
    }
)

COLOUR_NOTE = gettext_noop(
    "Flat red or brown marks are a colour problem, not a contour problem: contour treatments "
    "do not address colour (Goodman & Baron, clinical reference §2)."
)
RAISED_NOTE = gettext_noop(
    "Raised (hypertrophic or keloid) scars were recorded: the treatments here are for "
    "depressed scars, and raised scars need their own first treatment."
)
RAISED_RESURFACING_NOTE = gettext_noop(
    "With raised scars, resurfacing is not the first treatment: it is ranked after the others."
)
COMBINATION_EVIDENCE = gettext_noop(
    "No evidence entry for this combination in the clinical reference; the figures are for "
    "its parts."
)


class Fit(StrEnum):
    """How well an option matches the patient's scars."""

    FIRST_LINE = "first_line"
    ALSO_USED = "also_used"
    NONE = "none"


@dataclass(frozen=True)
class ClinicOutcome:
    """The clinic's own measured result for a modality, shown beside the published figures."""

    n_patients: int
    mean_improvement_percent: float
    measure: str  # e.g. "ECCA" or "Goodman & Baron quantitative"
    period: str = ""  # e.g. "6 months after the last session"

    def __post_init__(self) -> None:
        if isinstance(self.n_patients, bool) or self.n_patients < 1:
            raise ValueError("A clinic outcome needs at least one patient")

    @property
    def describe(self) -> str:
        return self.text.english

    @property
    def text(self) -> Message:
        """The clinic's result in words; its measure and period are the clinic's own words."""
        params: dict[str, Param] = {
            "mean": float(self.mean_improvement_percent),
            "measure": self.measure,
            "n": self.n_patients,
        }
        if self.period:
            return Message(
                gettext_noop(
                    "This clinic: mean %(mean)s%% improvement in %(measure)s %(period)s, "
                    "n = %(n)s patients"
                ),
                {**params, "period": self.period},
            )
        return Message(
            gettext_noop(
                "This clinic: mean %(mean)s%% improvement in %(measure)s, n = %(n)s patients"
            ),
            params,
        )


@dataclass(frozen=True)
class Combination:
    """Treatments offered together, when the patient has every group of scar types named."""

    modalities: tuple[Modality, ...]
    needs: tuple[frozenset[Morphology], ...]  # each group must have at least one scar present
    why: str

    def offered_for(self, profile: ScarProfile) -> bool:
        return all(group & profile.present for group in self.needs)


_BOXCAR = frozenset({Morphology.BOXCAR_SHALLOW, Morphology.BOXCAR_DEEP})
# Combinations as issue 5 names them (subcision + microneedling / PRP) and the pairs that
# follow from its first-line table for mixed scars. No evidence entry covers any of them.
COMBINATIONS: tuple[Combination, ...] = (
    Combination(
        (M.SUBCISION, M.MICRONEEDLING_PRP),
        (frozenset({Morphology.ROLLING}),),
        gettext_noop(
            "Subcision frees tethered rolling scars; microneedling with PRP then remodels the skin."
        ),
    ),
    Combination(
        (M.SUBCISION, M.MICRONEEDLING),
        (frozenset({Morphology.ROLLING}),),
        gettext_noop(
            "Subcision frees tethered rolling scars; microneedling then remodels the skin."
        ),
    ),
    Combination(
        (M.TCA_CROSS, M.MICRONEEDLING),
        (frozenset({Morphology.ICE_PICK}), _BOXCAR | {Morphology.ROLLING}),
        gettext_noop(
            "TCA CROSS for the ice-pick scars; microneedling for the boxcar or rolling scars."
        ),
    ),
    Combination(
        (M.TCA_CROSS, M.FRACTIONAL_ABLATIVE_LASER),
        (frozenset({Morphology.ICE_PICK}), _BOXCAR),
        gettext_noop("TCA CROSS for the ice-pick scars; fractional laser for the boxcar scars."),
    ),
)


@dataclass(frozen=True)
class Option:
    """One treatment, or a combination, as the comparison shows it for this patient."""

    rank: int  # 1 = first; every suitable option ranks before every unsuitable one
    modalities: tuple[Modality, ...]
    label: str
    suitable: bool  # screening allows it now (eligible, or eligible with cautions)
    status: Status  # the worst screening status of its parts
    screenings: tuple[Screening, ...]  # one per modality
    fit: Fit
    first_line_for: tuple[Morphology, ...]
    also_used_for: tuple[Morphology, ...]
    first_line_scars: int  # scars of the types it is first-line for
    also_used_scars: int  # scars of the atrophic types it is otherwise used for
    why_text: Joined
    not_suitable_text: Joined | None
    reassess_on: date | None
    evidence: tuple[EvidenceEntry, ...]
    evidence_is_weak: bool
    evidence_wording_text: Joined
    sessions: tuple[SessionPlan, ...]  # one per modality
    cost: Decimal | None  # price x sessions (top of the default range), summed; None if unpriced
    cost_from: Decimal | None  # price x sessions (bottom of the default range)
    clinic_outcomes: Mapping[Modality, ClinicOutcome] = field(hash=False)
    details: tuple[ModalityInfo, ...]
    notes_text: tuple[Message, ...]

    @property
    def why(self) -> str:
        return _english(self.why_text)

    @property
    def not_suitable_reason(self) -> str | None:
        return None if self.not_suitable_text is None else _english(self.not_suitable_text)

    @property
    def evidence_wording(self) -> str:
        return _english(self.evidence_wording_text)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(n.english for n in self.notes_text)

    @property
    def is_combination(self) -> bool:
        return len(self.modalities) > 1

    @property
    def actions(self) -> tuple[str, ...]:
        """What to do for the cautions that fired, across its parts, without repeats."""
        return tuple(dict.fromkeys(a for s in self.screenings for a in s.actions))

    @property
    def expected_result(self) -> str:
        """Published figures and, beside them, the clinic's own."""
        return _english(self.expected_result_text)

    @property
    def expected_result_text(self) -> Joined:
        published: Param = (
            Joined(tuple(e.summary_text for e in self.evidence), " | ")
            if self.evidence
            else Message(NO_EVIDENCE_ENTRY)
        )
        own = [o.text for o in self.clinic_outcomes.values()]
        return Joined(
            (Message(gettext_noop("Published: %(published)s"), {"published": published}), *own),
            " || ",
        )


def recommend(
    profile: ScarProfile,
    history: MedicalHistory,
    on_date: date,
    labs: Labs | None = None,
    prices: Mapping[Modality, Decimal] | None = None,
    rules: RuleSet = DEFAULT_RULES,
    clinic_outcomes: Mapping[Modality, ClinicOutcome] | None = None,
    *,
    catalogue: Mapping[Modality, ModalityInfo] = CATALOGUE,
    combinations: tuple[Combination, ...] = COMBINATIONS,
) -> list[Option]:
    """Every modality, and the combinations that fit, ranked for this patient.

    ``prices`` are per session; an option's cost is price x sessions. ``catalogue`` lets a
    clinic use its own protocols (:meth:`ModalityInfo.with_clinic_settings`).
    """
    for modality, price in (prices or {}).items():
        if not isinstance(price, Decimal) or price < 0:
            raise ValueError(f"The price of {modality.label} must be a Decimal >= 0")
    screenings = {m: screen(history, profile, m, on_date, labs, rules) for m in Modality}
    candidates: list[tuple[tuple[Modality, ...], str]] = [((m,), "") for m in Modality]
    candidates += [(c.modalities, c.why) for c in combinations if c.offered_for(profile)]
    built = [
        _option(
            modalities,
            combo_why,
            profile,
            screenings,
            prices,
            clinic_outcomes or {},
            catalogue,
        )
        for modalities, combo_why in candidates
    ]
    order = sorted(range(len(built)), key=lambda i: (_sort_key(built[i], profile), i))
    return [_with_rank(built[i], rank) for rank, i in enumerate(order, start=1)]


def _with_rank(option: Option, rank: int) -> Option:
    return replace(option, rank=rank)


def _sort_key(
    option: Option, profile: ScarProfile
) -> tuple[bool, int, bool, bool, int, int, bool, int]:
    demoted = profile.has_raised_scars and any(d.is_resurfacing for d in option.details)
    return (
        not option.suitable,  # never rank an unsuitable option before a suitable one
        0 if option.suitable else option.status.rank,
        option.fit is Fit.NONE,
        demoted,  # raised scars: not resurfacing first
        -option.first_line_scars,  # a first-line match beats any number of "also used"
        -option.also_used_scars,
        option.evidence_is_weak,
        len(option.modalities),
    )


def _fit_for(modality: Modality, morphology: Morphology) -> Fit:
    if modality in FIRST_LINE.get(morphology, ()):
        return Fit.FIRST_LINE
    if morphology in ATROPHIC and modality in ALSO_FOR_ATROPHIC:
        return Fit.ALSO_USED
    return Fit.NONE


def _option(
    modalities: tuple[Modality, ...],
    combo_why: str,
    profile: ScarProfile,
    screenings: Mapping[Modality, Screening],
    prices: Mapping[Modality, Decimal] | None,
    clinic_outcomes: Mapping[Modality, ClinicOutcome],
    catalogue: Mapping[Modality, ModalityInfo],
) -> Option:
    details = tuple(catalogue.get(m, CATALOGUE[m]) for m in modalities)
    parts = tuple(screenings[m] for m in modalities)

    first_line: list[Morphology] = []
    also_used: list[Morphology] = []
    for morphology in profile.present:
        fits = {_fit_for(m, morphology) for m in modalities}
        if Fit.FIRST_LINE in fits:
            first_line.append(morphology)
        elif Fit.ALSO_USED in fits:
            also_used.append(morphology)
    first_line.sort(key=list(Morphology).index)
    also_used.sort(key=list(Morphology).index)
    fit = Fit.FIRST_LINE if first_line else Fit.ALSO_USED if also_used else Fit.NONE

    status = max((s.status for s in parts), key=lambda s: s.rank)
    suitable = status.is_suitable
    dated = [s.reassess_on for s in parts if s.reassess_on is not None]
    reassess_on = max(dated) if status is Status.DEFER and dated else None

    evidence = tuple(dict.fromkeys(e for d in details for e in d.evidence))
    combination = len(modalities) > 1
    weak = combination or evidence_is_weak(evidence)

    return Option(
        rank=0,
        modalities=modalities,
        label=" + ".join(m.label for m in modalities),
        suitable=suitable,
        status=status,
        screenings=parts,
        fit=fit,
        first_line_for=tuple(first_line),
        also_used_for=tuple(also_used),
        first_line_scars=sum(profile.count(m) for m in first_line),
        also_used_scars=sum(profile.count(m) for m in also_used),
        why_text=_why(combo_why, profile, first_line, also_used),
        not_suitable_text=None if suitable else _not_suitable_reason(parts, reassess_on),
        reassess_on=reassess_on,
        evidence=evidence,
        evidence_is_weak=weak,
        evidence_wording_text=_evidence_wording(evidence, weak, combination, details),
        sessions=tuple(d.sessions for d in details),
        cost=_cost(modalities, details, prices, top=True),
        cost_from=_cost(modalities, details, prices, top=False),
        clinic_outcomes=MappingProxyType(
            {m: clinic_outcomes[m] for m in modalities if m in clinic_outcomes}
        ),
        details=details,
        notes_text=_notes(profile, details),
    )


def _english(text: Joined) -> str:
    return text.english


def _counted(profile: ScarProfile, morphologies: list[Morphology]) -> Joined:
    return Joined(
        tuple(
            Message(
                gettext_noop("%(scar)s (%(count)s)"),
                {"scar": Term(m.label, lower=True), "count": profile.count(m)},
            )
            for m in morphologies
        ),
        LIST_SEPARATOR,
    )


def _why(
    combo_why: str,
    profile: ScarProfile,
    first_line: list[Morphology],
    also_used: list[Morphology],
) -> Joined:
    parts = [Message(combo_why)] if combo_why else []
    if first_line:
        parts.append(
            Message(
                gettext_noop("First-line for: %(scars)s."), {"scars": _counted(profile, first_line)}
            )
        )
    if also_used:
        parts.append(
            Message(
                gettext_noop("Also used for: %(scars)s."), {"scars": _counted(profile, also_used)}
            )
        )
    if not first_line and not also_used:
        parts.append(Message(gettext_noop("Not a treatment for the scars recorded.")))
    return Joined(tuple(parts), " ")


# The outcome words inside a not-suitable reason ("Chemical peel, defer: ...").
OUTCOME_WORDS = (gettext_noop("defer"), gettext_noop("contraindicated"), gettext_noop("caution"))


def _not_suitable_reason(parts: tuple[Screening, ...], reassess_on: date | None) -> Joined:
    reasons: list[Message] = [
        Message(
            gettext_noop("%(treatment)s, %(outcome)s: %(title)s. %(reason)s"),
            {
                "treatment": Term(s.modality.label),
                "outcome": Term(f.outcome.value),
                "title": Term(f.title),
                "reason": f.text,
            },
        )
        for s in parts
        for f in s.blocking
    ]
    if reassess_on is not None:
        reasons.append(
            Message(gettext_noop("Reassess on or after %(date)s."), {"date": reassess_on})
        )
    return Joined(tuple(reasons), " ")


def _evidence_wording(
    evidence: tuple[EvidenceEntry, ...],
    weak: bool,
    combination: bool,
    details: tuple[ModalityInfo, ...],
) -> Joined:
    levels = Joined(
        tuple(
            dict.fromkeys(
                Message(gettext_noop("%(level)s (indirect)"), {"level": Term(e.level.label)})
                if e.indirect
                else Message(e.level.label)
                for e in evidence
            )
        ),
        LIST_SEPARATOR,
    )
    parts: list[Message] = []
    if combination:
        parts.append(Message(gettext_noop("Evidence is weak.")))
        parts.append(Message(COMBINATION_EVIDENCE))
        if evidence:
            parts.append(Message(gettext_noop("Its parts: %(levels)s."), {"levels": levels}))
    elif not evidence:
        parts.append(Message(gettext_noop("Evidence is weak.")))
        parts.append(Message(NO_EVIDENCE_ENTRY))
    elif weak:
        parts.append(
            Message(gettext_noop("Evidence is weak: only %(levels)s."), {"levels": levels})
        )
    else:
        best = next(e for e in evidence if e.is_strong)
        parts.append(
            Message(
                gettext_noop("Best evidence: %(level)s (%(citation)s)."),
                {"level": Term(best.level.label), "citation": best.citation},
            )
        )
    if any(d.is_investigational for d in details):
        parts.append(
            Message(gettext_noop("Investigational in most jurisdictions (clinical reference §11)."))
        )
    return Joined(tuple(parts), " ")


def _cost(
    modalities: tuple[Modality, ...],
    details: tuple[ModalityInfo, ...],
    prices: Mapping[Modality, Decimal] | None,
    *,
    top: bool,
) -> Decimal | None:
    if prices is None or any(m not in prices for m in modalities):
        return None
    return sum(
        (
            prices[m] * (d.sessions.sessions_max if top else d.sessions.sessions_min)
            for m, d in zip(modalities, details, strict=True)
        ),
        Decimal(0),
    )


def _notes(profile: ScarProfile, details: tuple[ModalityInfo, ...]) -> tuple[Message, ...]:
    notes: list[Message] = []
    if profile.has_macular_marks:
        notes.append(Message(COLOUR_NOTE))
    if profile.has_raised_scars:
        notes.append(Message(RAISED_NOTE))
        if any(d.is_resurfacing for d in details):
            notes.append(Message(RAISED_RESURFACING_NOTE))
    for d in details:
        if not d.sessions.verified:
            notes.append(
                Message(
                    gettext_noop("%(treatment)s, sessions: %(wording)s"),
                    {"treatment": Term(d.label), "wording": Term(d.sessions.wording)},
                )
            )
        if d.is_investigational:
            notes.append(
                Message(
                    gettext_noop("%(treatment)s: %(status)s"),
                    {"treatment": Term(d.label), "status": Term(d.regulatory_status)},
                )
            )
    return tuple(dict.fromkeys(notes))
