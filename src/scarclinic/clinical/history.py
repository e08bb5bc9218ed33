"""A patient's medical history as the clinical core sees it, its validation and its alerts.

The fields are those intake must capture before any acne-scar procedure
(../shared/DESIGN.md "Intake"; ../shared/CLINICAL.md section 8 for why each matters).
Pure Python: the Django models convert to and from :class:`MedicalHistory`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum


class AcneSeverity(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class IsotretinoinStatus(StrEnum):
    NEVER = "never"
    CURRENT = "current"
    PAST = "past"


class FitzpatrickType(IntEnum):
    """Fitzpatrick skin phototype I-VI (Fitzpatrick, Arch Dermatol 1988;124:869-71)."""

    I = 1  # noqa: E741 - the type's own name
    II = 2
    III = 3
    IV = 4
    V = 5
    VI = 6

    @property
    def roman(self) -> str:
        return self.name


@dataclass(frozen=True)
class MedicalHistory:
    """Structured medical history relevant to acne-scar treatment. Defaults mean 'no'."""

    active_acne: bool = False
    acne_severity: AcneSeverity = AcneSeverity.NONE
    skin_infection_in_treatment_area: bool = False
    isotretinoin: IsotretinoinStatus = IsotretinoinStatus.NEVER
    isotretinoin_last_dose: date | None = None
    pregnant_or_breastfeeding: bool = False
    anticoagulant_or_antiplatelet: bool = False
    bleeding_or_platelet_disorder: bool = False
    keloid_tendency: bool = False
    herpes_simplex_history: bool = False
    photosensitising_drugs: bool = False
    autoimmune_disease: bool = False
    active_cancer: bool = False
    systemic_infection: bool = False
    local_anaesthetic_allergy: bool = False
    allergies: tuple[str, ...] = field(default_factory=tuple)
    fitzpatrick: FitzpatrickType | None = None


def history_problems(history: MedicalHistory, *, today: date) -> dict[str, str]:
    """Inconsistencies in a history, as {field name: message}; empty when it is coherent."""
    problems: dict[str, str] = {}
    if history.active_acne and history.acne_severity is AcneSeverity.NONE:
        problems["acne_severity"] = "Give the severity of the active acne."
    if not history.active_acne and history.acne_severity is not AcneSeverity.NONE:
        problems["acne_severity"] = "Acne severity is only recorded when acne is active."
    if history.isotretinoin is IsotretinoinStatus.PAST and history.isotretinoin_last_dose is None:
        problems["isotretinoin_last_dose"] = "Give the date of the last isotretinoin dose."
    if history.isotretinoin is IsotretinoinStatus.NEVER and history.isotretinoin_last_dose:
        problems["isotretinoin_last_dose"] = "A last dose date needs isotretinoin use recorded."
    if history.isotretinoin_last_dose and history.isotretinoin_last_dose > today:
        problems["isotretinoin_last_dose"] = "The last isotretinoin dose cannot be in the future."
    return problems


class AlertLevel(StrEnum):
    STOP = "stop"  # excludes or defers some treatments until resolved
    CAUTION = "caution"  # changes how a treatment is done


@dataclass(frozen=True)
class Alert:
    level: AlertLevel
    text: str


def history_alerts(history: MedicalHistory) -> list[Alert]:
    """The alerts a chart header shows for a history, most serious first.

    Why each matters is in CLINICAL.md section 8; candidacy screening applies the rules
    per modality, these alerts only make the facts impossible to miss.
    """
    stop: list[str] = []
    caution: list[str] = []
    if history.active_acne:
        stop.append(f"Active acne ({history.acne_severity.value}): treat first")
    if history.skin_infection_in_treatment_area:
        stop.append("Skin infection in the treatment area")
    if history.systemic_infection:
        stop.append("Systemic infection")
    if history.pregnant_or_breastfeeding:
        stop.append("Pregnant or breastfeeding")
    if history.active_cancer:
        stop.append("Active cancer")
    if history.isotretinoin is IsotretinoinStatus.CURRENT:
        stop.append("Taking isotretinoin")
    elif history.isotretinoin is IsotretinoinStatus.PAST and history.isotretinoin_last_dose:
        caution.append(f"Isotretinoin, last dose {history.isotretinoin_last_dose.isoformat()}")
    if history.bleeding_or_platelet_disorder:
        stop.append("Bleeding or platelet disorder")
    if history.anticoagulant_or_antiplatelet:
        caution.append("Anticoagulant or antiplatelet drug")
    if history.keloid_tendency:
        caution.append("Keloid or hypertrophic scarring tendency")
    if history.herpes_simplex_history:
        caution.append("Herpes simplex history")
    if history.photosensitising_drugs:
        caution.append("Photosensitising drugs")
    if history.autoimmune_disease:
        caution.append("Autoimmune disease")
    if history.local_anaesthetic_allergy:
        stop.append("Allergy to local anaesthetics")
    if history.fitzpatrick is not None and history.fitzpatrick >= FitzpatrickType.IV:
        caution.append(f"Fitzpatrick {history.fitzpatrick.roman}: risk of hyperpigmentation")
    return [Alert(AlertLevel.STOP, t) for t in stop] + [
        Alert(AlertLevel.CAUTION, t) for t in caution
    ]


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on a date (a 29 February birthday counts on 1 March)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)
