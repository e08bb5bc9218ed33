"""The portal's API operations, on the patients app's portal router (/api/v1/portal/): the
signed-in patient's own appointments, and a side-effect report. Like the pages, they start
from the patient's own record and are audited."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Schema, Status

from scarclinic.accounts.access import api_user, memberships_of
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.patients.api import portal_router
from scarclinic.portal import selectors, services

__all__ = ["portal_router"]


class AppointmentOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    treatment: str
    clinic: str


class SideEffectIn(Schema):
    onset_on: date
    description: str


class SideEffectOut(Schema):
    id: int
    status: str


def _patient_user(request: HttpRequest) -> User:
    user = api_user(request)
    if not any(role_has(m.role, Perm.PORTAL_OWN) for m in memberships_of(user)):
        raise PermissionDenied
    return user


@portal_router.get(
    "/appointments", response=list[AppointmentOut], summary="My upcoming appointments (portal)"
)
def my_appointments(request: HttpRequest) -> list[dict[str, object]]:
    _, upcoming = selectors.upcoming_appointments(user=_patient_user(request))
    return [
        {
            "id": a.pk,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "treatment": a.modality_label,
            "clinic": a.clinic.name,
        }
        for a in upcoming
    ]


@portal_router.post(
    "/side-effects",
    response={201: SideEffectOut},
    summary="Report a side effect (portal): a draft for the clinic",
)
def report_side_effect(request: HttpRequest, body: SideEffectIn) -> Status[dict[str, object]]:
    user = _patient_user(request)
    patient = selectors.own_patient(user=user)
    if body.onset_on > timezone.localdate():
        raise ValidationError({"onset_on": "This date is in the future."})
    event = services.side_effect_report(
        patient=patient, by=user, onset_on=body.onset_on, description=body.description
    )
    return Status(201, {"id": event.pk, "status": event.status})
