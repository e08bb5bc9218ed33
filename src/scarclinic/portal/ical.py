"""The patient's own appointments as an iCalendar file (RFC 5545), in the clinic's time zone
with its VTIMEZONE, in the patient's language. Names the clinic and the treatment only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from scarclinic.patients.models import Patient
from scarclinic.treatments.models import Appointment

PRODID = "-//scarclinic//portal//EN"


def appointments_calendar(*, patient: Patient, appointments: Iterable[Appointment]) -> bytes:
    clinic = patient.clinic
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Appointments at %(clinic)s") % {"clinic": clinic.name})
    cal.add("x-wr-timezone", clinic.zone_name)
    tz = clinic.zone
    for a in appointments:
        event = Event()
        event.add("uid", f"appointment-{a.pk}@scarclinic")
        event.add("dtstamp", datetime.now(tz=UTC))
        event.add("dtstart", a.starts_at.astimezone(tz))
        event.add("dtend", a.ends_at.astimezone(tz))
        event.add(
            "summary",
            _("%(treatment)s at %(clinic)s")
            % {"treatment": a.modality_label, "clinic": clinic.name},
        )
        event.add("location", ", ".join(p for p in (clinic.name, clinic.city) if p))
        event.add("description", _("If you cannot come, please call the clinic."))
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
