"""Scar morphology, facial regions and the qualitative grade: the clinic's shared vocabulary.

Morphology follows Jacob, Dover & Kaminer, J Am Acad Dermatol 2001;45:109-17
(ice-pick, boxcar, rolling) plus hypertrophic, keloid and macular marks
(../shared/CLINICAL.md section 1). Regions are the facial regions of CLINICAL.md section 1.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from scarclinic.clinical.text import gettext_noop


class Morphology(StrEnum):
    """A scar type as recorded in a region finding."""

    ICE_PICK = "ice_pick"  # narrow (< 2 mm), deep, V-shaped
    BOXCAR_SHALLOW = "boxcar_shallow"  # round/oval, sharp edges, U-shaped, shallow
    BOXCAR_DEEP = "boxcar_deep"  # as boxcar, deep (up to about 4 mm)
    ROLLING = "rolling"  # > 4-5 mm, tethered, M-shaped undulation
    HYPERTROPHIC = "hypertrophic"
    KELOID = "keloid"
    MACULAR = "macular"  # erythematous or pigmented, flat

    @property
    def label(self) -> str:
        return MORPHOLOGY_LABELS[self]


MORPHOLOGY_LABELS: dict[Morphology, str] = {
    Morphology.ICE_PICK: gettext_noop("Ice-pick"),
    Morphology.BOXCAR_SHALLOW: gettext_noop("Boxcar, shallow"),
    Morphology.BOXCAR_DEEP: gettext_noop("Boxcar, deep"),
    Morphology.ROLLING: gettext_noop("Rolling"),
    Morphology.HYPERTROPHIC: gettext_noop("Hypertrophic"),
    Morphology.KELOID: gettext_noop("Keloid"),
    Morphology.MACULAR: gettext_noop("Macular (erythema / PIH)"),
}


class FacialRegion(StrEnum):
    """Facial regions for per-region findings (CLINICAL.md section 1)."""

    FOREHEAD = "forehead"
    TEMPLE_LEFT = "temple_left"
    TEMPLE_RIGHT = "temple_right"
    CHEEK_LEFT = "cheek_left"
    CHEEK_RIGHT = "cheek_right"
    NOSE = "nose"
    PERIORAL = "perioral"
    CHIN = "chin"
    JAWLINE_LEFT = "jawline_left"
    JAWLINE_RIGHT = "jawline_right"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class QualitativeGrade(IntEnum):
    """Goodman & Baron qualitative global grade (Dermatol Surg 2006;32:1458-66).

    A clinician's judgement, entered, never computed. "No scarring" is not a grade.
    """

    MACULAR = 1
    MILD = 2
    MODERATE = 3
    SEVERE = 4

    @property
    def description(self) -> str:
        return QUALITATIVE_GRADE_DESCRIPTIONS[self]


QUALITATIVE_GRADE_DESCRIPTIONS: dict[QualitativeGrade, str] = {
    QualitativeGrade.MACULAR: "Macular: flat marks, a problem of colour not contour.",
    QualitativeGrade.MILD: (
        "Mild: atrophy or hypertrophy not obvious at 50 cm or more; "
        "covered by make-up or beard shadow."
    ),
    QualitativeGrade.MODERATE: (
        "Moderate: obvious at 50 cm or more, not easily covered; "
        "atrophic scars flatten when the skin is stretched."
    ),
    QualitativeGrade.SEVERE: (
        "Severe: obvious at 50 cm or more, not easily covered; "
        "atrophic scars do not flatten when stretched."
    ),
}
