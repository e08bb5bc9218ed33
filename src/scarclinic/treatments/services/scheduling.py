"""Writes of scheduling: book, move and cancel appointments; calendar feeds; rooms, devices
and durations.

Double booking. A clinician, a room or a device is never held by two appointments at once:
- on PostgreSQL the database refuses it: exclusion constraints over
  ``tstzrange(starts_at, ends_at)`` per clinician, room and device (migration 0003), so two
  concurrent bookings cannot both commit; the loser gets the same message as a checked clash;
- on SQLite every transaction begins IMMEDIATE (settings), which takes the database's write
  lock before the first read: the overlap check below and the insert run with no other writer
  in between.
The overlap check runs on both, first, so the message names who or what is busy."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments.models import (
    REQUIRED_DEVICE_KIND,
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    Device,
    DeviceKind,
    PlanChange,
    PlanChangeKind,
    PlanStatus,
    ProcedureDuration,
    Room,
    SessionStatus,
    TreatmentSession,
)
from scarclinic.treatments.selectors import scheduling as selectors
from scarclinic.treatments.selectors.plans import interval_warnings
from scarclinic.treatments.services import reminders
from scarclinic.treatments.services.common import require
from scarclinic.validation import refuse_control_characters

BOOKABLE_PLAN_STATUSES = (PlanStatus.ACCEPTED, PlanStatus.ACTIVE)
TAKEN_JUST_NOW = (
    "This time was taken by another booking a moment ago: choose another time (nothing was booked)."
)


@dataclass
class Booking:
    """What a booking or move did, with warnings that did not stop it."""

    appointment: Appointment
    warnings: list[str] = field(default_factory=list)
    moved: list[Appointment] = field(default_factory=list)


def _when(a: Appointment) -> str:
    start = timezone.localtime(a.starts_at)
    return f"{start:%Y-%m-%d %H:%M}-{timezone.localtime(a.ends_at):%H:%M}"


def _clash_errors(found: dict[str, Appointment], prefix: str = "") -> dict[str, str]:
    errors = {}
    for resource, a in found.items():
        who = {
            "clinician": a.clinician.get_full_name() or a.clinician.get_username(),
            "room": a.room.name,
            "device": a.device.name if a.device else "",
        }[resource]
        errors[resource] = gettext("%(prefix)s%(who)s is booked %(when)s.") % {
            "prefix": prefix,
            "who": who,
            "when": _when(a),
        }
    return errors


def _check_resources(
    *,
    clinic_id: int,
    modality: Modality,
    clinician: User,
    room: Room,
    device: Device | None,
) -> dict[str, str]:
    errors = {}
    if not selectors.is_clinician(user=clinician, clinic_id=clinic_id):
        errors["clinician"] = gettext("Choose a physician or nurse of this clinic.")
    if room.clinic_id != clinic_id or not room.is_active:
        errors["room"] = gettext("Choose a room of this clinic in use.")
    kind = REQUIRED_DEVICE_KIND.get(modality)
    if device is not None and (device.clinic_id != clinic_id or not device.is_active):
        errors["device"] = gettext("Choose a device of this clinic in use.")
    elif kind is not None and (device is None or device.kind != kind):
        errors["device"] = gettext("%(label)s needs a %(lower)s.") % {
            "label": modality.label,
            "lower": DeviceKind(kind).label.lower(),
        }
    return errors


def _save(appointment: Appointment) -> None:
    """Insert or update in a savepoint; PostgreSQL's exclusion constraint turns a concurrent
    double booking into the same message as a checked one."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if "no_double_booking" in str(exc) or "exclusion" in str(exc).lower():
            raise ValidationError({"starts_at": TAKEN_JUST_NOW}) from exc
        raise


def _session_warnings(session: TreatmentSession, day_of: dict[int, datetime]) -> list[str]:
    """Intervals below the protocol minimum among the modality's sessions, with the days
    given in ``day_of`` (session id -> new start) taking precedence."""
    pm = session.plan_modality
    days = []
    for s in (
        TreatmentSession.objects.filter(plan_modality=pm)
        .exclude(status=SessionStatus.CANCELLED)
        .prefetch_related("appointments")
    ):
        if s.pk in day_of:
            days.append(timezone.localtime(day_of[s.pk]).date())
            continue
        live = [a for a in s.appointments.all() if a.status != AppointmentStatus.CANCELLED]
        if live:  # target dates of sessions still to book are suggestions, not bookings
            days.append(timezone.localtime(live[0].starts_at).date())
    return interval_warnings(pm, days)


@transaction.atomic
def appointment_book(
    *,
    session: TreatmentSession,
    by: User,
    starts_at: datetime,
    clinician: User,
    room: Room,
    device: Device | None = None,
    minutes: int | None = None,
) -> Booking:
    """Book a session of an accepted or active plan. Refused when the clinician, room or
    device is busy then; warns (and books) when the session comes sooner after the previous
    one than the protocol minimum."""
    session = (
        TreatmentSession.objects.select_for_update()
        .select_related("plan", "plan__patient", "plan_modality")
        .get(pk=session.pk)
    )
    patient = session.plan.patient
    require(by, patient.clinic_id, Perm.APPOINTMENT_BOOK)
    if session.plan.status not in BOOKABLE_PLAN_STATUSES:
        raise ValidationError(
            {
                "session": gettext(
                    "The plan is %(lower)s: sessions are booked once the patient has accepted it."
                )
                % {"lower": session.plan.get_status_display().lower()}
            }
        )
    if session.status != SessionStatus.PLANNED:
        raise ValidationError(
            {
                "session": gettext("This session is %(lower)s already.")
                % {"lower": session.get_status_display().lower()}
            }
        )
    modality = Modality(session.plan_modality.modality)
    errors = _check_times(starts_at, minutes)
    errors |= _check_resources(
        clinic_id=patient.clinic_id,
        modality=modality,
        clinician=clinician,
        room=room,
        device=device,
    )
    if errors:
        raise ValidationError(errors)
    length = minutes or selectors.duration_minutes(clinic_id=patient.clinic_id, modality=modality)
    ends_at = starts_at + timedelta(minutes=length)
    found = selectors.conflicts(
        clinic_id=patient.clinic_id,
        starts=starts_at,
        ends=ends_at,
        clinician_id=clinician.pk,
        room_id=room.pk,
        device_id=device.pk if device else None,
    )
    if found:
        raise ValidationError(_clash_errors(found))
    appointment = Appointment(
        clinic_id=patient.clinic_id,
        patient=patient,
        session=session,
        modality=modality.value,
        clinician=clinician,
        room=room,
        device=device,
        starts_at=starts_at,
        ends_at=ends_at,
        booked_by=by,
        booked_at=timezone.now(),
    )
    _save(appointment)
    session.status = SessionStatus.BOOKED
    session.save(update_fields=["status"])
    reminders.schedule_appointment_reminder(appointment)
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=appointment,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={
            "session": session.pk,
            "starts_at": starts_at.isoformat(),
            "clinician": clinician.pk,
            "room": room.pk,
            "device": device.pk if device else None,
        },
    )
    return Booking(appointment, _session_warnings(session, {session.pk: starts_at}))


def _check_times(starts_at: datetime, minutes: int | None) -> dict[str, str]:
    errors = {}
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = gettext("Give the date and time of the appointment.")
    elif starts_at < timezone.now() - timedelta(minutes=5):
        errors["starts_at"] = gettext("An appointment cannot start in the past.")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 720
    ):
        errors["minutes"] = gettext("From 5 to 720 minutes.")
    return errors


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    by: User,
    starts_at: datetime,
    shift_later: bool = False,
    reason: str = "",
) -> Booking:
    """Move a booked appointment to a new start (same clinician, room, device and length).

    With ``shift_later`` every later booked or planned session of the same plan moves by the
    same amount, and all moves succeed or none does. Warns when an interval falls below the
    protocol minimum; without ``shift_later`` the later sessions stay where they are."""
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "session", "session__plan", "session__plan_modality")
        .get(pk=appointment.pk)
    )
    require(by, locked.clinic_id, Perm.APPOINTMENT_BOOK)
    refuse_control_characters({"reason": reason})
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "appointment": gettext("A %(status)s appointment cannot move.")
                % {"status": locked.status}
            }
        )
    errors = _check_times(starts_at, None)
    if errors:
        raise ValidationError(errors)
    delta = starts_at - locked.starts_at
    if not delta:
        raise ValidationError({"starts_at": gettext("That is the time it has already.")})
    to_move = [locked]
    later_planned: list[TreatmentSession] = []
    if shift_later and locked.session is not None:
        plan = locked.session.plan
        later_booked = list(
            Appointment.objects.select_for_update(of=("self",))
            .filter(
                session__plan=plan,
                status=AppointmentStatus.BOOKED,
                starts_at__gt=locked.starts_at,
            )
            .exclude(pk=locked.pk)
            .select_related("clinician", "room", "device")
            .order_by("starts_at")
        )
        to_move += later_booked
        old_day = timezone.localtime(locked.starts_at).date()
        later_planned = list(
            TreatmentSession.objects.select_for_update().filter(
                plan=plan, status=SessionStatus.PLANNED, target_date__gt=old_day
            )
        )
    moving_ids = [a.pk for a in to_move]
    clashes: dict[str, str] = {}
    for a in to_move:
        found = selectors.conflicts(
            clinic_id=a.clinic_id,
            starts=a.starts_at + delta,
            ends=a.ends_at + delta,
            clinician_id=a.clinician_id,
            room_id=a.room_id,
            device_id=a.device_id,
            exclude_ids=moving_ids,
        )
        prefix = "" if a.pk == locked.pk else f"Shifting {a.modality_label} of {_when(a)}: "
        for key, message in _clash_errors(found, prefix).items():
            clashes.setdefault(key, message)
    if clashes:
        raise ValidationError(clashes)
    old_times = {a.pk: a.starts_at for a in to_move}
    # Move the later ones first, latest first, so no row passes over another on its way.
    for a in sorted(to_move, key=lambda x: x.starts_at, reverse=delta > timedelta(0)):
        a.starts_at += delta
        a.ends_at += delta
        _save(a)
        reminders.reschedule_appointment_reminder(a)
    old_day = timezone.localtime(old_times[locked.pk]).date()
    day_shift = timezone.localtime(locked.starts_at).date() - old_day
    for s in later_planned:
        s.target_date = s.target_date + day_shift
        s.save(update_fields=["target_date"])
    warnings: list[str] = []
    if locked.session is not None:
        day_of = {a.session_id: a.starts_at for a in to_move if a.session_id}
        sessions = TreatmentSession.objects.select_related("plan_modality").filter(pk__in=day_of)
        for session in {s.plan_modality_id: s for s in sessions}.values():
            for w in _session_warnings(session, day_of):
                if w not in warnings:
                    warnings.append(w)
        PlanChange.objects.create(
            plan=locked.session.plan,
            kind=PlanChangeKind.MOVED,
            modality=locked.modality,
            before={"starts_at": old_times[locked.pk].isoformat(), "session": locked.session_id},
            after={
                "starts_at": locked.starts_at.isoformat(),
                "shifted": [a.pk for a in to_move if a.pk != locked.pk],
                "planned_shifted": [s.pk for s in later_planned],
            },
            reason=reason.strip()[:500],
            changed_by=by,
            changed_at=timezone.now(),
        )
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.clinic_id,
        detail={
            "moved": {str(pk): old.isoformat() for pk, old in old_times.items()},
            "by_minutes": int(delta.total_seconds() // 60),
            "shift_later": shift_later,
        },
    )
    return Booking(locked, warnings, to_move[1:])


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, by: User, reason: str, check_perm: bool = True
) -> Appointment:
    """Cancel a booked appointment: its time is free again, its session is to book again,
    its reminder is not sent. The row stays as history."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if check_perm:
        require(by, locked.clinic_id, Perm.APPOINTMENT_BOOK)
    refuse_control_characters({"reason": reason})
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "appointment": gettext("A %(status)s appointment cannot be cancelled.")
                % {"status": locked.status}
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why the appointment is cancelled.")})
    locked.status = AppointmentStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = by
    locked.cancel_reason = reason[:300]
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    if locked.session_id is not None:
        TreatmentSession.objects.filter(pk=locked.session_id, status=SessionStatus.BOOKED).update(
            status=SessionStatus.PLANNED
        )
    reminders.cancel_appointment_reminders(locked)
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.clinic_id,
        detail={"status": "cancelled"},
    )
    return locked


# ------------------------------------------------------------------------------------------
# Calendar feeds


@transaction.atomic
def feed_create(*, user: User, clinic: Clinic) -> tuple[CalendarFeed, str]:
    """A new private feed of the user's appointments at the clinic, replacing (revoking) the
    one they had. Returns the feed and its token: the token is not stored, only its SHA-256."""
    require(user, clinic.pk, Perm.SCHEDULE_VIEW)
    if not selectors.is_clinician(user=user, clinic_id=clinic.pk):
        raise ValidationError({"feed": gettext("Feeds are for clinicians' own appointments.")})
    now = timezone.now()
    CalendarFeed.objects.filter(user=user, clinic=clinic, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, clinic=clinic, token_sha256=selectors.token_digest(token), created_at=now
    )
    audit_object(
        actor=user, action=AuditAction.CREATE, obj=feed, patient_id=None, clinic_id=clinic.pk
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, user: User, clinic: Clinic) -> int:
    """Revoke the user's feed at the clinic: its address answers 404 from now on."""
    require(user, clinic.pk, Perm.SCHEDULE_VIEW)
    feeds = list(CalendarFeed.objects.filter(user=user, clinic=clinic, revoked_at=None))
    now = timezone.now()
    for feed in feeds:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit_object(
            actor=user,
            action=AuditAction.UPDATE,
            obj=feed,
            patient_id=None,
            clinic_id=clinic.pk,
            detail={"revoked": True},
        )
    return len(feeds)


# ------------------------------------------------------------------------------------------
# Rooms, devices and durations (the director)


@transaction.atomic
def room_save(*, clinic: Clinic, by: User, name: str, is_active: bool = True) -> Room:
    """Add a room, or switch one in or out of use (by name)."""
    require(by, clinic.pk, Perm.RESOURCES_MANAGE)
    refuse_control_characters({"name": name})
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": gettext("Give the room's name (up to 100 characters).")})
    room, created = Room.objects.update_or_create(
        clinic=clinic, name=name, defaults={"is_active": is_active}
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=room,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"is_active": is_active},
    )
    return room


@transaction.atomic
def device_save(
    *, clinic: Clinic, by: User, name: str, kind: str, is_active: bool = True
) -> Device:
    require(by, clinic.pk, Perm.RESOURCES_MANAGE)
    refuse_control_characters({"name": name})
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = gettext("Give the device's name (up to 100 characters).")
    if kind not in DeviceKind.values:
        errors["kind"] = gettext("Choose what kind of device it is.")
    if errors:
        raise ValidationError(errors)
    device, created = Device.objects.update_or_create(
        clinic=clinic, name=name, defaults={"kind": kind, "is_active": is_active}
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=device,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"kind": kind, "is_active": is_active},
    )
    return device


@transaction.atomic
def duration_set(*, clinic: Clinic, by: User, modality: str, minutes: int) -> ProcedureDuration:
    require(by, clinic.pk, Perm.RESOURCES_MANAGE)
    errors = {}
    if modality not in {m.value for m in Modality}:
        errors["modality"] = gettext("Choose a treatment from the catalogue.")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 720:
        errors["minutes"] = gettext("From 5 to 720 minutes.")
    if errors:
        raise ValidationError(errors)
    row, _ = ProcedureDuration.objects.update_or_create(
        clinic=clinic, modality=modality, defaults={"minutes": minutes}
    )
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=row,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"modality": modality, "minutes": minutes},
    )
    return row
