"""Reminder emails are written wholly in the patient's preferred language, with dates in that
language's formats and times in the clinic's time zone; post-care instructions in the clinic's
version for that language, or, when it has none, the version given with a note saying so."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import formats, timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from scarclinic.accounts.models import Clinic
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import (
    Appointment,
    PostCareTemplate,
    Reminder,
    ReminderKind,
)
from scarclinic.treatments.services import postcare, procedures, reminders
from scarclinic.treatments.tests.test_procedures import PRP_DETAILS
from scarclinic.treatments.tests.test_reminders import _booked
from scarclinic.web.selectors import missing_translations
from tests.cast import Cast

ENGLISH_SENTENCES = (
    "Dear ",
    "This is a reminder of your appointment",
    "If you cannot come",
    "please remember",
    "If you are worried",
    "Appointment reminder",
)


def _speaks(cast: Cast, language: str) -> None:
    cast.amina.preferred_language = language
    cast.amina.save(update_fields=["preferred_language"])


def _send_appointment_reminder(cast: Cast, language: str) -> tuple[Any, Appointment]:
    appointment = _booked(cast)
    _speaks(cast, language)
    reminder = Reminder.objects.get(kind=ReminderKind.APPOINTMENT)
    when = appointment.starts_at - dt.timedelta(hours=47)
    assert reminders.reminder_send(reminder_id=reminder.pk, now=when) == "sent"
    return mail.outbox[-1], appointment


def _local_date(when: dt.datetime, language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(when, ZoneInfo(settings.TIME_ZONE)))


@pytest.mark.django_db
def test_an_english_appointment_reminder_is_english_with_the_local_date(cast: Cast) -> None:
    message, appointment = _send_appointment_reminder(cast, "en")
    assert message.subject == f"Appointment reminder from {cast.clinic_a.name}"
    assert "This is a reminder of your appointment" in message.body
    assert _local_date(appointment.starts_at, "en") in message.body
    assert "10:00 (Asia/Karachi time): Microneedling with PRP." in message.body
    stored = Reminder.objects.get(kind=ReminderKind.APPOINTMENT)
    assert (stored.subject, stored.body) == (message.subject, message.body)


@pytest.mark.django_db
def test_an_urdu_appointment_reminder_is_urdu_throughout(cast: Cast) -> None:
    message, appointment = _send_appointment_reminder(cast, "ur")
    assert message.subject == f"{cast.clinic_a.name} کی طرف سے ملاقات کی یاد دہانی"
    assert f"یاد دہانی: {cast.clinic_a.name} میں آپ کی ملاقات" in message.body
    urdu_date = _local_date(appointment.starts_at, "ur")
    assert urdu_date in message.body and any(
        month in urdu_date for month in ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون",
                                         "جولائی", "اگست", "ستمبر", "اکتوبر", "نومبر", "دسمبر")
    )  # fmt: skip
    assert "10:00 بجے" in message.body and "PRP کے ساتھ مائیکرونیڈلنگ" in message.body
    assert not [s for s in ENGLISH_SENTENCES if s in message.body + message.subject]


def _given_postcare(cast: Cast, *, language: str, speaks: str) -> Reminder:
    appointment = _booked(cast)
    _speaks(cast, speaks)
    session = appointment.session
    record = procedures.procedure_start(session=session, by=cast.nurse, confirmed=True)
    procedures.procedure_record_details(record=record, by=cast.nurse, details=PRP_DETAILS)
    postcare.postcare_give(session=session, by=cast.nurse, language=language)
    return Reminder.objects.filter(kind=ReminderKind.POSTCARE).order_by("day").first()  # type: ignore[return-value]


def _send(reminder: Reminder) -> Any:
    assert reminders.reminder_send(reminder_id=reminder.pk, now=reminder.due_at) == "sent"
    return mail.outbox[-1]


@pytest.mark.django_db
def test_a_post_care_reminder_follows_the_patients_language_not_the_handouts(
    cast: Cast,
) -> None:
    # Given the Urdu handout, but the patient reads English: the clinic's English version.
    message = _send(_given_postcare(cast, language="ur", speaks="en"))
    assert message.subject == f"After your treatment: a reminder from {cast.clinic_a.name}"
    assert "Day 1 after your treatment (Microneedling with PRP), please remember:" in message.body
    assert "Use sunscreen every day" in message.body
    assert "سن اسکرین" not in message.body and "no Urdu version" not in message.body


@pytest.mark.django_db
def test_an_urdu_post_care_reminder_is_urdu_throughout(cast: Cast) -> None:
    message = _send(_given_postcare(cast, language="ur", speaks="ur"))
    assert message.subject == f"علاج کے بعد: {cast.clinic_a.name} کی طرف سے یاد دہانی"
    assert "علاج (PRP کے ساتھ مائیکرونیڈلنگ) کے 1 دن بعد، براہ کرم یاد رکھیں:" in message.body
    assert "روزانہ سن اسکرین لگائیں" in message.body
    assert not [s for s in ENGLISH_SENTENCES if s in message.body + message.subject]
    assert "ترجمہ نہیں" not in message.body


@pytest.mark.django_db
def test_without_an_urdu_version_the_english_one_comes_with_a_note_in_urdu(cast: Cast) -> None:
    reminder = _given_postcare(cast, language="en", speaks="ur")
    PostCareTemplate.objects.filter(language="ur").update(is_current=False)
    message = _send(reminder)
    assert "Use sunscreen every day" in message.body  # the clinic's words, never made up
    assert "کلینک کے پاس ابھی ان ہدایات کا اردو ترجمہ نہیں ہے" in message.body
    assert "انگریزی میں لکھی گئی ہیں" in message.body
    assert "please remember" not in message.body
    # ... and the director sees the gap.
    with translation.override("en"):
        gaps = [row.text for row in missing_translations(clinic_id=cast.clinic_a.pk)]
    assert any("Microneedling with PRP" in text and "Urdu" in text for text in gaps)


@hypothesis_settings(max_examples=40, deadline=None)
@given(
    starts_at=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001 - made aware below
        max_value=dt.datetime(2030, 12, 31),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ),
    language=st.sampled_from(["en", "ur"]),
    active=st.sampled_from(["UTC", "Europe/London", "Asia/Karachi"]),
    clinic_zone=st.sampled_from(["", "Asia/Dubai", "Asia/Karachi"]),
)
def test_any_appointment_time_is_written_in_the_clinics_time_not_utc(
    starts_at: dt.datetime, language: str, active: str, clinic_zone: str
) -> None:
    clinic = Clinic(name="Islamabad clinic", code="ISB", time_zone=clinic_zone)
    patient = Patient(given_name="Amina", preferred_language=language)
    appointment = Appointment(starts_at=starts_at, modality="microneedling")
    reminder = Reminder(
        kind=ReminderKind.APPOINTMENT, clinic=clinic, patient=patient, appointment=appointment
    )
    with timezone.override(active):  # whatever the worker's active zone
        _subject, body = reminders.compose(reminder)
    local = starts_at.astimezone(ZoneInfo(clinic_zone or settings.TIME_ZONE))
    assert f"{local:%H:%M}" in body and f"{starts_at:%H:%M}" not in body
    assert f"({clinic.zone_name}" in body
    with translation.override(language):
        assert formats.date_format(local) in body
