"""Patients of the consultation tests, built with the ORM.

Signed assessments are made here directly (ScarAssessment + RegionFinding rows, signed) while
the assessment services are being written; the history goes through the patients' service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from scarclinic.accounts.models import Clinic, User
from scarclinic.assessments.models import AssessmentStatus, RegionFinding, ScarAssessment
from scarclinic.patients.models import Patient
from scarclinic.patients.services import history_record
from tests.factories import PatientFactory

# A demo-like face: ice-pick on the cheeks, rolling and boxcar scars, moderate (grade 3).
MIXED_SCARS: dict[tuple[str, str], int] = {
    ("cheek_left", "ice_pick"): 7,
    ("cheek_right", "ice_pick"): 5,
    ("cheek_left", "rolling"): 4,
    ("cheek_right", "boxcar_shallow"): 6,
    ("temple_left", "boxcar_deep"): 2,
}


def months_ago(today: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the stories use mid-month days, so no clamping)."""
    index = today.year * 12 + today.month - 1 - months
    year, month0 = divmod(index, 12)
    return dt.date(year, month0 + 1, min(today.day, 28))


def signed_assessment(
    patient: Patient,
    by: User,
    *,
    findings: Mapping[tuple[str, str], int] = MIXED_SCARS,
    grade: int | None = 3,
    visit_date: dt.date | None = None,
    active_acne: bool = False,
) -> ScarAssessment:
    """A signed scar assessment with its region findings."""
    assessment = ScarAssessment.objects.create(
        patient=patient,
        visit_date=visit_date or timezone.localdate(),
        assessed_by=by,
        status=AssessmentStatus.SIGNED,
        qualitative_grade=grade,
        active_acne=active_acne,
        signed_at=timezone.now(),
        signed_by=by,
    )
    RegionFinding.objects.bulk_create(
        RegionFinding(assessment=assessment, region=region, morphology=morphology, count=n)
        for (region, morphology), n in findings.items()
    )
    return assessment


def patient_with(
    clinic: Clinic,
    nurse: User,
    physician: User,
    *,
    assessment: bool = True,
    findings: Mapping[tuple[str, str], int] = MIXED_SCARS,
    grade: int | None = 3,
    **history: Any,
) -> Patient:
    """A patient of ``clinic`` with a history (the given fields) and a signed assessment."""
    patient = PatientFactory(clinic=clinic, date_of_birth=dt.date(1995, 6, 15))
    history_record(patient=patient, by=nurse, change_note="Intake", **history)
    if assessment:
        signed_assessment(patient, physician, findings=findings, grade=grade)
    patient.refresh_from_db()
    return patient
