"""Times are the clinic's local time: each clinic may name its own zone (blank: the
deployment's TIME_ZONE); pages, the portal and .ics files follow it, and a request never
leaves its zone behind for the next one."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.accounts.models import Clinic, User, validate_time_zone
from scarclinic.portal.tests.stories import PortalStory
from scarclinic.treatments import ical
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_a_clinic_without_a_zone_uses_the_deployments(cast: Cast, login: Login) -> None:
    assert cast.clinic_a.zone_name == settings.TIME_ZONE == "Asia/Karachi"
    body = login(cast.nurse).get("/patients/").content.decode()
    assert "Asia/Karachi" in body


def test_staff_pages_show_the_active_clinics_zone_and_it_ends_with_the_request(
    cast: Cast, login: Login
) -> None:
    Clinic.objects.filter(pk=cast.clinic_a.pk).update(time_zone="Asia/Dubai")
    body = login(cast.nurse).get("/patients/").content.decode()
    assert "Asia/Dubai" in body and "Asia/Karachi" not in body
    # The outsider works at clinic B, still on the default zone.
    assert "Asia/Karachi" in login(cast.outsider).get("/patients/").content.decode()
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_the_portal_ics_follows_the_patients_clinic(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    Clinic.objects.filter(pk=cast.clinic_a.pk).update(time_zone="Asia/Dubai")
    text = login(cast.patient).get(f"/portal/appointments/{story.booked.pk}.ics").content
    # Booked for 10:00 in Karachi (UTC+5) is 09:00 in Dubai (UTC+4).
    assert re.search(rb"DTSTART;TZID=Asia/Dubai:\d{8}T090000", text)
    assert b"TZID:Asia/Dubai" in text and b"Asia/Karachi" not in text


def test_the_plan_ics_is_in_the_clinics_zone_and_the_patients_language(
    cast: Cast, story: PortalStory
) -> None:
    clinic = cast.clinic_a
    clinic.time_zone = "Asia/Dubai"
    clinic.save()
    cast.amina.preferred_language = "ur"
    cast.amina.save()
    appointment = story.booked
    assert appointment.session is not None
    plan = appointment.session.plan
    plan.patient.refresh_from_db()
    plan.patient.clinic.refresh_from_db()
    text = ical.plan_calendar(plan=plan, appointments=[appointment]).decode()
    assert re.search(r"DTSTART;TZID=Asia/Dubai:\d{8}T090000", text)
    assert "کلینک" in text and "If you cannot come" not in text


@given(st.sampled_from(sorted(["Asia/Karachi", "Asia/Dubai", "Europe/London", "UTC", ""])))
def test_known_zones_and_blank_are_accepted(name: str) -> None:
    validate_time_zone(name)


@given(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and s != "UTC"))
def test_anything_else_is_refused_with_a_clear_error(name: str) -> None:
    from zoneinfo import available_timezones

    if name in available_timezones():
        return
    with pytest.raises(ValidationError, match="not a known time zone"):
        validate_time_zone(name)
