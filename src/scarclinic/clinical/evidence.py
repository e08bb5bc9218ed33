"""The treatment catalogue and the published evidence behind each treatment.

Every figure here is copied from ../shared/CLINICAL.md: the evidence rows from section 9 (as
reported, with citation and study type), the default protocols from section 9, the skin-type
and filler facts from section 8, the regulatory status of cell products from section 11.
Where CLINICAL.md gives no figure, the catalogue says so and leaves the value to the clinic
(``verified=False``) rather than inventing one. Mechanisms and risks are plain-words
descriptions without numbers; risks that CLINICAL.md names carry its section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from scarclinic.clinical.text import Joined, Message, Term, gettext_noop

NO_EVIDENCE_ENTRY = gettext_noop(
    "No evidence entry in the clinical reference: no published result to quote."
)
NOT_IN_CLINICAL_MD = gettext_noop(
    "Not given in the clinical reference: clinic-configurable, unverified."
)
# Risk texts without a source are general descriptions for the clinic's medical director to
# review; they carry no figures.
GENERAL_RISK = None


class Modality(StrEnum):
    """A treatment the clinic can offer for acne scars."""

    STEM_CELL_SVF_INJECTION = "stem_cell_svf_injection"
    TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING = "topical_cell_product_after_microneedling"
    MICRONEEDLING_PRP = "microneedling_prp"
    MICRONEEDLING = "microneedling"
    FRACTIONAL_ABLATIVE_LASER = "fractional_ablative_laser"
    NON_ABLATIVE_FRACTIONAL_LASER = "non_ablative_fractional_laser"
    CHEMICAL_PEEL = "chemical_peel"
    TCA_CROSS = "tca_cross"
    SUBCISION = "subcision"
    DERMAL_FILLER = "dermal_filler"
    PUNCH_EXCISION_ELEVATION = "punch_excision_elevation"

    @property
    def label(self) -> str:
        return MODALITY_LABELS[self]


MODALITY_LABELS: dict[Modality, str] = {
    Modality.STEM_CELL_SVF_INJECTION: gettext_noop("Stem cell / SVF injection"),
    Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING: gettext_noop(
        "Cell-derived product after microneedling"
    ),
    Modality.MICRONEEDLING_PRP: gettext_noop("Microneedling with PRP"),
    Modality.MICRONEEDLING: gettext_noop("Microneedling"),
    Modality.FRACTIONAL_ABLATIVE_LASER: gettext_noop("Fractional ablative laser (CO2 / erbium)"),
    Modality.NON_ABLATIVE_FRACTIONAL_LASER: gettext_noop("Non-ablative fractional laser"),
    Modality.CHEMICAL_PEEL: gettext_noop("Chemical peel"),
    Modality.TCA_CROSS: gettext_noop("TCA CROSS"),
    Modality.SUBCISION: gettext_noop("Subcision"),
    Modality.DERMAL_FILLER: gettext_noop("Dermal filler"),
    Modality.PUNCH_EXCISION_ELEVATION: gettext_noop("Punch excision / elevation"),
}


class EvidenceLevel(StrEnum):
    """How strong a study design is, as CLINICAL.md section 9 states it."""

    META_ANALYSIS = "meta_analysis"
    SYSTEMATIC_REVIEW = "systematic_review"
    RANDOMISED_CONTROLLED_TRIAL = "randomised_controlled_trial"
    SYSTEMATIC_REVIEW_LOW_QUALITY = "systematic_review_low_quality"
    COMPARATIVE_STUDY = "comparative_study"
    CASE_SERIES = "case_series"
    NOT_STATED = "not_stated"

    @property
    def label(self) -> str:
        return EVIDENCE_LEVEL_LABELS[self]

    @property
    def is_strong(self) -> bool:
        """Our convention, not CLINICAL.md's: pooled or randomised evidence counts as strong."""
        return self in STRONG_LEVELS


EVIDENCE_LEVEL_LABELS: dict[EvidenceLevel, str] = {
    EvidenceLevel.META_ANALYSIS: gettext_noop("meta-analysis"),
    EvidenceLevel.SYSTEMATIC_REVIEW: gettext_noop("systematic review"),
    EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL: gettext_noop("randomised controlled trial"),
    EvidenceLevel.SYSTEMATIC_REVIEW_LOW_QUALITY: gettext_noop(
        "systematic review of low-to-moderate quality evidence"
    ),
    EvidenceLevel.COMPARATIVE_STUDY: gettext_noop("comparative study, randomisation not stated"),
    EvidenceLevel.CASE_SERIES: gettext_noop("case series"),
    EvidenceLevel.NOT_STATED: gettext_noop("study design not stated in the clinical reference"),
}

STRONG_LEVELS = frozenset(
    {
        EvidenceLevel.META_ANALYSIS,
        EvidenceLevel.SYSTEMATIC_REVIEW,
        EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL,
    }
)


@dataclass(frozen=True)
class EvidenceEntry:
    """One published result, exactly as CLINICAL.md section 9 reports it."""

    id: str
    modalities: frozenset[Modality]
    intervention: str  # the "modality" column of CLINICAL.md section 9
    effect: str  # as reported
    measure: str
    design: str  # as reported
    level: EvidenceLevel
    n: int | None  # None when CLINICAL.md gives no number
    n_unit: str
    citation: str
    note: str = ""  # how directly the result applies to the modalities it is attached to
    # The result is about a neighbouring treatment (e.g. the product applied after laser, not
    # after microneedling): shown, but never counted as strong evidence for the modality.
    indirect: bool = False

    @property
    def is_strong(self) -> bool:
        return self.level.is_strong and not self.indirect

    @property
    def summary(self) -> str:
        return self.summary_text.english

    @property
    def summary_text(self) -> Message:
        """The result in one line, translatable; the citation stays as published."""
        size = (
            Message(gettext_noop("n = %(n)s %(unit)s"), {"n": self.n, "unit": Term(self.n_unit)})
            if self.n is not None
            else Message(gettext_noop("n not stated"))
        )
        text = Message(
            gettext_noop(
                "%(intervention)s: %(effect)s (%(measure)s); %(design)s, %(size)s; %(citation)s"
            ),
            {
                "intervention": Term(self.intervention),
                "effect": Term(self.effect),
                "measure": Term(self.measure),
                "design": Term(self.design),
                "size": size,
                "citation": self.citation,
            },
        )
        if not self.note:
            return text
        return Message(gettext_noop("%(text)s. %(note)s"), {"text": text, "note": Term(self.note)})


M = Modality

# CLINICAL.md section 9, row by row; nothing here that the table does not say.
EVIDENCE: tuple[EvidenceEntry, ...] = (
    EvidenceEntry(
        id="kang_lu_2022",
        modalities=frozenset({M.MICRONEEDLING_PRP}),
        intervention=gettext_noop("Microneedling + PRP vs microneedling"),
        effect=gettext_noop("> 50% improvement, OR 2.97 (1.96-4.51)"),
        measure=gettext_noop("odds of more than 50% improvement"),
        design=gettext_noop("meta-analysis of 14 studies"),
        level=EvidenceLevel.META_ANALYSIS,
        n=472,
        n_unit=gettext_noop("patients"),
        citation="Kang & Lu, Front Med 2022",
    ),
    EvidenceEntry(
        id="alam_2014",
        modalities=frozenset({M.MICRONEEDLING}),
        intervention=gettext_noop("Microneedling alone"),
        effect=gettext_noop("quantitative score -3.4 at 6 months"),
        measure=gettext_noop("change in a quantitative scar score; 3 sessions 2 weeks apart"),
        design=gettext_noop("RCT, split-face"),
        level=EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL,
        n=15,
        n_unit=gettext_noop("patients"),
        citation="Alam et al. JAMA Dermatol 2014",
    ),
    EvidenceEntry(
        id="xu_deng_2018",
        modalities=frozenset({M.FRACTIONAL_ABLATIVE_LASER}),
        intervention=gettext_noop("Fractional CO2"),
        effect=gettext_noop("effective; tailor sessions"),
        measure=gettext_noop("overall effectiveness"),
        design=gettext_noop("systematic review"),
        level=EvidenceLevel.SYSTEMATIC_REVIEW,
        n=None,
        n_unit=gettext_noop("patients"),
        citation="Xu & Deng 2018",
        note=gettext_noop("Fractional CO2; erbium is not covered by this entry."),
    ),
    EvidenceEntry(
        id="lasers_surg_med_2014_interval",
        modalities=frozenset({M.FRACTIONAL_ABLATIVE_LASER}),
        intervention=gettext_noop("Fractional CO2"),
        effect=gettext_noop("1- vs 3-month interval: no difference"),
        measure=gettext_noop("result by treatment interval"),
        design=gettext_noop("study design not stated"),
        level=EvidenceLevel.NOT_STATED,
        n=None,
        n_unit=gettext_noop("patients"),
        citation="Lasers Surg Med 2014;46:89-93",
    ),
    EvidenceEntry(
        id="kwon_2020",
        modalities=frozenset({M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING}),
        intervention=gettext_noop("ADSC exosomes + fractional CO2"),
        effect=gettext_noop("ECCA -32.5% vs -19.9%"),
        measure=gettext_noop("ECCA change, treated vs other side of the face"),
        design=gettext_noop("RCT, split-face"),
        level=EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL,
        n=25,
        n_unit=gettext_noop("patients"),
        citation="Kwon et al. Acta Derm Venereol 2020",
        note=gettext_noop(
            "The product was applied after fractional CO2 laser, not microneedling: indirect."
        ),
        indirect=True,
    ),
    EvidenceEntry(
        id="svf_gel_2025",
        modalities=frozenset({M.STEM_CELL_SVF_INJECTION, M.FRACTIONAL_ABLATIVE_LASER}),
        intervention=gettext_noop("SVF-gel (1 injection) vs CO2 laser (2 sessions)"),
        effect=gettext_noop("ECCA -60.3 vs -43.3 at 24 weeks"),
        measure=gettext_noop("ECCA change at 24 weeks"),
        design=gettext_noop("split-face"),
        level=EvidenceLevel.COMPARATIVE_STUDY,
        n=10,
        n_unit=gettext_noop("patients"),
        citation="J Cosmet Dermatol 2025;24:e70131",
    ),
    EvidenceEntry(
        id="stachura_2021",
        modalities=frozenset({M.STEM_CELL_SVF_INJECTION}),
        intervention=gettext_noop("ADSC / SVF for scars overall"),
        effect=gettext_noop("possibly non-inferior to PRP or laser"),
        measure=gettext_noop("scar improvement, all scar types (not only acne)"),
        design=gettext_noop("systematic review, evidence of low-to-moderate quality"),
        level=EvidenceLevel.SYSTEMATIC_REVIEW_LOW_QUALITY,
        n=665,
        n_unit=gettext_noop("patients"),
        citation="Stachura et al. J Clin Med 2021",
    ),
    EvidenceEntry(
        id="lee_2002",
        modalities=frozenset({M.TCA_CROSS}),
        intervention=gettext_noop("TCA CROSS for ice-pick scars"),
        effect=gettext_noop("good response 82% (65% TCA), 94% (100% TCA)"),
        measure=gettext_noop("proportion with a good response"),
        design=gettext_noop("study design not stated"),
        level=EvidenceLevel.NOT_STATED,
        n=65,
        n_unit=gettext_noop("patients"),
        citation="Lee et al. Dermatol Surg 2002;28:1017-21",
    ),
    EvidenceEntry(
        id="karnik_2014",
        modalities=frozenset({M.DERMAL_FILLER}),
        intervention=gettext_noop("PMMA-collagen filler vs saline"),
        effect=gettext_noop("responders 64% vs 33% with saline at 6 months"),
        measure=gettext_noop("responder rate at 6 months"),
        design=gettext_noop("RCT"),
        level=EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL,
        n=147,
        n_unit=gettext_noop("patients"),
        citation="Karnik et al. J Am Acad Dermatol 2014;71:77-83",
        note=gettext_noop("PMMA-collagen filler only; other fillers have no evidence entry here."),
    ),
)


def evidence_for(modality: Modality) -> tuple[EvidenceEntry, ...]:
    """The evidence entries attached to one modality, in CLINICAL.md order."""
    return tuple(e for e in EVIDENCE if modality in e.modalities)


def evidence_is_weak(entries: Iterable[EvidenceEntry]) -> bool:
    """True unless a direct meta-analysis, systematic review or RCT is among the entries."""
    return not any(e.is_strong for e in entries)


@dataclass(frozen=True)
class SessionPlan:
    """Default number of sessions and interval between them; clinic-configurable."""

    sessions_min: int
    sessions_max: int
    interval_min: int | None
    interval_max: int | None
    interval_unit: Literal["weeks", "months"]
    wording: str
    source: str | None  # None: not given in CLINICAL.md
    verified: bool

    def __post_init__(self) -> None:
        if not 1 <= self.sessions_min <= self.sessions_max:
            raise ValueError("A session plan needs 1 <= sessions_min <= sessions_max")
        if (self.interval_min is None) != (self.interval_max is None):
            raise ValueError("Give both ends of the interval, or neither")
        if (
            self.interval_min is not None
            and self.interval_max is not None
            and not 0 < self.interval_min <= self.interval_max
        ):
            raise ValueError("A session interval needs 0 < interval_min <= interval_max")

    @property
    def describe(self) -> str:
        return self.text.english

    @property
    def text(self) -> Joined:
        """'3-4 sessions, every 2-4 weeks', translatable."""
        sessions = _span_text(self.sessions_min, self.sessions_max)
        parts: list[Message] = [
            Message(gettext_noop("%(sessions)s sessions"), {"sessions": sessions})
            if self.sessions_max > 1
            else Message(gettext_noop("%(sessions)s session"), {"sessions": sessions})
        ]
        if self.interval_min is not None and self.interval_max is not None:
            interval = {"interval": _span_text(self.interval_min, self.interval_max)}
            parts.append(
                Message(gettext_noop(", every %(interval)s weeks"), interval)
                if self.interval_unit == "weeks"
                else Message(gettext_noop(", every %(interval)s months"), interval)
            )
        if not self.verified:
            parts.append(
                Message(
                    gettext_noop(" (placeholder set by the clinic; not in the clinical reference)")
                )
            )
        return Joined(tuple(parts), "")


def _span_text(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def _unverified_plan(wording: str = NOT_IN_CLINICAL_MD) -> SessionPlan:
    # One session is the least any treatment takes; the clinic sets the real number.
    return SessionPlan(1, 1, None, None, "weeks", wording, None, False)


@dataclass(frozen=True)
class DowntimeRange:
    """Days before a patient is back to usual activities; CLINICAL.md gives no figures."""

    min_days: int | None = None
    max_days: int | None = None
    source: str | None = None
    verified: bool = False

    @property
    def describe(self) -> str:
        return self.text.english

    @property
    def text(self) -> Message:
        if self.min_days is None or self.max_days is None:
            return Message(
                gettext_noop("Downtime not given in the clinical reference: set by the clinic.")
            )
        return Message(
            gettext_noop("%(days)s days"), {"days": _span_text(self.min_days, self.max_days)}
        )


@dataclass(frozen=True)
class Risk:
    text: str
    source: str | None = GENERAL_RISK  # a CLINICAL.md section when it names the risk


@dataclass(frozen=True)
class ModalityInfo:
    """What the comparison shows about one treatment."""

    modality: Modality
    mechanism: str
    sessions: SessionPlan
    downtime: DowntimeRange
    common_risks: tuple[Risk, ...]
    serious_risks: tuple[Risk, ...]
    skin_type: str
    regulatory_status: str
    is_investigational: bool
    is_ablative: bool
    is_resurfacing: bool
    uses_needling: bool
    uses_blood_product: bool
    is_cell_therapy: bool
    evidence: tuple[EvidenceEntry, ...]

    @property
    def label(self) -> str:
        return self.modality.label

    @property
    def evidence_summary(self) -> str:
        return self.evidence_summary_text.english

    @property
    def evidence_summary_text(self) -> Message | Joined:
        if not self.evidence:
            return Message(NO_EVIDENCE_ENTRY)
        return Joined(tuple(e.summary_text for e in self.evidence), " | ")

    def with_clinic_settings(
        self, *, sessions: SessionPlan | None = None, downtime: DowntimeRange | None = None
    ) -> ModalityInfo:
        """A copy with the clinic's own protocol or downtime range."""
        return replace(
            self,
            sessions=sessions if sessions is not None else self.sessions,
            downtime=downtime if downtime is not None else self.downtime,
        )


_NO_SKIN_TYPE_RULE = gettext_noop("No skin-type rule in the clinical reference.")
_PIH_FITZPATRICK = gettext_noop(
    "Fitzpatrick IV-VI: higher risk of post-inflammatory hyperpigmentation; caution, "
    "priming and strict photoprotection (clinical reference §8)."
)
_NOT_COVERED_REGULATION = gettext_noop(
    "Not covered in the clinical reference; follow local regulation."
)
_CELL_REGULATION = gettext_noop(
    "Investigational in most jurisdictions. In the US, enzymatically isolated SVF and "
    "culture-expanded cells are more than minimally manipulated and need an IND (21 CFR 1271; "
    "US v. US Stem Cell Clinic, 11th Cir. 2021; clinical reference §11). Record the product's "
    "regulatory class and disclose it in the consent."
)
_PIH = Risk(
    gettext_noop("Darkening of the skin (post-inflammatory hyperpigmentation)"),
    "clinical reference §8",
)
_HSV = Risk(
    gettext_noop("Cold-sore (herpes simplex) reactivation"), "clinical reference §8, unverified"
)
_KELOID = Risk(gettext_noop("Raised scarring in people prone to keloids"), "clinical reference §8")
_INFECTION = Risk(gettext_noop("Infection"))
_REDNESS_SWELLING = Risk(gettext_noop("Redness and swelling for a few days"))
_BRUISING = Risk(gettext_noop("Bruising"))

_CATALOGUE_ROWS: tuple[ModalityInfo, ...] = (
    ModalityInfo(
        modality=M.STEM_CELL_SVF_INJECTION,
        mechanism=gettext_noop(
            "A small amount of the patient's fat is taken by liposuction; the cell-rich part "
            "(stromal vascular fraction) is separated and injected under the scars to "
            "encourage repair."
        ),
        sessions=SessionPlan(
            1,
            1,
            None,
            None,
            "weeks",
            gettext_noop("SVF / fat: often one session"),
            "clinical reference §9",
            True,
        ),
        downtime=DowntimeRange(),
        common_risks=(
            Risk(gettext_noop("Swelling and bruising where fat is taken and where it is injected")),
        ),
        serious_risks=(
            Risk(gettext_noop("Bleeding, infection or an uneven contour where the fat is taken")),
            Risk(gettext_noop("Contamination of the cell product")),
            Risk(
                gettext_noop("Long-term effects unknown: the treatment is investigational"),
                "clinical reference §11",
            ),
        ),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_CELL_REGULATION,
        is_investigational=True,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=True,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
        mechanism=gettext_noop(
            "Fine needles make tiny channels in the skin, and a product made from cells "
            "(for example from fat-derived stem cells) is applied so it can reach into them."
        ),
        # CLINICAL.md gives the microneedling protocol, not this product's: assumed, unverified.
        sessions=SessionPlan(
            3,
            4,
            2,
            4,
            "weeks",
            gettext_noop(
                "Assumed to follow the microneedling protocol; not given in the clinical "
                "reference: clinic-configurable, unverified."
            ),
            None,
            False,
        ),
        downtime=DowntimeRange(),
        common_risks=(_REDNESS_SWELLING,),
        serious_risks=(
            _INFECTION,
            Risk(gettext_noop("Reaction to the product")),
            _KELOID,
            Risk(
                gettext_noop("Long-term effects unknown: the treatment is investigational"),
                "clinical reference §11",
            ),
        ),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_CELL_REGULATION,
        is_investigational=True,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=True,
        uses_blood_product=False,
        is_cell_therapy=True,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.MICRONEEDLING_PRP,
        mechanism=gettext_noop(
            "Microneedling, with platelet-rich plasma made from the patient's own blood "
            "applied to the skin; platelets release growth factors that support healing."
        ),
        sessions=SessionPlan(
            3,
            4,
            2,
            4,
            "weeks",
            gettext_noop("Microneedling +/- PRP: 3-4 sessions every 2-4 weeks"),
            "clinical reference §9",
            True,
        ),
        downtime=DowntimeRange(),
        common_risks=(
            _REDNESS_SWELLING,
            Risk(gettext_noop("Pinpoint bleeding; a bruise where blood is drawn")),
        ),
        serious_risks=(_INFECTION, _KELOID),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=True,
        uses_blood_product=True,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.MICRONEEDLING,
        mechanism=gettext_noop(
            "A device with fine needles makes many tiny wounds; as they heal the skin makes "
            "new collagen, which gradually lifts shallow scars."
        ),
        sessions=SessionPlan(
            3,
            4,
            2,
            4,
            "weeks",
            gettext_noop("Microneedling +/- PRP: 3-4 sessions every 2-4 weeks"),
            "clinical reference §9",
            True,
        ),
        downtime=DowntimeRange(),
        common_risks=(_REDNESS_SWELLING, Risk(gettext_noop("Pinpoint bleeding"))),
        serious_risks=(_INFECTION, _KELOID),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=True,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.FRACTIONAL_ABLATIVE_LASER,
        mechanism=gettext_noop(
            "A CO2 or erbium laser removes tiny columns of skin; healing remodels the collagen "
            "and smooths the surface."
        ),
        sessions=SessionPlan(
            3,
            3,
            1,
            3,
            "months",
            gettext_noop("Fractional CO2: about 3 sessions every 1-3 months (erbium: unverified)"),
            "clinical reference §9",
            True,
        ),
        downtime=DowntimeRange(),
        common_risks=(
            _REDNESS_SWELLING,
            Risk(gettext_noop("Crusting and peeling while the skin heals")),
        ),
        serious_risks=(_PIH, _HSV, _INFECTION, _KELOID),
        skin_type=_PIH_FITZPATRICK,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=True,
        is_resurfacing=True,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.NON_ABLATIVE_FRACTIONAL_LASER,
        mechanism=gettext_noop(
            "A laser heats tiny columns of skin without removing the surface; healing makes "
            "new collagen."
        ),
        sessions=_unverified_plan(),
        downtime=DowntimeRange(),
        common_risks=(_REDNESS_SWELLING,),
        serious_risks=(_HSV, Risk(gettext_noop("Changes in skin colour"))),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=True,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.CHEMICAL_PEEL,
        mechanism=gettext_noop(
            "An acid solution removes the outer layers of skin, which grow back smoother."
        ),
        sessions=_unverified_plan(),
        downtime=DowntimeRange(),
        common_risks=(Risk(gettext_noop("Redness and peeling")),),
        serious_risks=(_PIH, _HSV, _INFECTION, Risk(gettext_noop("Scarring"))),
        skin_type=_PIH_FITZPATRICK,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=True,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.TCA_CROSS,
        mechanism=gettext_noop(
            "Strong trichloroacetic acid is pressed into the bottom of each narrow, deep scar; "
            "healing fills the scar from below with new collagen."
        ),
        sessions=SessionPlan(
            4,
            6,
            2,
            4,
            "weeks",
            gettext_noop("TCA CROSS: 4-6 sessions every 2-4 weeks"),
            "clinical reference §9",
            True,
        ),
        downtime=DowntimeRange(),
        common_risks=(Risk(gettext_noop("Redness and crusting of the treated scars")),),
        serious_risks=(_PIH, _INFECTION),
        # TCA is a peel agent applied to single scars: the peel caution of CLINICAL.md 8 applies.
        skin_type=_PIH_FITZPATRICK,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.SUBCISION,
        mechanism=gettext_noop(
            "A needle passed under a tethered scar cuts the fibrous bands that pull it down, "
            "so the skin can rise."
        ),
        sessions=_unverified_plan(),
        downtime=DowntimeRange(),
        common_risks=(_BRUISING, Risk(gettext_noop("Swelling"))),
        serious_risks=(Risk(gettext_noop("Lumps under the skin")), _INFECTION),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.DERMAL_FILLER,
        mechanism=gettext_noop(
            "A filler is injected under a depressed scar to lift it level with the skin around it."
        ),
        sessions=SessionPlan(
            1,
            2,
            None,
            None,
            "weeks",
            gettext_noop("Filler: one session plus touch-up"),
            "clinical reference §9",
            True,
        ),
        downtime=DowntimeRange(),
        common_risks=(Risk(gettext_noop("Swelling, bruising and small lumps")),),
        serious_risks=(
            Risk(
                gettext_noop(
                    "Allergy to bovine collagen: skin test first for PMMA-collagen filler"
                ),
                "clinical reference §8",
            ),
            Risk(gettext_noop("Firm nodules under the skin")),
            Risk(gettext_noop("Filler entering a blood vessel")),
        ),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=gettext_noop(
            "PMMA-collagen filler: FDA approved (2014/2015) for moderate-severe, distensible "
            "atrophic cheek scars, age > 21 (clinical reference §8). Other fillers: not covered in "
            "the clinical reference."
        ),
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
    ModalityInfo(
        modality=M.PUNCH_EXCISION_ELEVATION,
        mechanism=gettext_noop(
            "A small round blade removes the scar and the wound is closed (excision), or frees "
            "the scar's floor and lifts it level with the skin (elevation)."
        ),
        sessions=_unverified_plan(),
        downtime=DowntimeRange(),
        common_risks=(_BRUISING, Risk(gettext_noop("Stitches for a few days"))),
        serious_risks=(_INFECTION, Risk(gettext_noop("A new scar that shows"))),
        skin_type=_NO_SKIN_TYPE_RULE,
        regulatory_status=_NOT_COVERED_REGULATION,
        is_investigational=False,
        is_ablative=False,
        is_resurfacing=False,
        uses_needling=False,
        uses_blood_product=False,
        is_cell_therapy=False,
        evidence=(),
    ),
)

CATALOGUE: Mapping[Modality, ModalityInfo] = MappingProxyType(
    {info.modality: replace(info, evidence=evidence_for(info.modality)) for info in _CATALOGUE_ROWS}
)


def modalities_where(**flags: bool) -> frozenset[Modality]:
    """Modalities whose catalogue flags all have the given values, e.g. ``is_ablative=True``."""
    for name in flags:
        if name not in _FLAG_NAMES:
            raise ValueError(f"Unknown catalogue flag: {name}")
    return frozenset(
        m for m, info in CATALOGUE.items() if all(getattr(info, k) is v for k, v in flags.items())
    )


_FLAG_NAMES = frozenset(
    {
        "is_investigational",
        "is_ablative",
        "is_resurfacing",
        "uses_needling",
        "uses_blood_product",
        "is_cell_therapy",
    }
)
