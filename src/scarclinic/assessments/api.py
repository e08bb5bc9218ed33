"""Assessments and patient-reported outcomes over HTTP, with the web UI's permissions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Status

from scarclinic.accounts.access import api_user, clinic_ids_with
from scarclinic.accounts.roles import Perm
from scarclinic.assessments import selectors, services
from scarclinic.assessments.models import Instrument, PatientReportedOutcome, ScarAssessment
from scarclinic.assessments.schemas import (
    AddendumIn,
    AssessmentIn,
    AssessmentOut,
    InstrumentOut,
    ProIn,
    ProOut,
    ScoreIn,
    ScoreOut,
)
from scarclinic.patients.selectors import patient_for_user

router = Router(tags=["assessments"])


def _out(assessment: ScarAssessment) -> dict[str, Any]:
    return {
        **{f: getattr(assessment, f) for f in AssessmentOut.model_fields if hasattr(assessment, f)},
        "findings": selectors.findings_grid(assessment),
        "addenda": list(assessment.addenda.all()),
    }


@router.post("/score", response=ScoreOut, summary="Compute scores without saving")
def score(request: HttpRequest, body: ScoreIn) -> dict[str, Any]:
    """Goodman & Baron and ECCA for a set of region findings (nothing is stored)."""
    api_user(request, Perm.ASSESSMENT_VIEW)
    scores = services.compute_scores(
        services.clean_findings(body.findings),
        body.keloid_area_cm2,
        body.hypertrophic_over_two_years,
    )
    return {
        "goodman_baron": scores.goodman_baron,
        "ecca": scores.ecca,
        "versions": dict(scores.versions),
        "warnings": list(scores.warnings),
    }


@router.get(
    "/patient/{int:patient_id}", response=list[AssessmentOut], summary="A patient's assessments"
)
def list_assessments(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    user = api_user(request, Perm.ASSESSMENT_VIEW)
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.ASSESSMENT_VIEW)
    assessments = (
        ScarAssessment.objects.filter(patient=patient)
        .prefetch_related("findings", "addenda__written_by")
        .order_by("-visit_date", "-id")
    )
    return [_out(a) for a in assessments]


@router.post(
    "/patient/{int:patient_id}", response={201: AssessmentOut}, summary="Record an assessment"
)
def create_assessment(
    request: HttpRequest, patient_id: int, body: AssessmentIn
) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.ASSESSMENT_RECORD)
    patient = patient_for_user(
        user=user, patient_id=patient_id, perm=Perm.ASSESSMENT_RECORD, audit=False
    )
    data = body.dict()
    assessment = services.assessment_save(patient=patient, by=user, **data)
    return Status(201, _out(selectors.assessment_for_user(user=user, pk=assessment.pk)))


@router.get("/{int:assessment_id}", response=AssessmentOut, summary="An assessment")
def get_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    user = api_user(request, Perm.ASSESSMENT_VIEW)
    return _out(selectors.assessment_for_user(user=user, pk=assessment_id))


@router.post("/{int:assessment_id}/sign", response=AssessmentOut, summary="Sign a draft")
def sign_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    user = api_user(request, Perm.ASSESSMENT_RECORD)
    assessment = selectors.assessment_for_user(
        user=user, pk=assessment_id, perm=Perm.ASSESSMENT_RECORD
    )
    services.assessment_sign(assessment=assessment, by=user)
    return _out(selectors.assessment_for_user(user=user, pk=assessment_id))


@router.post(
    "/{int:assessment_id}/addenda", response={201: AssessmentOut}, summary="Add an addendum"
)
def add_addendum(
    request: HttpRequest, assessment_id: int, body: AddendumIn
) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.ASSESSMENT_RECORD)
    assessment = selectors.assessment_for_user(
        user=user, pk=assessment_id, perm=Perm.ASSESSMENT_RECORD
    )
    services.assessment_add_addendum(assessment=assessment, by=user, **body.dict())
    return Status(201, _out(selectors.assessment_for_user(user=user, pk=assessment_id)))


@router.get("/instruments", response=list[InstrumentOut], summary="Questionnaires available")
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request, Perm.ASSESSMENT_VIEW)
    seen: dict[int, Instrument] = {}
    for clinic_id in clinic_ids_with(user, Perm.ASSESSMENT_VIEW):
        for instrument in selectors.instruments_for(clinic_id=clinic_id):
            seen[instrument.pk] = instrument
    return [
        {
            **{f: getattr(i, f) for f in ("id", "code", "name", "description", "items", "scoring")},
            "builtin": i.clinic_id is None,
        }
        for i in seen.values()
    ]


@router.get(
    "/patient/{int:patient_id}/questionnaires",
    response=list[ProOut],
    summary="Patient-reported outcomes",
)
def list_pro(request: HttpRequest, patient_id: int) -> list[PatientReportedOutcome]:
    user = api_user(request, Perm.ASSESSMENT_VIEW)
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.ASSESSMENT_VIEW)
    return list(
        PatientReportedOutcome.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("-visit_date", "-id")
    )


@router.post(
    "/patient/{int:patient_id}/questionnaires", response={201: ProOut}, summary="Record answers"
)
def record_pro(
    request: HttpRequest, patient_id: int, body: ProIn
) -> Status[PatientReportedOutcome]:
    user = api_user(request, Perm.PRO_RECORD)
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.PRO_RECORD, audit=False)
    instrument = Instrument.objects.filter(pk=body.instrument_id).first()
    if instrument is None:
        raise ValidationError({"instrument_id": gettext("No such questionnaire.")})
    response = services.pro_record(
        patient=patient,
        instrument=instrument,
        by=user,
        visit_date=body.visit_date,
        answers=body.answers,
    )
    return Status(201, response)
