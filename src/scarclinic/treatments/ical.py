"""iCalendar files (RFC 5545, with the ``icalendar`` library): a clinician's private feed and
a patient's plan. Times are written in the clinic's time zone (settings.TIME_ZONE) with its
VTIMEZONE, so a calendar in any zone shows the right hour.

The clinician's feed is read by calendar apps outside the clinic: it names a patient by
initials and MRN only, never by name, and carries no clinical detail beyond the treatment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from scarclinic.patients.models import Patient
from scarclinic.treatments.models import Appointment, TreatmentPlan

PRODID = "-//scarclinic//treatments//EN"


def initials(patient: Patient) -> str:
    """'A.Q.' for Amina Qureshi: enough for the clinician, nothing for anyone else."""
    parts = [p for p in (patient.given_name, patient.family_name) if p]
    return "".join(f"{p[0].upper()}." for p in parts)


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _event(a: Appointment, *, summary: str, location: str, description: str) -> Event:
    tz = timezone.get_current_timezone()
    event = Event()
    event.add("uid", f"appointment-{a.pk}@scarclinic")
    event.add("dtstamp", datetime.now(tz=UTC))
    event.add("dtstart", a.starts_at.astimezone(tz))
    event.add("dtend", a.ends_at.astimezone(tz))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("status", "CONFIRMED")
    return event


def _finish(cal: Calendar) -> bytes:
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def clinician_feed(*, name: str, appointments: Iterable[Appointment]) -> bytes:
    cal = _calendar(name)
    for a in appointments:
        place = a.room.name + (f", {a.device.name}" if a.device else "")
        cal.add_component(
            _event(
                a,
                summary=f"{a.modality_label} · {initials(a.patient)} {a.patient.mrn}",
                location=f"{place} · {a.clinic.name}",
                description="",
            )
        )
    return _finish(cal)


def plan_calendar(*, plan: TreatmentPlan, appointments: Iterable[Appointment]) -> bytes:
    """The patient's appointments of one plan, to add to their own calendar."""
    clinic = plan.patient.clinic
    cal = _calendar(f"Treatment at {clinic.name}")
    rows = list(appointments)
    for n, a in enumerate(rows, start=1):
        cal.add_component(
            _event(
                a,
                summary=f"{a.modality_label} at {clinic.name}",
                location=", ".join(p for p in (clinic.name, clinic.city) if p),
                description=(
                    f"Appointment {n} of {len(rows)} booked in your treatment plan. "
                    "If you cannot come, please call the clinic."
                ),
            )
        )
    return _finish(cal)
