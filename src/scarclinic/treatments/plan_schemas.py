"""Request and response bodies of the treatments API (plans, appointments, procedures)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from scarclinic.clinical.evidence import Modality
from scarclinic.treatments.schemas import StrictSchema


class ModalityIn(StrictSchema):
    modality: Modality
    sessions: int | None = Field(None, description="Left out: the catalogue's default")
    interval_value: int | None = None
    interval_unit: Literal["weeks", "months"] | None = None
    first_offset_days: int = 0


class PlanIn(StrictSchema):
    goal: str = Field(..., max_length=2000)
    start_date: date
    decision_id: int | None = None
    modalities: list[ModalityIn] = Field(
        default_factory=list, description="Left out with a decision: the option chosen"
    )
    reason: str = Field("", max_length=500)


class PlanModalityOut(Schema):
    modality: str
    label: str
    sessions: int
    interval_value: int | None
    interval_unit: str
    first_offset_days: int
    default_sessions: int
    default_interval_value: int | None
    protocol: str
    protocol_source: str
    changed_from_default: bool


class PlanSessionOut(Schema):
    id: int
    modality: str
    number: int
    target_date: date
    status: str
    appointment_id: int | None
    starts_at: datetime | None


class PlanOut(Schema):
    id: int
    patient_id: int
    decision_id: int | None
    assessment_id: int
    goal: str
    start_date: date
    status: str
    stop_reason: str
    prescriber_id: int
    created_at: datetime
    modalities: list[PlanModalityOut]
    sessions: list[PlanSessionOut]
    estimate: dict[str, Any]
    accepted_estimate: dict[str, Any] | None


class PlanStatusIn(StrictSchema):
    status: Literal["accepted", "active", "completed", "stopped"]
    reason: str = Field("", max_length=500)


class AppointmentOut(Schema):
    id: int
    clinic_id: int
    patient_id: int
    session_id: int | None
    modality: str
    clinician_id: int
    room_id: int
    device_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str


class BookIn(StrictSchema):
    starts_at: datetime = Field(..., description="With a time zone offset")
    clinician_id: int
    room_id: int
    device_id: int | None = None
    minutes: int | None = Field(None, description="Left out: the clinic's duration")


class BookingOut(Schema):
    appointment: AppointmentOut
    warnings: list[str]
    moved_ids: list[int]


class MoveIn(StrictSchema):
    starts_at: datetime
    shift_later: bool = False
    reason: str = Field("", max_length=300)


class CancelIn(StrictSchema):
    reason: str = Field(..., max_length=300)


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    clinician_id: int
    room_id: int
    device_id: int | None


class DetailsIn(StrictSchema):
    details: dict[str, Any]


class AddendumOut(Schema):
    id: int
    written_by_id: int
    written_at: datetime
    note: str
    corrected_details: dict[str, Any] | None


class ProcedureOut(Schema):
    id: int
    session_id: int
    patient_id: int
    modality: str
    performed_on: date
    performed_by_id: int
    checklist: list[dict[str, Any]]
    checklist_by_id: int
    checklist_at: datetime
    details: dict[str, Any]
    status: str
    signed_at: datetime | None
    signed_by_id: int | None
    addenda: list[AddendumOut]
