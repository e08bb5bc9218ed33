"""Reads of assessments, scoped through the patient's clinic."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.face_map import trend_points
from scarclinic.assessments.models import (
    AssessmentAddendum,
    AssessmentStatus,
    Instrument,
    PatientReportedOutcome,
    ScarAssessment,
)
from scarclinic.assessments.vocabulary import SCALE_NAMES
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.morphology import Morphology, QualitativeGrade
from scarclinic.clinical.profile import ScarProfile
from scarclinic.clinical.scales import ECCA_MAX, GOODMAN_BARON_MAX
from scarclinic.patients.models import Patient
from scarclinic.patients.selectors import PatientNotFound


def latest_signed_assessment(*, patient: Patient) -> ScarAssessment | None:
    """The most recent signed assessment of a patient (the caller has checked access)."""
    return (
        ScarAssessment.objects.filter(patient=patient, status=AssessmentStatus.SIGNED)
        .prefetch_related("findings", "addenda")
        .order_by("-visit_date", "-id")
        .first()
    )


def assessment_profile(assessment: ScarAssessment) -> ScarProfile:
    """What screening and recommendation need from an assessment, corrections applied."""
    correction = _latest_count_correction(assessment)
    grid = (
        correction.corrected_findings
        if correction is not None and correction.corrected_findings is not None
        else findings_grid(assessment)
    )
    counts: dict[Morphology, int] = {}
    for per_region in grid.values():
        for morphology, n in per_region.items():
            counts[Morphology(morphology)] = counts.get(Morphology(morphology), 0) + int(n)
    scores = effective_scores(assessment)
    return ScarProfile(
        counts=counts,
        grade=QualitativeGrade(scores.grade) if scores.grade else None,
        active_acne_at_exam=assessment.active_acne,
        assessed_on=assessment.visit_date,
        goodman_baron_total=scores.goodman_baron,
        ecca_total=scores.ecca,
    )


def latest_profile(*, patient: Patient) -> ScarProfile | None:
    """The scar profile of the patient's latest signed assessment, or None if none is signed."""
    assessment = latest_signed_assessment(patient=patient)
    return assessment_profile(assessment) if assessment else None


@dataclass(frozen=True)
class EffectiveScores:
    """An assessment's scores as they stand: the signed values, or the latest correction."""

    goodman_baron: int | None
    ecca: int | None
    grade: int | None
    corrected: bool


def _latest_count_correction(assessment: ScarAssessment) -> AssessmentAddendum | None:
    """The newest addendum that corrected the counts (an empty correction counts too)."""
    return next(
        (a for a in reversed(list(assessment.addenda.all())) if a.corrected_findings is not None),
        None,
    )


def effective_scores(assessment: ScarAssessment) -> EffectiveScores:
    counts = _latest_count_correction(assessment)
    grade = next(
        (a.corrected_grade for a in reversed(list(assessment.addenda.all())) if a.corrected_grade),
        None,
    )
    return EffectiveScores(
        goodman_baron=counts.goodman_baron_score if counts else assessment.goodman_baron_score,
        ecca=counts.ecca_score if counts else assessment.ecca_score,
        grade=grade or assessment.qualitative_grade,
        corrected=counts is not None or grade is not None,
    )


def assessment_for_user(
    *, user: User | AnonymousUser, pk: int, perm: Perm = Perm.ASSESSMENT_VIEW
) -> ScarAssessment:
    """One assessment with its findings and addenda, if the user may see its patient; audited."""
    assessment = (
        ScarAssessment.objects.select_related(
            "patient", "patient__clinic", "assessed_by", "signed_by"
        )
        .prefetch_related("findings", "addenda__written_by")
        .filter(pk=pk, patient__clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if assessment is None:
        raise PatientNotFound("No such assessment.")
    audit_record(
        action=AuditAction.READ,
        object_type="assessments.scarassessment",
        object_id=assessment.pk,
        patient_id=assessment.patient_id,
        clinic_id=assessment.patient.clinic_id,
    )
    return assessment


@dataclass(frozen=True)
class ScaleVersion:
    name: str  # in the active language; the stored key when the scale is not known here
    version: str  # "GB-Q 2006", "scarclinic-1": a code, the same in every language
    known: bool


def scale_versions(assessment: ScarAssessment) -> list[ScaleVersion]:
    """The scale versions an assessment was scored with, each under its readable name."""
    return [
        ScaleVersion(str(SCALE_NAMES[key]), str(version), True)
        if key in SCALE_NAMES
        else ScaleVersion(key, str(version), False)
        for key, version in assessment.scale_versions.items()
    ]


def findings_grid(assessment: ScarAssessment) -> dict[str, dict[str, int]]:
    grid: dict[str, dict[str, int]] = {}
    for finding in assessment.findings.all():
        grid.setdefault(finding.region, {})[finding.morphology] = finding.count
    return grid


@dataclass(frozen=True)
class AssessmentRow:
    assessment: ScarAssessment
    scores: EffectiveScores


@dataclass(frozen=True)
class AssessmentHistory:
    rows: list[AssessmentRow]  # newest first
    responses: list[PatientReportedOutcome]
    gb_trend: str
    ecca_trend: str


def assessment_history(*, patient: Patient) -> AssessmentHistory:
    """The chart's assessment section: every assessment with its standing scores, the trends
    and the patient-reported outcomes, in a fixed number of queries (caller checked access)."""
    assessments = list(
        ScarAssessment.objects.filter(patient=patient)
        .select_related("assessed_by")
        .prefetch_related("addenda")
        .order_by("-visit_date", "-id")
    )
    rows = [AssessmentRow(a, effective_scores(a)) for a in assessments]
    signed = [r for r in reversed(rows) if r.assessment.status == AssessmentStatus.SIGNED]
    responses = list(
        PatientReportedOutcome.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("-visit_date", "-id")[:20]
    )
    return AssessmentHistory(
        rows=rows,
        responses=responses,
        gb_trend=trend_points([r.scores.goodman_baron for r in signed], GOODMAN_BARON_MAX),
        ecca_trend=trend_points([r.scores.ecca for r in signed], ECCA_MAX),
    )


def instruments_for(*, clinic_id: int) -> list[Instrument]:
    return list(
        Instrument.objects.filter(is_active=True)
        .filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id))
        .order_by("clinic_id", "name")
    )
