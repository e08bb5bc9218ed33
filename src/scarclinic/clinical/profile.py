"""What candidacy screening and treatment recommendation need to know about one patient.

:class:`ScarProfile` condenses an assessment (counts per morphology summed over the face,
the Goodman & Baron qualitative grade, totals of the scales); :class:`Labs` carries the
blood results and the pre-procedure facts a nurse records before a procedure.
Pure Python: the Django models convert to these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from scarclinic.clinical.morphology import Morphology, QualitativeGrade
from scarclinic.clinical.scales import ECCA_MAX, GOODMAN_BARON_MAX

ATROPHIC = frozenset(
    {Morphology.ICE_PICK, Morphology.BOXCAR_SHALLOW, Morphology.BOXCAR_DEEP, Morphology.ROLLING}
)
RAISED = frozenset({Morphology.HYPERTROPHIC, Morphology.KELOID})


@dataclass(frozen=True)
class ScarProfile:
    """A patient's scars as one assessment found them, summed over the facial regions.

    ``counts`` keeps only morphologies with at least one scar, so two profiles with the same
    scars compare equal however they were built.
    """

    counts: Mapping[Morphology, int] = field(hash=False)
    grade: QualitativeGrade | None
    active_acne_at_exam: bool
    assessed_on: date
    goodman_baron_total: int | None = None
    ecca_total: int | None = None

    def __post_init__(self) -> None:
        cleaned: dict[Morphology, int] = {}
        for morphology, count in self.counts.items():
            if not isinstance(morphology, Morphology):
                raise ValueError(f"Unknown scar morphology: {morphology!r}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(
                    f"The count of {morphology.label} scars must be a whole number >= 0"
                )
            if count:
                cleaned[morphology] = count
        ordered = {m: cleaned[m] for m in Morphology if m in cleaned}
        object.__setattr__(self, "counts", MappingProxyType(ordered))
        _check_total(
            "Goodman & Baron quantitative total", self.goodman_baron_total, GOODMAN_BARON_MAX
        )
        _check_total("ECCA total", self.ecca_total, ECCA_MAX)

    def count(self, morphology: Morphology) -> int:
        """Number of scars of one morphology (0 when none were recorded)."""
        return self.counts.get(morphology, 0)

    @property
    def present(self) -> frozenset[Morphology]:
        """The morphologies with at least one scar."""
        return frozenset(self.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def has_raised_scars(self) -> bool:
        """Hypertrophic or keloid scars were recorded."""
        return bool(self.present & RAISED)

    @property
    def has_macular_marks(self) -> bool:
        """Flat marks were recorded, or the global grade is macular (a colour problem)."""
        return Morphology.MACULAR in self.counts or self.grade is QualitativeGrade.MACULAR


def _check_total(name: str, value: int | None, maximum: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValueError(f"The {name} must be a whole number from 0 to {maximum}")


@dataclass(frozen=True)
class Labs:
    """Blood results and pre-procedure facts recorded before a procedure.

    ``None`` means not measured or not asked. The PRP thresholds that use the blood results
    are in :mod:`scarclinic.clinical.candidacy` (CLINICAL.md section 6).
    """

    platelet_count_10e9_per_l: float | None = None
    haemoglobin_g_dl: float | None = None
    measured_on: date | None = None
    nsaid_within_48h: bool = False
    systemic_steroids_within_2_weeks: bool = False
    smoker: bool = False
    # The seed clinic's candidate criterion "willing to undergo multiple sessions": the patient
    # understands that results come gradually over several sessions.
    expects_gradual_results_over_sessions: bool | None = None
    age_years: int | None = None

    def __post_init__(self) -> None:
        for name in ("platelet_count_10e9_per_l", "haemoglobin_g_dl"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 0):
                raise ValueError(f"{name} cannot be negative")
        if self.age_years is not None and (
            isinstance(self.age_years, bool)
            or not isinstance(self.age_years, int)
            or self.age_years < 0
        ):
            raise ValueError("age_years must be a whole number >= 0")
