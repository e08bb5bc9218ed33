"""Reads for scheduling: who and what is busy when, free slots for a session, the day and week
calendar per clinician and room, today's appointments for the home pages, and feed lookup."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Perm, Role
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments.models import (
    DEFAULT_DURATION_MINUTES,
    HOLDING_STATUSES,
    REQUIRED_DEVICE_KIND,
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    Device,
    ProcedureDuration,
    Room,
    SessionStatus,
    TreatmentSession,
)
from scarclinic.treatments.protocol import Interval
from scarclinic.treatments.selectors.plans import PlanNotFound

# Opening hours for the free-slot search: defaults, not clinic data (Monday to Saturday,
# 09:00-17:00 in the clinic's time zone). Any time can still be booked by hand.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)
WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4, 5})
SLOT_STEP = timedelta(minutes=15)
CLINICIAN_ROLES = (Role.PHYSICIAN, Role.NURSE)


def duration_minutes(*, clinic_id: int, modality: Modality) -> int:
    """How long the clinic books for one session of the treatment."""
    row = ProcedureDuration.objects.filter(clinic_id=clinic_id, modality=modality.value).first()
    return row.minutes if row else DEFAULT_DURATION_MINUTES[modality]


def clinicians(*, clinic_id: int) -> list[User]:
    """Staff who treat patients at the clinic: physicians first, then nurses, by name."""
    memberships = Membership.objects.filter(
        clinic_id=clinic_id, role__in=CLINICIAN_ROLES, is_active=True, user__is_active=True
    ).select_related("user")
    ordered = sorted(
        memberships,
        key=lambda m: (
            m.role != Role.PHYSICIAN,
            m.user.last_name,
            m.user.first_name,
            m.user.username,
        ),
    )
    return [m.user for m in ordered]


def is_clinician(*, user: User, clinic_id: int) -> bool:
    return Membership.objects.filter(
        user=user, clinic_id=clinic_id, role__in=CLINICIAN_ROLES, is_active=True
    ).exists()


def rooms(*, clinic_id: int, active_only: bool = True) -> list[Room]:
    qs = Room.objects.filter(clinic_id=clinic_id)
    return list(qs.filter(is_active=True) if active_only else qs)


def devices(*, clinic_id: int, active_only: bool = True) -> list[Device]:
    qs = Device.objects.filter(clinic_id=clinic_id)
    return list(qs.filter(is_active=True) if active_only else qs)


# No appointment lasts longer than its duration, at most 720 minutes (ProcedureDuration's
# duration_5_to_720): a lower bound on starts_at lets the (clinic, starts_at) index stop
# instead of reading every past appointment of the clinic (bench/).
LONGEST_APPOINTMENT = timedelta(days=1)


def busy(
    *,
    clinic_id: int,
    starts: datetime,
    ends: datetime,
    exclude_ids: Iterable[int] = (),
) -> list[Appointment]:
    """Appointments holding a clinician, room or device between ``starts`` and ``ends``."""
    return list(
        Appointment.objects.filter(
            clinic_id=clinic_id,
            status__in=HOLDING_STATUSES,
            starts_at__lt=ends,
            ends_at__gt=starts,
            starts_at__gte=starts - LONGEST_APPOINTMENT,  # the index's lower bound
        )
        .exclude(pk__in=list(exclude_ids))
        .order_by("starts_at")
    )


def conflicts(
    *,
    clinic_id: int,
    starts: datetime,
    ends: datetime,
    clinician_id: int,
    room_id: int,
    device_id: int | None,
    exclude_ids: Iterable[int] = (),
) -> dict[str, Appointment]:
    """What is already booked over this time, per resource: {"clinician"|"room"|"device": a}."""
    found: dict[str, Appointment] = {}
    resource = Q(clinician_id=clinician_id) | Q(room_id=room_id)
    if device_id is not None:
        resource |= Q(device_id=device_id)
    overlapping = (
        Appointment.objects.filter(
            resource,
            clinic_id=clinic_id,
            status__in=HOLDING_STATUSES,
            starts_at__lt=ends,
            ends_at__gt=starts,
            starts_at__gte=starts - LONGEST_APPOINTMENT,  # the index's lower bound
        )
        .exclude(pk__in=list(exclude_ids))
        .select_related("clinician", "room", "device")
        .order_by("starts_at")
    )
    for a in overlapping:
        if a.clinician_id == clinician_id:
            found.setdefault("clinician", a)
        if a.room_id == room_id:
            found.setdefault("room", a)
        if device_id is not None and a.device_id == device_id:
            found.setdefault("device", a)
    return found


# ------------------------------------------------------------------------------------------
# Free slots


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    clinician: User
    room: Room
    device: Device | None

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def free_slots(
    *,
    clinic_id: int,
    modality: Modality,
    on_or_after: date,
    days: int = 14,
    limit: int = 8,
    clinician_id: int | None = None,
    room_id: int | None = None,
    not_before: datetime | None = None,
) -> list[Slot]:
    """The first free times from ``on_or_after`` in opening hours where a clinician, a room
    and (when the treatment needs one) a device are all free for the treatment's duration.
    Reads the window's appointments once and works in Python."""
    minutes = duration_minutes(clinic_id=clinic_id, modality=modality)
    length = timedelta(minutes=minutes)
    staff = [u for u in clinicians(clinic_id=clinic_id) if clinician_id in (None, u.pk)]
    room_list = [r for r in rooms(clinic_id=clinic_id) if room_id in (None, r.pk)]
    kind = REQUIRED_DEVICE_KIND.get(modality)
    device_list: list[Device | None] = (
        [d for d in devices(clinic_id=clinic_id) if d.kind == kind] if kind else [None]
    )
    if not staff or not room_list or not device_list:
        return []
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(on_or_after, time.min, tzinfo=tz)
    window_end = window_start + timedelta(days=days + 1)
    taken = busy(clinic_id=clinic_id, starts=window_start, ends=window_end)
    earliest = max(not_before or timezone.now(), window_start)
    slots: list[Slot] = []
    for offset in range(days):
        day = on_or_after + timedelta(days=offset)
        if day.weekday() not in WORKING_WEEKDAYS:
            continue
        start = datetime.combine(day, WORKDAY_START, tzinfo=tz)
        close = datetime.combine(day, WORKDAY_END, tzinfo=tz)
        while start + length <= close and len(slots) < limit:
            end = start + length
            if start >= earliest:
                clash = [a for a in taken if _overlaps(a.starts_at, a.ends_at, start, end)]
                slot = _first_free(start, end, clash, staff, room_list, device_list)
                if slot is not None:
                    slots.append(slot)
                    start = end  # the next suggestion starts after this one
                    continue
            start += SLOT_STEP
        if len(slots) >= limit:
            break
    return slots


def _first_free(
    start: datetime,
    end: datetime,
    clash: list[Appointment],
    staff: list[User],
    room_list: list[Room],
    device_list: list[Device | None],
) -> Slot | None:
    busy_staff = {a.clinician_id for a in clash}
    busy_rooms = {a.room_id for a in clash}
    busy_devices = {a.device_id for a in clash}
    person = next((u for u in staff if u.pk not in busy_staff), None)
    room = next((r for r in room_list if r.pk not in busy_rooms), None)
    free_devices = [d for d in device_list if d is None or d.pk not in busy_devices]
    if person is None or room is None or not free_devices:
        return None
    return Slot(start, end, person, room, free_devices[0])


def earliest_day_for(session: TreatmentSession) -> date:
    """The first day the session may be booked without going below the protocol minimum after
    the modality's previous session (or its target date, whichever is later; not before today)."""
    pm = session.plan_modality
    today = timezone.localdate()
    previous = (
        TreatmentSession.objects.filter(plan_modality=pm, number__lt=session.number)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("-number")
        .first()
    )
    earliest = session.target_date
    if previous is not None and pm.protocol_min_value is not None:
        live = (
            Appointment.objects.filter(session=previous)
            .exclude(status=AppointmentStatus.CANCELLED)
            .first()
        )
        day = timezone.localtime(live.starts_at).date() if live else previous.target_date
        minimum = Interval(pm.protocol_min_value, pm.protocol_unit)  # type: ignore[arg-type]
        earliest = max(earliest, minimum.after(day))
    return max(earliest, today)


# ------------------------------------------------------------------------------------------
# Calendar


@dataclass
class CalendarDay:
    day: date
    appointments: list[Appointment] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()


@dataclass(frozen=True)
class Calendar:
    view: str  # "day" or "week"
    start: date
    days: list[CalendarDay]
    clinicians: list[User]
    rooms: list[Room]
    clinician_id: int | None
    room_id: int | None

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=1 if self.view == "day" else 7)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=1 if self.view == "day" else 7)

    @property
    def count(self) -> int:
        return sum(len(d.appointments) for d in self.days)


def calendar_for(
    *,
    user: User | AnonymousUser,
    clinic_id: int,
    view: str,
    day: date,
    clinician_id: int | None = None,
    room_id: int | None = None,
) -> Calendar:
    """A day or a week (from Monday) of a clinic's appointments, for one clinician or room or
    all; the patients shown are audited as one list."""
    if clinic_id not in clinic_ids_with(user, Perm.SCHEDULE_VIEW):
        raise PlanNotFound("No such calendar.")
    view = "week" if view == "week" else "day"
    start = day - timedelta(days=day.weekday()) if view == "week" else day
    length = 7 if view == "week" else 1
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(start, time.min, tzinfo=tz)
    window_end = window_start + timedelta(days=length)
    qs = Appointment.objects.filter(
        clinic_id=clinic_id,
        status__in=HOLDING_STATUSES,
        starts_at__lt=window_end,
        ends_at__gt=window_start,
        starts_at__gte=window_start - LONGEST_APPOINTMENT,  # the index's lower bound
    )
    if clinician_id is not None:
        qs = qs.filter(clinician_id=clinician_id)
    if room_id is not None:
        qs = qs.filter(room_id=room_id)
    appointments = list(
        qs.select_related("patient", "clinician", "room", "device", "session").order_by(
            "starts_at", "id"
        )
    )
    days = [CalendarDay(start + timedelta(days=n)) for n in range(length)]
    for a in appointments:
        index = (timezone.localtime(a.starts_at).date() - start).days
        if 0 <= index < length:
            days[index].appointments.append(a)
    if appointments:
        audit_record(
            action=AuditAction.LIST,
            object_type="treatments.appointment",
            clinic_id=clinic_id,
            detail={"shown": sorted({a.patient_id for a in appointments}), "kind": "calendar"},
        )
    return Calendar(
        view=view,
        start=start,
        days=days,
        clinicians=clinicians(clinic_id=clinic_id),
        rooms=rooms(clinic_id=clinic_id, active_only=False),
        clinician_id=clinician_id,
        room_id=room_id,
    )


def appointments_today(*, clinic_id: int, clinician_id: int | None) -> list[Appointment]:
    """Today's appointments at a clinic (of one clinician, or all), for the home pages.
    The caller audits the patients it shows."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(timezone.localdate(), time.min, tzinfo=tz)
    qs = Appointment.objects.filter(
        clinic_id=clinic_id,
        status__in=HOLDING_STATUSES,
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
    )
    if clinician_id is not None:
        qs = qs.filter(clinician_id=clinician_id)
    return list(
        qs.select_related("patient", "clinician", "room", "device", "session").order_by(
            "starts_at", "id"
        )
    )


def appointment_for_user(
    *,
    user: User | AnonymousUser,
    appointment_id: int,
    perm: Perm = Perm.SCHEDULE_VIEW,
    audit: bool = True,
) -> Appointment:
    appointment = (
        Appointment.objects.select_related(
            "patient", "clinic", "clinician", "room", "device", "session", "session__plan_modality"
        )
        .filter(pk=appointment_id, clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if appointment is None:
        raise PlanNotFound("No such appointment.")
    if audit:
        audit_record(
            action=AuditAction.READ,
            object_type="treatments.appointment",
            object_id=appointment.pk,
            patient_id=appointment.patient_id,
            clinic_id=appointment.clinic_id,
        )
    return appointment


# ------------------------------------------------------------------------------------------
# Calendar feeds


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed a token opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user", "clinic")
        .filter(token_sha256=token_digest(token), revoked_at__isnull=True)
        .first()
    )


def live_feed(*, user: User, clinic_id: int) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, clinic_id=clinic_id, revoked_at=None).first()


def feed_appointments(feed: CalendarFeed) -> list[Appointment]:
    """A clinician's appointments for the feed: from 30 days ago to a year ahead."""
    now = timezone.now()
    return list(
        Appointment.objects.filter(
            clinic_id=feed.clinic_id,
            clinician_id=feed.user_id,
            status__in=HOLDING_STATUSES,
            starts_at__gte=now - timedelta(days=30),
            starts_at__lt=now + timedelta(days=366),
        )
        .select_related("patient", "room", "device", "clinic")
        .order_by("starts_at")
    )
