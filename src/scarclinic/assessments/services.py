"""Every write to scar assessments and patient-reported outcomes: one transaction each,
audited with the person who acted. Scores are computed here, from the clinical core, and
stored with the scale versions used; a signed assessment never changes again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import (
    AssessmentAddendum,
    AssessmentStatus,
    Instrument,
    PatientReportedOutcome,
    RegionFinding,
    ReportSource,
    ScarAssessment,
)
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.clinical.morphology import FacialRegion, Morphology, QualitativeGrade
from scarclinic.clinical.pro import score_answers
from scarclinic.clinical.scales import ScaleScores, scores_from_findings
from scarclinic.patients.models import Patient
from scarclinic.validation import refuse_control_characters

Findings = Mapping[str, Mapping[str, int]]
MAX_COUNT_PER_CELL = 500  # more than any face holds: a typo guard, not a clinical limit


def _require(user: User, clinic_id: int, perm: Perm) -> None:
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError({"patient": gettext("You may not record this for this patient.")})


def clean_findings(findings: Findings) -> dict[str, dict[str, int]]:
    """Validated, non-zero counts as {region: {morphology: n}}; errors name the cell."""
    errors: dict[str, str] = {}
    cleaned: dict[str, dict[str, int]] = {}
    regions = {r.value for r in FacialRegion}
    morphologies = {m.value for m in Morphology}
    for region, counts in findings.items():
        if region not in regions:
            errors["findings"] = f"Unknown facial region {region!r}."
            continue
        for morphology, n in counts.items():
            field = f"{region}__{morphology}"
            if morphology not in morphologies:
                errors[field] = f"Unknown scar type {morphology!r}."
            elif isinstance(n, bool) or not isinstance(n, int):
                errors[field] = gettext("Enter a whole number.")
            elif n < 0:
                errors[field] = gettext("A count cannot be negative.")
            elif n > MAX_COUNT_PER_CELL:
                errors[field] = gettext(
                    "More than %(MAX_COUNT_PER_CELL)s scars in one cell: check the count."
                ) % {"MAX_COUNT_PER_CELL": MAX_COUNT_PER_CELL}
            elif n:
                cleaned.setdefault(region, {})[morphology] = n
    if errors:
        raise ValidationError(errors)
    return cleaned


def _area(value: Any) -> Decimal:
    try:
        area = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as exc:
        raise ValidationError(
            {"keloid_area_cm2": gettext("Enter an area in cm², e.g. 2.5.")}
        ) from exc
    if not area.is_finite() or area < 0 or area > Decimal("9999"):
        raise ValidationError(
            {"keloid_area_cm2": gettext("The area must be between 0 and 9999 cm².")}
        )
    return area.quantize(Decimal("0.01"))


def compute_scores(
    findings: Findings, keloid_area_cm2: Decimal, hypertrophic_over_two_years: bool
) -> ScaleScores:
    """Both quantitative scores (Goodman & Baron, ECCA) for a set of region findings."""
    try:
        return scores_from_findings(
            findings,
            float(keloid_area_cm2),
            hypertrophic_over_two_years=hypertrophic_over_two_years,
        )
    except ValueError as exc:
        raise ValidationError({"findings": str(exc)}) from exc


def _validate_visit(patient: Patient, visit_date: date) -> None:
    if visit_date > timezone.localdate():
        raise ValidationError({"visit_date": gettext("The visit date cannot be in the future.")})
    if visit_date < patient.date_of_birth:
        raise ValidationError(
            {"visit_date": gettext("The visit date is before the patient's birth.")}
        )


def _grade(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(QualitativeGrade(int(value)))
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"qualitative_grade": gettext("Choose a grade from 1 to 4.")}
        ) from exc


def _fitzpatrick(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"fitzpatrick": gettext("Choose a skin type from I to VI.")}) from exc
    if not 1 <= number <= 6:
        raise ValidationError({"fitzpatrick": gettext("Choose a skin type from I to VI.")})
    return number


@transaction.atomic
def assessment_save(
    *,
    patient: Patient,
    by: User,
    visit_date: date,
    findings: Findings,
    qualitative_grade: int | None = None,
    fitzpatrick: int | None = None,
    active_acne: bool = False,
    texture_notes: str = "",
    keloid_area_cm2: Any = 0,
    hypertrophic_over_two_years: bool = False,
    assessment: ScarAssessment | None = None,
    sign: bool = False,
) -> ScarAssessment:
    """Create an assessment, or replace a draft's content; sign it at once if asked."""
    _require(by, patient.clinic_id, Perm.ASSESSMENT_RECORD)
    if assessment is not None:
        assessment = ScarAssessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.patient_id != patient.pk:
            raise ValidationError(
                {"assessment": gettext("This assessment belongs to another patient.")}
            )
        if assessment.status != AssessmentStatus.DRAFT:
            raise ValidationError(
                {
                    "assessment": gettext(
                        "A signed assessment cannot change: add an addendum instead."
                    )
                }
            )
    _validate_visit(patient, visit_date)
    refuse_control_characters({"texture_notes": texture_notes})
    cleaned = clean_findings(findings)
    area = _area(keloid_area_cm2)
    scores = compute_scores(cleaned, area, hypertrophic_over_two_years)
    values = {
        "visit_date": visit_date,
        "qualitative_grade": _grade(qualitative_grade),
        "fitzpatrick": _fitzpatrick(fitzpatrick),
        "active_acne": active_acne,
        "texture_notes": texture_notes.strip(),
        "keloid_area_cm2": area,
        "hypertrophic_over_two_years": hypertrophic_over_two_years,
        "goodman_baron_score": scores.goodman_baron,
        "ecca_score": scores.ecca,
        "scale_versions": dict(scores.versions),
    }
    created = assessment is None
    if assessment is None:
        assessment = ScarAssessment.objects.create(patient=patient, assessed_by=by, **values)
    else:
        for field, value in values.items():
            setattr(assessment, field, value)
        assessment.save()
        assessment.findings.all().delete()
    RegionFinding.objects.bulk_create(
        RegionFinding(assessment=assessment, region=region, morphology=morphology, count=n)
        for region, counts in cleaned.items()
        for morphology, n in counts.items()
    )
    audit_object(
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=assessment,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=by,
        detail={"goodman_baron": scores.goodman_baron, "ecca": scores.ecca},
    )
    if sign:
        assessment = assessment_sign(assessment=assessment, by=by)
    return assessment


@transaction.atomic
def assessment_sign(*, assessment: ScarAssessment, by: User) -> ScarAssessment:
    """Sign a draft. From then on it is a record: corrections are addenda."""
    locked = (
        ScarAssessment.objects.select_for_update().select_related("patient").get(pk=assessment.pk)
    )
    _require(by, locked.patient.clinic_id, Perm.ASSESSMENT_RECORD)
    if locked.status == AssessmentStatus.SIGNED:
        raise ValidationError({"assessment": gettext("This assessment is already signed.")})
    if locked.qualitative_grade is None:
        # The qualitative grade is the clinician's own judgement (Goodman & Baron 2006):
        # a signed assessment must carry it.
        raise ValidationError(
            {"qualitative_grade": gettext("Give the qualitative grade before signing.")}
        )
    locked.status = AssessmentStatus.SIGNED
    locked.signed_at = timezone.now()
    locked.signed_by = by
    locked.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    audit_object(
        action=AuditAction.SIGN,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        actor=by,
    )
    return locked


@transaction.atomic
def assessment_add_addendum(
    *,
    assessment: ScarAssessment,
    by: User,
    note: str,
    corrected_findings: Findings | None = None,
    corrected_keloid_area_cm2: Any = None,
    corrected_grade: int | None = None,
) -> AssessmentAddendum:
    """Add a note or a correction to a signed assessment; the signed original is kept."""
    locked = (
        ScarAssessment.objects.select_for_update().select_related("patient").get(pk=assessment.pk)
    )
    _require(by, locked.patient.clinic_id, Perm.ASSESSMENT_RECORD)
    if locked.status != AssessmentStatus.SIGNED:
        raise ValidationError(
            {"assessment": gettext("A draft is edited directly; addenda are for signed ones.")}
        )
    if not note.strip():
        raise ValidationError({"note": gettext("Say what the addendum corrects or adds.")})
    refuse_control_characters({"note": note})
    addendum = AssessmentAddendum(
        assessment=locked,
        written_by=by,
        written_at=timezone.now(),
        note=note.strip(),
        corrected_grade=_grade(corrected_grade),
    )
    if corrected_findings is not None or corrected_keloid_area_cm2 not in (None, ""):
        findings = (
            clean_findings(corrected_findings)
            if corrected_findings is not None
            else _findings_of(locked)
        )
        area = (
            _area(corrected_keloid_area_cm2)
            if corrected_keloid_area_cm2 not in (None, "")
            else locked.keloid_area_cm2
        )
        scores = compute_scores(findings, area, locked.hypertrophic_over_two_years)
        addendum.corrected_findings = findings
        addendum.corrected_keloid_area_cm2 = area
        addendum.goodman_baron_score = scores.goodman_baron
        addendum.ecca_score = scores.ecca
        addendum.scale_versions = dict(scores.versions)
    addendum.save()
    audit_object(
        action=AuditAction.CREATE,
        obj=addendum,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        actor=by,
        detail={
            "assessment": locked.pk,
            "corrects_counts": addendum.corrected_findings is not None,
        },
    )
    return addendum


def _findings_of(assessment: ScarAssessment) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for finding in assessment.findings.all():
        result.setdefault(finding.region, {})[finding.morphology] = finding.count
    return result


@transaction.atomic
def pro_record(
    *,
    patient: Patient,
    instrument: Instrument,
    by: User,
    visit_date: date,
    answers: Mapping[str, object],
    source: str = ReportSource.CLINIC,
) -> PatientReportedOutcome:
    """Store and score one completed questionnaire. In the clinic it needs PRO_RECORD; from
    the portal the patient may answer only for their own record."""
    if source == ReportSource.PORTAL:
        if patient.portal_user_id != by.pk:
            raise ValidationError({"patient": gettext("You can answer only for your own record.")})
    else:
        _require(by, patient.clinic_id, Perm.PRO_RECORD)
    if not instrument.is_active or instrument.clinic_id not in (None, patient.clinic_id):
        raise ValidationError({"instrument": gettext("This questionnaire is not available here.")})
    _validate_visit(patient, visit_date)
    try:
        score = score_answers(instrument.items, answers, instrument.scoring)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationError({"answers": str(exc)}) from exc
    response = PatientReportedOutcome.objects.create(
        patient=patient,
        instrument=instrument,
        visit_date=visit_date,
        answers=dict(answers),
        score=score,
        source=source,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    audit_object(
        action=AuditAction.CREATE,
        obj=response,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=by,
        detail={"instrument": instrument.code, "source": source},
    )
    return response
