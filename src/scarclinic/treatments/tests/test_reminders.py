"""Reminders: 48 hours before an appointment and on the post-care days; sent by the tasks,
recorded as sent or failed, retried after a failure, never sent twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from scarclinic.treatments.models import Reminder, ReminderStatus, TreatmentSession
from scarclinic.treatments.services import postcare, procedures, reminders, scheduling
from scarclinic.treatments.tasks import dispatch_due_reminders, send_reminder
from scarclinic.treatments.tests.plan_stories import (
    accepted_plan,
    at,
    clinic_a,
    next_weekday,
    ready_for_prp,
)
from scarclinic.treatments.tests.test_procedures import PRP_DETAILS
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _booked(cast: Cast, days_ahead: int = 5) -> Any:
    world = clinic_a(cast)
    ready_for_prp(cast)
    cast.amina.email = "amina@example.org"
    cast.amina.save(update_fields=["email"])
    session = TreatmentSession.objects.filter(plan=accepted_plan(cast)).order_by("number").first()
    assert session is not None
    return scheduling.appointment_book(
        session=session,
        by=cast.frontdesk,
        starts_at=at(next_weekday(days_ahead), 10),
        clinician=cast.physician,
        room=world.room1,
    ).appointment


def test_booking_schedules_one_reminder_48_hours_before(cast: Cast) -> None:
    appointment = _booked(cast)
    reminder = Reminder.objects.get()
    assert reminder.due_at == appointment.starts_at - dt.timedelta(hours=48)
    assert reminder.status == ReminderStatus.PENDING
    assert reminders.schedule_appointment_reminder(appointment) == reminder  # not twice


def test_the_dispatcher_sends_a_due_reminder_once_and_never_again(cast: Cast) -> None:
    appointment = _booked(cast)
    assert reminders.reminders_dispatch() == 0  # not due yet
    later = appointment.starts_at - dt.timedelta(hours=47)
    reminder = Reminder.objects.get()
    assert reminders.reminder_send(reminder_id=reminder.pk, now=later) == "sent"
    assert reminders.reminder_send(reminder_id=reminder.pk, now=later) == "sent"
    send_reminder.enqueue(reminder.pk)  # a late duplicate task changes nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@example.org"]
    assert "Microneedling with PRP" in message.body and "10:00" in message.body
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.sent_to == "amina@example.org"


def test_a_failed_send_is_recorded_and_retried_later(cast: Cast, settings: Any) -> None:
    appointment = _booked(cast)
    reminder = Reminder.objects.get()
    when = appointment.starts_at - dt.timedelta(hours=47)
    settings.EMAIL_BACKEND = "scarclinic.treatments.tests.test_reminders.BrokenBackend"
    assert reminders.reminder_send(reminder_id=reminder.pk, now=when) == "failed"
    reminder.refresh_from_db()
    assert reminder.attempts == 1 and "refused" in reminder.last_error
    assert reminder.next_attempt_at is not None
    # Not before the retry time; then sent by the dispatcher, once.
    assert reminders.due_reminder_ids(now=when) == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = reminder.next_attempt_at + dt.timedelta(seconds=1)
    assert reminders.due_reminder_ids(now=retry) == [reminder.pk]
    assert reminders.reminder_send(reminder_id=reminder.pk, now=retry) == "sent"
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.attempts == 2


def test_the_tasks_send_what_is_due(cast: Cast) -> None:
    appointment = _booked(cast, days_ahead=1)  # booked within 48 h: due at once
    assert Reminder.objects.get().due_at <= timezone.now()
    result = dispatch_due_reminders.enqueue()
    assert result.return_value == 1
    assert len(mail.outbox) == 1 and Reminder.objects.get().status == "sent"
    assert appointment.pk


def test_moving_an_appointment_cancels_the_old_reminder_and_makes_a_new_one(cast: Cast) -> None:
    appointment = _booked(cast)
    scheduling.appointment_move(
        appointment=appointment,
        by=cast.frontdesk,
        starts_at=appointment.starts_at + dt.timedelta(days=1),
    )
    statuses = dict(Reminder.objects.values_list("status", "due_at"))
    assert set(statuses) == {"cancelled", "pending"}
    assert statuses["pending"] == appointment.starts_at + dt.timedelta(days=1, hours=-48)


def test_the_idempotency_key_is_unique_in_the_database(cast: Cast) -> None:
    _booked(cast)
    existing = Reminder.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            clinic=existing.clinic,
            patient=existing.patient,
            kind=existing.kind,
            appointment=existing.appointment,
            due_at=existing.due_at,
            idempotency_key=existing.idempotency_key,
            created_at=timezone.now(),
        )


def test_post_care_reminders_fall_on_the_days_the_instructions_name(cast: Cast) -> None:
    appointment = _booked(cast)
    cast.amina.preferred_language = "ur"  # the reminder is in the patient's language
    cast.amina.save(update_fields=["preferred_language"])
    session = appointment.session
    record = procedures.procedure_start(session=session, by=cast.nurse, confirmed=True)
    procedures.procedure_record_details(record=record, by=cast.nurse, details=PRP_DETAILS)
    given = postcare.postcare_give(session=session, by=cast.nurse, language="ur")
    postcare.postcare_give(session=session, by=cast.nurse, language="ur")  # again: no new ones
    rows = Reminder.objects.filter(kind="postcare").order_by("day")
    assert [r.day for r in rows] == [1, 3, 7]  # the demo wording's placeholder days
    first = rows[0]
    local = timezone.localtime(first.due_at)
    assert local.date() == record.performed_on + dt.timedelta(days=1) and local.hour == 10
    assert reminders.reminder_send(reminder_id=first.pk, now=first.due_at) == "sent"
    body = mail.outbox[-1].body
    assert "سن اسکرین" in body and given.template.language == "ur"


class BrokenBackend:
    """An email backend whose server refuses everything."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("refused by the mail server")
