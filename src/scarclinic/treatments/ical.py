"""iCalendar files (RFC 5545, with the ``icalendar`` library): a clinician's private feed and
a patient's plan. Times are written in the clinic's time zone (``Clinic.zone``) with its
VTIMEZONE, so a calendar in any zone shows the right hour; the patient's file is in the
patient's language.

The clinician's feed is read by calendar apps outside the clinic: it names a patient by
initials and MRN only, never by name, and carries no clinical detail beyond the treatment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from scarclinic.accounts.models import Clinic
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import Appointment, TreatmentPlan

PRODID = "-//scarclinic//treatments//EN"


def initials(patient: Patient) -> str:
    """'A.Q.' for Amina Qureshi: enough for the clinician, nothing for anyone else."""
    parts = [p for p in (patient.given_name, patient.family_name) if p]
    return "".join(f"{p[0].upper()}." for p in parts)


def _calendar(name: str, clinic: Clinic) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", clinic.zone_name)
    return cal


def _event(a: Appointment, *, summary: str, location: str, description: str, tz: ZoneInfo) -> Event:
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


def clinician_feed(*, name: str, clinic: Clinic, appointments: Iterable[Appointment]) -> bytes:
    cal = _calendar(name, clinic)
    for a in appointments:
        place = a.room.name + (f", {a.device.name}" if a.device else "")
        cal.add_component(
            _event(
                a,
                summary=f"{a.modality_label} · {initials(a.patient)} {a.patient.mrn}",
                location=f"{place} · {a.clinic.name}",
                description="",
                tz=clinic.zone,
            )
        )
    return _finish(cal)


def plan_calendar(*, plan: TreatmentPlan, appointments: Iterable[Appointment]) -> bytes:
    """The patient's appointments of one plan, to add to their own calendar."""
    clinic = plan.patient.clinic
    rows = list(appointments)
    with translation.override(plan.patient.preferred_language):
        cal = _calendar(_("Treatment at %(clinic)s") % {"clinic": clinic.name}, clinic)
        for n, a in enumerate(rows, start=1):
            cal.add_component(
                _event(
                    a,
                    summary=_("%(treatment)s at %(clinic)s")
                    % {"treatment": a.modality_label, "clinic": clinic.name},
                    location=", ".join(p for p in (clinic.name, clinic.city) if p),
                    description=_(
                        "Appointment %(n)s of %(total)s booked in your treatment plan. "
                        "If you cannot come, please call the clinic."
                    )
                    % {"n": n, "total": len(rows)},
                    tz=clinic.zone,
                )
            )
    return _finish(cal)
