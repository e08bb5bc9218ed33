"""Treatment plans, appointments and procedure records over HTTP, with the web UI's
permissions. Mounted at /api/v1/treatments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status

from scarclinic.accounts.access import api_user, clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.models import (
    HOLDING_STATUSES,
    NONE_YET,
    Appointment,
    Device,
    ProcedureRecord,
    Room,
    SharedDecision,
    TreatmentPlan,
)
from scarclinic.treatments.plan_schemas import (
    AppointmentOut,
    BookIn,
    BookingOut,
    CancelIn,
    DetailsIn,
    MoveIn,
    PlanIn,
    PlanOut,
    PlanStatusIn,
    ProcedureOut,
    SlotOut,
)
from scarclinic.treatments.selectors import plans as plan_selectors
from scarclinic.treatments.selectors import scheduling as scheduling_selectors
from scarclinic.treatments.selectors.procedures import record_for_user
from scarclinic.treatments.services import plans as plan_services
from scarclinic.treatments.services import procedures as procedure_services
from scarclinic.treatments.services import scheduling as scheduling_services

router = Router(tags=["treatments"])


def plan_out(plan: TreatmentPlan) -> dict[str, Any]:
    page_rows = plan_selectors.session_rows(plan)
    modalities = list(plan.modalities.order_by("position", "id"))
    estimate = plan_selectors.plan_estimate(plan=plan, modalities=modalities)
    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "decision_id": plan.decision_id,
        "assessment_id": plan.assessment_id,
        "goal": plan.goal,
        "start_date": plan.start_date,
        "status": plan.status,
        "stop_reason": plan.stop_reason,
        "prescriber_id": plan.prescriber_id,
        "created_at": plan.created_at,
        "modalities": [
            {
                "modality": pm.modality,
                "label": pm.label,
                "sessions": pm.sessions,
                "interval_value": pm.interval_value if pm.sessions > 1 else None,
                "interval_unit": pm.interval_unit,
                "first_offset_days": pm.first_offset_days,
                "default_sessions": pm.default_sessions,
                "default_interval_value": pm.default_interval_value,
                "protocol": pm.protocol_wording,
                "protocol_source": pm.protocol_source,
                "changed_from_default": pm.differs_from_default,
            }
            for pm in modalities
        ],
        "sessions": [
            {
                "id": r.session.pk,
                "modality": r.session.plan_modality.modality,
                "number": r.session.number,
                "target_date": r.session.target_date,
                "status": r.session.status,
                "appointment_id": r.appointment.pk if r.appointment else None,
                "starts_at": r.appointment.starts_at if r.appointment else None,
            }
            for r in page_rows
        ],
        "estimate": estimate.as_data(),
        "accepted_estimate": plan.accepted_estimate,
    }


@router.get(
    "/patients/{int:patient_id}/plans", response=list[PlanOut], summary="Plans of a patient"
)
def list_plans(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    api_user(request, Perm.PLAN_VIEW)
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PLAN_VIEW)
    return [plan_out(p) for p in plan_selectors.plans_for_patient(patient=patient)]


@router.post(
    "/patients/{int:patient_id}/plans", response={201: PlanOut}, summary="Make a treatment plan"
)
def create_plan(request: HttpRequest, patient_id: int, body: PlanIn) -> Status[dict[str, Any]]:
    """From a shared decision (``decision_id``) the treatments default to the option chosen;
    sessions and intervals left out take the catalogue's defaults (clinical reference §9)."""
    user = api_user(request, Perm.PLAN_PRESCRIBE)
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.PLAN_PRESCRIBE, audit=False
    )
    decision = None
    if body.decision_id is not None:
        decision = (
            SharedDecision.objects.filter(pk=body.decision_id, patient=patient)
            .exclude(chosen_option=NONE_YET)
            .first()
        )
        if decision is None:
            raise ValidationError({"decision_id": gettext("No such decision of this patient.")})
    choices = (
        [
            plan_services.ModalityChoice(
                modality=m.modality,
                sessions=m.sessions,
                interval_value=m.interval_value,
                interval_unit=m.interval_unit,
                first_offset_days=m.first_offset_days,
            )
            for m in body.modalities
        ]
        if body.modalities
        else None
    )
    plan = plan_services.plan_create(
        patient=patient,
        by=user,
        goal=body.goal,
        start_date=body.start_date,
        modalities=choices,
        decision=decision,
        reason=body.reason,
    )
    return Status(201, plan_out(plan))


@router.get("/plans/{int:plan_id}", response=PlanOut, summary="One plan")
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    api_user(request, Perm.PLAN_VIEW)
    return plan_out(plan_selectors.plan_for_user(user=request.user, plan_id=plan_id))


@router.post("/plans/{int:plan_id}/status", response=PlanOut, summary="Change a plan's status")
def set_plan_status(request: HttpRequest, plan_id: int, body: PlanStatusIn) -> dict[str, Any]:
    """proposed -> accepted -> active -> completed; any open plan -> stopped (with a reason)."""
    user = api_user(request, Perm.PLAN_PRESCRIBE)
    plan = plan_selectors.plan_for_user(
        user=request.user, plan_id=plan_id, perm=Perm.PLAN_PRESCRIBE, audit=False
    )
    plan = plan_services.plan_set_status(plan=plan, by=user, status=body.status, reason=body.reason)
    return plan_out(plan)


class RangeParams(Schema):
    start: date | None = None
    days: int = 7
    clinician_id: int | None = None
    room_id: int | None = None
    clinic_id: int | None = None


def _clinic_id(request: HttpRequest, clinic_id: int | None) -> int:
    allowed = clinic_ids_with(request.user, Perm.SCHEDULE_VIEW)
    if clinic_id is not None:
        if clinic_id not in allowed:
            raise plan_selectors.PlanNotFound("No such clinic.")
        return clinic_id
    active = getattr(request, "clinic", None)
    if active is not None and active.pk in allowed:
        return int(active.pk)
    if len(allowed) == 1:
        return allowed[0]
    raise ValidationError({"clinic_id": gettext("You work in several clinics: say which.")})


@router.get("/appointments", response=list[AppointmentOut], summary="Appointments in a range")
def list_appointments(request: HttpRequest, params: Query[RangeParams]) -> list[Appointment]:
    """A clinic's appointments holding time from ``start`` (default today) for ``days`` days
    (1-31), for one clinician or room if named."""
    api_user(request, Perm.SCHEDULE_VIEW)
    clinic_id = _clinic_id(request, params.clinic_id)
    if not 1 <= params.days <= 31:
        raise ValidationError({"days": gettext("From 1 to 31 days.")})
    tz = timezone.get_current_timezone()
    start = datetime.combine(params.start or timezone.localdate(), time.min, tzinfo=tz)
    qs = Appointment.objects.filter(
        clinic_id=clinic_id,
        status__in=HOLDING_STATUSES,
        starts_at__lt=start + timedelta(days=params.days),
        ends_at__gt=start,
    )
    if params.clinician_id is not None:
        qs = qs.filter(clinician_id=params.clinician_id)
    if params.room_id is not None:
        qs = qs.filter(room_id=params.room_id)
    rows = list(qs.order_by("starts_at", "id"))
    if rows:
        from scarclinic.audit.models import AuditAction
        from scarclinic.audit.services import audit_record

        audit_record(
            action=AuditAction.LIST,
            object_type="treatments.appointment",
            clinic_id=clinic_id,
            detail={"shown": sorted({a.patient_id for a in rows}), "kind": "api"},
        )
    return rows


@router.get(
    "/sessions/{int:session_id}/slots", response=list[SlotOut], summary="Free slots for a session"
)
def session_slots(request: HttpRequest, session_id: int) -> list[dict[str, Any]]:
    """The first free times from the session's earliest allowed day (its target date, not
    sooner than the protocol minimum after the previous session) in opening hours."""
    api_user(request, Perm.SCHEDULE_VIEW)
    session = plan_selectors.session_for_user(
        user=request.user, session_id=session_id, perm=Perm.SCHEDULE_VIEW
    )
    slots = scheduling_selectors.free_slots(
        clinic_id=session.plan.patient.clinic_id,
        modality=Modality(session.plan_modality.modality),
        on_or_after=scheduling_selectors.earliest_day_for(session),
    )
    return [
        {
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "clinician_id": s.clinician.pk,
            "room_id": s.room.pk,
            "device_id": s.device.pk if s.device else None,
        }
        for s in slots
    ]


def _booking_out(booking: scheduling_services.Booking) -> dict[str, Any]:
    return {
        "appointment": booking.appointment,
        "warnings": booking.warnings,
        "moved_ids": [a.pk for a in booking.moved],
    }


@router.post(
    "/sessions/{int:session_id}/appointment",
    response={201: BookingOut},
    summary="Book a session",
)
def book_session(request: HttpRequest, session_id: int, body: BookIn) -> Status[dict[str, Any]]:
    """Refused (422, naming the clinician, room or device) when any of them is busy then; a
    concurrent booking of the same time is refused the same way."""
    user = api_user(request, Perm.APPOINTMENT_BOOK)
    session = plan_selectors.session_for_user(
        user=request.user, session_id=session_id, perm=Perm.APPOINTMENT_BOOK, audit=False
    )
    clinic_id = session.plan.patient.clinic_id
    clinician = User.objects.filter(pk=body.clinician_id).first()
    room = Room.objects.filter(pk=body.room_id, clinic_id=clinic_id).first()
    device = (
        Device.objects.filter(pk=body.device_id, clinic_id=clinic_id).first()
        if body.device_id is not None
        else None
    )
    errors = {}
    if clinician is None:
        errors["clinician_id"] = gettext("No such clinician.")
    if room is None:
        errors["room_id"] = gettext("No such room at this clinic.")
    if body.device_id is not None and device is None:
        errors["device_id"] = gettext("No such device at this clinic.")
    if errors:
        raise ValidationError(errors)
    assert clinician is not None and room is not None
    booking = scheduling_services.appointment_book(
        session=session,
        by=user,
        starts_at=body.starts_at,
        clinician=clinician,
        room=room,
        device=device,
        minutes=body.minutes,
    )
    return Status(201, _booking_out(booking))


@router.post(
    "/appointments/{int:appointment_id}/move", response=BookingOut, summary="Move an appointment"
)
def move_appointment(request: HttpRequest, appointment_id: int, body: MoveIn) -> dict[str, Any]:
    user = api_user(request, Perm.APPOINTMENT_BOOK)
    appointment = scheduling_selectors.appointment_for_user(
        user=request.user, appointment_id=appointment_id, perm=Perm.APPOINTMENT_BOOK, audit=False
    )
    booking = scheduling_services.appointment_move(
        appointment=appointment,
        by=user,
        starts_at=body.starts_at,
        shift_later=body.shift_later,
        reason=body.reason,
    )
    return _booking_out(booking)


@router.post(
    "/appointments/{int:appointment_id}/cancel",
    response=AppointmentOut,
    summary="Cancel an appointment",
)
def cancel_appointment(request: HttpRequest, appointment_id: int, body: CancelIn) -> Appointment:
    user = api_user(request, Perm.APPOINTMENT_BOOK)
    appointment = scheduling_selectors.appointment_for_user(
        user=request.user, appointment_id=appointment_id, perm=Perm.APPOINTMENT_BOOK, audit=False
    )
    return scheduling_services.appointment_cancel(
        appointment=appointment, by=user, reason=body.reason
    )


@router.get("/procedures/{int:record_id}", response=ProcedureOut, summary="A procedure record")
def get_procedure(request: HttpRequest, record_id: int) -> ProcedureRecord:
    api_user(request, Perm.PLAN_VIEW)
    record = record_for_user(user=request.user, record_id=record_id)
    return get_object_or_404(ProcedureRecord.objects.prefetch_related("addenda"), pk=record.pk)


@router.post(
    "/procedures/{int:record_id}/details",
    response=ProcedureOut,
    summary="Record what was done",
)
def record_details(request: HttpRequest, record_id: int, body: DetailsIn) -> ProcedureRecord:
    """``details`` follows the modality's schema (see the web form); errors name the field,
    e.g. ``sites.0.volume_ml``."""
    user = api_user(request, Perm.PROCEDURE_RECORD)
    record = record_for_user(
        user=request.user, record_id=record_id, perm=Perm.PROCEDURE_RECORD, audit=False
    )
    return procedure_services.procedure_record_details(record=record, by=user, details=body.details)


@router.post("/procedures/{int:record_id}/sign", response=ProcedureOut, summary="Sign a record")
def sign_procedure(request: HttpRequest, record_id: int) -> ProcedureRecord:
    """Only the performing clinician signs; a signed record is corrected by addenda."""
    user = api_user(request, Perm.PROCEDURE_SIGN)
    record = record_for_user(
        user=request.user, record_id=record_id, perm=Perm.PROCEDURE_SIGN, audit=False
    )
    return procedure_services.procedure_sign(record=record, by=user)
