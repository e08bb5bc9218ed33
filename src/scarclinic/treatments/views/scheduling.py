"""Scheduling pages: book a plan's sessions (with free slots), move and cancel appointments,
the day and week calendar per clinician and room, a clinician's private feed, and the
clinic's rooms, devices and durations."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments import ical
from scarclinic.treatments.forms import apply_service_errors
from scarclinic.treatments.models import (
    DEFAULT_DURATION_MINUTES,
    REQUIRED_DEVICE_KIND,
    ProcedureDuration,
    TreatmentSession,
)
from scarclinic.treatments.plan_forms import (
    BookingForm,
    CancelForm,
    DeviceForm,
    DurationForm,
    MoveForm,
    RoomForm,
)
from scarclinic.treatments.selectors import plans as plan_selectors
from scarclinic.treatments.selectors import scheduling as selectors
from scarclinic.treatments.services import scheduling as services


def _booking_form(clinic_id: int, session: TreatmentSession, data: Any = None) -> BookingForm:
    modality = Modality(session.plan_modality.modality)
    kind = REQUIRED_DEVICE_KIND.get(modality)
    devices = [d for d in selectors.devices(clinic_id=clinic_id) if kind is None or d.kind == kind]
    return BookingForm(
        data,
        clinicians=selectors.clinicians(clinic_id=clinic_id),
        rooms=selectors.rooms(clinic_id=clinic_id),
        devices=devices,
        prefix=f"s{session.pk}",
    )


def _booking_page(
    request: ClinicRequest,
    plan_id: int,
    *,
    errors_for: int | None = None,
    failed_form: BookingForm | None = None,
    move_errors: dict[int, MoveForm] | None = None,
) -> HttpResponse:
    page = plan_selectors.plan_page(user=request.user, plan_id=plan_id, perm=Perm.SCHEDULE_VIEW)
    clinic_id = page.plan.patient.clinic_id
    forms = {
        row.session.pk: (
            failed_form
            if failed_form is not None and errors_for == row.session.pk
            else _booking_form(clinic_id, row.session)
        )
        for row in page.to_book
    }
    rows = [{"row": row, "form": forms.get(row.session.pk)} for row in page.rows]
    return render(
        request,
        "treatments/plans/book.html",
        {
            "page": page,
            "plan": page.plan,
            "patient": page.plan.patient,
            "rows": rows,
            "can_book": role_has(request.membership.role, Perm.APPOINTMENT_BOOK),
            "move_forms": move_errors or {},
        },
    )


@requires(Perm.SCHEDULE_VIEW)
def plan_booking(request: ClinicRequest, plan_id: int) -> HttpResponse:
    return _booking_page(request, plan_id)


@requires(Perm.SCHEDULE_VIEW)
def session_slots(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = plan_selectors.session_for_user(
        user=request.user, session_id=session_id, perm=Perm.SCHEDULE_VIEW
    )
    clinic_id = session.plan.patient.clinic_id
    earliest = selectors.earliest_day_for(session)
    day = _date(request.GET.get("from")) or earliest
    slots = selectors.free_slots(
        clinic_id=clinic_id,
        modality=Modality(session.plan_modality.modality),
        on_or_after=day,
        limit=6,
    )
    return render(
        request,
        "treatments/plans/_slots.html",
        {
            "session": session,
            "slots": slots,
            "day": day,
            "earliest": earliest,
            "can_book": role_has(request.membership.role, Perm.APPOINTMENT_BOOK),
            "prefix": f"s{session.pk}",
        },
    )


@require_POST
@requires(Perm.APPOINTMENT_BOOK)
def session_book(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = plan_selectors.session_for_user(
        user=request.user, session_id=session_id, perm=Perm.APPOINTMENT_BOOK, audit=False
    )
    plan_id = session.plan_id
    form = _booking_form(session.plan.patient.clinic_id, session, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.appointment_book(
                session=session,
                by=request.user,
                starts_at=data["starts_at"],
                clinician=data["clinician"],
                room=data["room"],
                device=data["device"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            start = timezone.localtime(booking.appointment.starts_at)
            messages.success(
                request,
                f"Booked: {booking.appointment.modality_label} {session.number} on "
                f"{start:%Y-%m-%d %H:%M}.",
            )
            for warning in booking.warnings:
                messages.warning(request, warning)
            return redirect(f"{reverse('plans:book', args=[plan_id])}#session-{session.pk}")
    return _booking_page(request, plan_id, errors_for=session.pk, failed_form=form)


@require_POST
@requires(Perm.APPOINTMENT_BOOK)
def appointment_move(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_user(
        user=request.user, appointment_id=appointment_id, perm=Perm.APPOINTMENT_BOOK, audit=False
    )
    form = MoveForm(request.POST, prefix=f"m{appointment.pk}")
    back = _back(request, appointment)
    if form.is_valid():
        try:
            booking = services.appointment_move(
                appointment=appointment,
                by=request.user,
                starts_at=form.cleaned_data["starts_at"],
                shift_later=form.cleaned_data["shift_later"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            start = timezone.localtime(booking.appointment.starts_at)
            text = f"Moved to {start:%Y-%m-%d %H:%M}."
            if booking.moved:
                text += f" {len(booking.moved)} later appointment(s) moved with it."
            messages.success(request, text)
            for warning in booking.warnings:
                messages.warning(request, warning)
            return redirect(back)
    if appointment.session is not None:
        return _booking_page(
            request, appointment.session.plan_id, move_errors={appointment.pk: form}
        )
    for texts in form.errors.values():
        messages.error(request, " ".join(str(t) for t in texts))
    return redirect(back)


def _back(request: HttpRequest, appointment: Any) -> str:
    if appointment.session_id is not None:
        return reverse("plans:book", args=[appointment.session.plan_id])
    return reverse("plans:calendar")


@require_POST
@requires(Perm.APPOINTMENT_BOOK)
def appointment_cancel(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_user(
        user=request.user, appointment_id=appointment_id, perm=Perm.APPOINTMENT_BOOK, audit=False
    )
    form = CancelForm(request.POST, prefix=f"c{appointment.pk}")
    if form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for messages_ in error.message_dict.values():
                messages.error(request, " ".join(messages_))
        else:
            messages.success(
                request, gettext("Appointment cancelled; the session is to book again.")
            )
    else:
        messages.error(request, gettext("Say why the appointment is cancelled."))
    return redirect(_back(request, appointment))


# ------------------------------------------------------------------------------------------
# Calendar


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


PX_PER_HOUR = 64


def _columns(cal: selectors.Calendar) -> tuple[list[dict[str, Any]], list[int]]:
    """Columns of the calendar (rooms for a day, days for a week) with each appointment's
    place: ``top`` and ``height`` in pixels from the first hour shown."""
    appointments = [a for d in cal.days for a in d.appointments]
    first = min(
        [selectors.WORKDAY_START.hour]
        + [timezone.localtime(a.starts_at).hour for a in appointments]
    )
    last = max(
        [selectors.WORKDAY_END.hour]
        + [timezone.localtime(a.ends_at).hour + 1 for a in appointments]
    )
    last = min(last, 24)

    def place(a: Any) -> dict[str, Any]:
        start = timezone.localtime(a.starts_at)
        minutes = (start.hour - first) * 60 + start.minute
        return {
            "a": a,
            "top": round(minutes * PX_PER_HOUR / 60),
            "height": max(round(a.minutes * PX_PER_HOUR / 60), 22),
        }

    if cal.view == "week":
        columns = [
            {"title": d.day, "is_today": d.is_today, "items": [place(a) for a in d.appointments]}
            for d in cal.days
        ]
    else:
        rooms = [r for r in cal.rooms if cal.room_id in (None, r.pk)]
        columns = [
            {"title": r.name, "items": [place(a) for a in appointments if a.room_id == r.pk]}
            for r in rooms
        ]
    return columns, list(range(first, last))


@requires(Perm.SCHEDULE_VIEW)
def calendar(request: ClinicRequest) -> HttpResponse:
    view = "week" if request.GET.get("view") == "week" else "day"
    day = _date(request.GET.get("date")) or timezone.localdate()
    cal = selectors.calendar_for(
        user=request.user,
        clinic_id=request.clinic.pk,
        view=view,
        day=day,
        clinician_id=_int(request.GET.get("clinician")),
        room_id=_int(request.GET.get("room")),
    )
    columns, hours = _columns(cal)
    return render(
        request,
        "treatments/plans/calendar.html",
        {
            "cal": cal,
            "columns": columns,
            "hours": hours,
            "height": len(hours) * PX_PER_HOUR,
            "px_per_hour": PX_PER_HOUR,
            "today": timezone.localdate(),
        },
    )


@requires(Perm.SCHEDULE_VIEW)
def calendar_feed(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            count = services.feed_revoke(user=request.user, clinic=clinic)
            messages.success(
                request,
                "Feed revoked: its address no longer works." if count else "No feed to revoke.",
            )
            return redirect("plans:feed_settings")
        try:
            _, token = services.feed_create(user=request.user, clinic=clinic)
        except ValidationError as error:
            for texts in error.message_dict.values():
                messages.error(request, " ".join(texts))
        else:
            new_url = request.build_absolute_uri(reverse("plans:feed", args=[token]))
    return render(
        request,
        "treatments/plans/feed.html",
        {
            "feed": selectors.live_feed(user=request.user, clinic_id=clinic.pk),
            "new_url": new_url,
            "is_clinician": selectors.is_clinician(user=request.user, clinic_id=clinic.pk),
        },
    )


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A clinician's appointments as iCalendar, for their calendar app: the token is the
    only key, so no sign-in; initials and MRNs only. Unknown or revoked: 404."""
    found = selectors.feed_by_token(token)
    if found is None:
        raise Http404("No such feed.")
    appointments = selectors.feed_appointments(found)
    name = found.user.get_full_name() or found.user.get_username()
    content = ical.clinician_feed(
        name=f"{found.clinic.name}: {name}", clinic=found.clinic, appointments=appointments
    )
    type(found).objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    from scarclinic.audit.models import AuditAction
    from scarclinic.audit.services import audit_record

    audit_record(
        actor=found.user,
        action=AuditAction.EXPORT,
        object_type="treatments.calendarfeed",
        object_id=found.pk,
        clinic_id=found.clinic_id,
        detail={"format": "ics", "shown": sorted({a.patient_id for a in appointments})},
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


# ------------------------------------------------------------------------------------------
# Rooms, devices, durations


@requires(Perm.RESOURCES_MANAGE)
def resources(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    room_form = RoomForm(prefix="room")
    device_form = DeviceForm(prefix="device")
    duration_form = DurationForm(prefix="duration")
    if request.method == "POST":
        action = request.POST.get("action")
        form: RoomForm | DeviceForm | DurationForm
        try:
            if action == "room":
                form = room_form = RoomForm(request.POST, prefix="room")
                if form.is_valid():
                    services.room_save(clinic=clinic, by=request.user, **form.cleaned_data)
                    messages.success(
                        request,
                        gettext("Room saved: %(name)s.") % {"name": form.cleaned_data["name"]},
                    )
                    return redirect("plans:resources")
            elif action == "device":
                form = device_form = DeviceForm(request.POST, prefix="device")
                if form.is_valid():
                    services.device_save(clinic=clinic, by=request.user, **form.cleaned_data)
                    messages.success(
                        request,
                        gettext("Device saved: %(name)s.") % {"name": form.cleaned_data["name"]},
                    )
                    return redirect("plans:resources")
            else:
                form = duration_form = DurationForm(request.POST, prefix="duration")
                if form.is_valid():
                    services.duration_set(clinic=clinic, by=request.user, **form.cleaned_data)
                    messages.success(request, gettext("Duration saved."))
                    return redirect("plans:resources")
        except ValidationError as error:
            apply_service_errors(form, error)
    durations = {d.modality: d.minutes for d in ProcedureDuration.objects.filter(clinic=clinic)}
    rows = [
        {
            "label": m.label,
            "minutes": durations.get(m.value, DEFAULT_DURATION_MINUTES[m]),
            "own": m.value in durations,
        }
        for m in Modality
    ]
    return render(
        request,
        "treatments/plans/resources.html",
        {
            "rooms": selectors.rooms(clinic_id=clinic.pk, active_only=False),
            "devices": selectors.devices(clinic_id=clinic.pk, active_only=False),
            "durations": rows,
            "room_form": room_form,
            "device_form": device_form,
            "duration_form": duration_form,
        },
    )
