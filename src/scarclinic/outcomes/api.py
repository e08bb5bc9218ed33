"""Adverse events over HTTP, with the web UI's permissions. Mounted at /api/v1/adverse-events.

List a patient's events, read one, record one, update (assess) one. Patients and events are
fetched through the selectors, so another clinic's record answers 404 like a missing one.
Bad input is a 422 naming the field, and nothing is saved."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from scarclinic.accounts.access import api_user
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.biologics.models import ProductUnit
from scarclinic.outcomes import selectors, services
from scarclinic.outcomes.models import AdverseEvent, AdverseEventOutcome
from scarclinic.patients.models import Patient
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.models import ProcedureRecord

router = Router(tags=["adverse events"])


class AdverseEventOut(Schema):
    id: int
    patient_id: int
    clinic_id: int
    status: str
    source: str
    onset_on: date
    category: str
    description: str
    severity: int | None
    serious: bool
    procedure_id: int | None
    product_unit_id: int | None
    lot_id: int | None = Field(None, description="The product unit's collection (its lot)")
    modality: str
    relatedness: str
    action_taken: str
    outcome: str
    resolved_on: date | None
    reported_at: datetime
    updated_at: datetime
    reviewed_at: datetime | None
    review_note: str
    awaits_review: bool


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class AdverseEventIn(_Strict):
    patient_id: int
    onset_on: date
    description: str = Field(..., max_length=5000)
    category: str
    severity: int
    serious: bool = False
    procedure_id: int | None = None
    product_unit_id: int | None = None
    modality: str = ""
    relatedness: str = ""
    action_taken: str = Field("", max_length=5000)
    outcome: str = AdverseEventOutcome.ONGOING
    resolved_on: date | None = None


class AdverseEventPatch(_Strict):
    onset_on: date | None = None
    description: str | None = Field(None, max_length=5000)
    category: str | None = None
    severity: int | None = None
    serious: bool | None = None
    procedure_id: int | None = None
    product_unit_id: int | None = None
    modality: str | None = None
    relatedness: str | None = None
    action_taken: str | None = Field(None, max_length=5000)
    outcome: str | None = None
    resolved_on: date | None = None


class ListParams(Schema):
    patient_id: int


def _out(event: AdverseEvent) -> dict[str, Any]:
    data = {
        name: getattr(event, name) for name in AdverseEventOut.model_fields if hasattr(event, name)
    }
    data["lot_id"] = event.product_unit.collection_id if event.product_unit is not None else None
    data["awaits_review"] = event.awaits_review
    return data


def _procedure(patient: Patient, procedure_id: int | None) -> ProcedureRecord | None:
    if procedure_id is None:
        return None
    record = (
        ProcedureRecord.objects.select_related("product_administration__product")
        .filter(pk=procedure_id, patient=patient)
        .first()
    )
    if record is None:
        raise ValidationError({"procedure_id": gettext("No such procedure of this patient.")})
    return record


def _unit(patient: Patient, unit_id: int | None) -> ProductUnit | None:
    if unit_id is None:
        return None
    unit = (
        ProductUnit.objects.select_related("administration", "collection")
        .filter(pk=unit_id, administration__patient=patient)
        .first()
    )
    if unit is None:
        raise ValidationError(
            {"product_unit_id": gettext("No cell product unit given to this patient has that id.")}
        )
    return unit


@router.get("", response=list[AdverseEventOut], summary="A patient's adverse events")
def list_events(request: HttpRequest, params: Query[ListParams]) -> list[dict[str, Any]]:
    user = api_user(request, Perm.ADVERSE_EVENT_VIEW)
    patient = patient_for_user(
        user=user, patient_id=params.patient_id, perm=Perm.ADVERSE_EVENT_VIEW, audit=False
    )
    events = selectors.adverse_events_of_patient(patient=patient)
    audit_record(
        action=AuditAction.LIST,
        object_type="outcomes.adverseevent",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"shown": [e.pk for e in events], "kind": "api"},
    )
    return [_out(e) for e in events]


@router.get("/{int:event_id}", response=AdverseEventOut, summary="One adverse event")
def get_event(request: HttpRequest, event_id: int) -> dict[str, Any]:
    user = api_user(request, Perm.ADVERSE_EVENT_VIEW)
    return _out(selectors.adverse_event_for_user(user=user, event_id=event_id))


@router.post("", response={201: AdverseEventOut}, summary="Record an adverse event")
def create_event(request: HttpRequest, body: AdverseEventIn) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.ADVERSE_EVENT_RECORD)
    patient = patient_for_user(
        user=user, patient_id=body.patient_id, perm=Perm.ADVERSE_EVENT_RECORD
    )
    event = services.adverse_event_record(
        patient=patient,
        by=user,
        assessment=services.Assessment(
            onset_on=body.onset_on,
            description=body.description,
            category=body.category,
            severity=body.severity,
            serious=body.serious,
            procedure=_procedure(patient, body.procedure_id),
            product_unit=_unit(patient, body.product_unit_id),
            modality=body.modality,
            relatedness=body.relatedness,
            action_taken=body.action_taken,
            outcome=body.outcome,
            resolved_on=body.resolved_on,
        ),
    )
    return Status(201, _out(selectors._events().get(pk=event.pk)))


@router.patch(
    "/{int:event_id}",
    response=AdverseEventOut,
    summary="Update or assess an adverse event (a patient's draft is recorded once graded)",
)
def update_event(request: HttpRequest, event_id: int, body: AdverseEventPatch) -> dict[str, Any]:
    user = api_user(request, Perm.ADVERSE_EVENT_RECORD)
    event = selectors.adverse_event_for_user(
        user=user, event_id=event_id, perm=Perm.ADVERSE_EVENT_RECORD
    )
    given = body.model_dump(exclude_unset=True)
    patient = event.patient
    procedure = (
        _procedure(patient, given["procedure_id"]) if "procedure_id" in given else event.procedure
    )
    unit = (
        _unit(patient, given["product_unit_id"])
        if "product_unit_id" in given
        else event.product_unit
    )
    current: dict[str, Any] = {
        "onset_on": event.onset_on,
        "description": event.description,
        "category": event.category,
        "severity": event.severity,
        "serious": event.serious,
        "modality": event.modality,
        "relatedness": event.relatedness,
        "action_taken": event.action_taken,
        "outcome": event.outcome,
        "resolved_on": event.resolved_on,
    }
    # null clears what may be empty (the grade of a draft, the resolution date); for the
    # other fields null means "unchanged".
    nullable = {"severity", "resolved_on"}
    for name, value in given.items():
        if name in current and (value is not None or name in nullable):
            current[name] = value
    if "procedure_id" in given and "modality" not in given:
        current["modality"] = ""  # follows the new procedure
    event = services.adverse_event_update(
        event=event,
        by=user,
        assessment=services.Assessment(procedure=procedure, product_unit=unit, **current),
    )
    return _out(selectors._events().get(pk=event.pk))
