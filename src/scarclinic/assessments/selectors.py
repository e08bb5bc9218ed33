"""Reads of assessments, scoped through the patient's clinic."""

from __future__ import annotations

from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.clinical.morphology import Morphology, QualitativeGrade
from scarclinic.clinical.profile import ScarProfile
from scarclinic.patients.models import Patient


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
    counts: dict[Morphology, int] = {}
    corrected = next(
        (a for a in reversed(list(assessment.addenda.all())) if a.corrected_findings), None
    )
    if corrected is not None:
        for per_region in corrected.corrected_findings.values():
            for morphology, n in per_region.items():
                counts[Morphology(morphology)] = counts.get(Morphology(morphology), 0) + int(n)
    else:
        for finding in assessment.findings.all():
            m = Morphology(finding.morphology)
            counts[m] = counts.get(m, 0) + finding.count
    grade = next(
        (a.corrected_grade for a in reversed(list(assessment.addenda.all())) if a.corrected_grade),
        assessment.qualitative_grade,
    )
    gb = corrected.goodman_baron_score if corrected else assessment.goodman_baron_score
    ecca = corrected.ecca_score if corrected else assessment.ecca_score
    return ScarProfile(
        counts=counts,
        grade=QualitativeGrade(grade) if grade else None,
        active_acne_at_exam=assessment.active_acne,
        assessed_on=assessment.visit_date,
        goodman_baron_total=gb,
        ecca_total=ecca,
    )


def latest_profile(*, patient: Patient) -> ScarProfile | None:
    """The scar profile of the patient's latest signed assessment, or None if none is signed."""
    assessment = latest_signed_assessment(patient=patient)
    return assessment_profile(assessment) if assessment else None
