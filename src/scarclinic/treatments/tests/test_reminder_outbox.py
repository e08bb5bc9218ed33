"""The Reminders page: the front desk and the director see the clinic's reminders by status,
send the due ones now in a background run whose progress can be left and come back to (one run
at a time per clinic), and put a reminder that gave up back in line. Audited; in Urdu too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.treatments.models import (
    Reminder,
    ReminderKind,
    ReminderRun,
    ReminderRunStatus,
    ReminderStatus,
)
from scarclinic.treatments.services import reminder_runs, reminders
from scarclinic.treatments.tests.test_reminders import BrokenBackend, _booked
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
PAGE = "/treatments/reminders/"

assert BrokenBackend  # the mail server that refuses everything, used by name below


def _due_now(cast: Cast) -> Reminder:
    _booked(cast, days_ahead=1)  # within 48 hours: due at once
    return Reminder.objects.get(kind=ReminderKind.APPOINTMENT)


def _more_reminders(like: Reminder, n: int) -> None:
    for k in range(n):
        Reminder.objects.create(
            clinic_id=like.clinic_id,
            patient_id=like.patient_id,
            kind=like.kind,
            appointment_id=like.appointment_id,
            due_at=like.due_at + dt.timedelta(minutes=k + 1),
            idempotency_key=f"{like.idempotency_key}:copy{k}",
            status=ReminderStatus.SENT if k % 2 else ReminderStatus.GAVE_UP,
            sent_at=timezone.now() if k % 2 else None,
            created_at=timezone.now(),
        )


def test_the_front_desk_sees_the_clinics_reminders_by_status_with_the_patients_name(
    cast: Cast, login: Login
) -> None:
    _due_now(cast)
    client = login(cast.frontdesk)
    page = client.get(PAGE).content.decode()
    assert "Amina Qureshi" in page and cast.amina.mrn in page
    assert "1 reminder is due now." in page and "Send the due reminders now" in page
    assert "Amina" not in client.get(f"{PAGE}?status=sent").content.decode()
    assert "Amina" in client.get(f"{PAGE}?status=due").content.decode()
    entry = AuditEntry.objects.filter(object_type="treatments.reminder", action="list").last()
    assert entry is not None and entry.detail["shown"] == [cast.amina.pk]


def test_the_page_takes_the_same_number_of_queries_for_one_reminder_or_many(
    cast: Cast, login: Login, django_assert_num_queries: Any
) -> None:
    first = _due_now(cast)
    client = login(cast.director)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    _more_reminders(first, 12)
    assert count() == few
    with django_assert_num_queries(few):
        client.get(f"{PAGE}?status=gave_up")


def test_sending_now_runs_in_the_background_and_the_run_shows_its_result(
    cast: Cast, login: Login, django_capture_on_commit_callbacks: Any
) -> None:
    reminder = _due_now(cast)
    client = login(cast.frontdesk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}run/")
    run = ReminderRun.objects.get()
    assert response["Location"] == f"{PAGE}runs/{run.pk}/"
    assert (run.status, run.total, run.done, run.sent, run.failed) == ("completed", 1, 1, 1, 0)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["amina@example.org"]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
    page = client.get(response["Location"]).content.decode()
    assert "1 of 1 due reminders dealt with (100%)" in page and "hx-get" not in page
    steps = [
        e.detail["step"]
        for e in AuditEntry.objects.filter(object_type="treatments.reminderrun").order_by("seq")
    ]
    assert steps == ["requested", "completed"]


def test_a_run_under_way_is_polled_and_a_second_press_shows_it_instead_of_starting_another(
    cast: Cast, login: Login
) -> None:
    _due_now(cast)
    running = ReminderRun.objects.create(
        clinic=cast.clinic_a,
        requested_by=cast.director,
        requested_at=timezone.now(),
        status=ReminderRunStatus.RUNNING,
        total=4,
        done=1,
        sent=1,
    )
    client = login(cast.frontdesk)
    response = client.post(f"{PAGE}run/", follow=True)
    assert ReminderRun.objects.count() == 1
    page = response.content.decode()
    assert "Reminders are already being sent" in page and "1 of 4" in page
    progress = client.get(f"{PAGE}runs/{running.pk}/progress/").content.decode()
    assert f'hx-get="{PAGE}runs/{running.pk}/progress/"' in progress and "25%" in progress
    assert "Follow the run" in client.get(PAGE).content.decode()  # left and come back to


def test_the_database_holds_one_open_run_per_clinic(cast: Cast) -> None:
    run, started = reminder_runs.reminder_run_start(clinic=cast.clinic_a, by=cast.frontdesk)
    again, started_again = reminder_runs.reminder_run_start(clinic=cast.clinic_a, by=cast.director)
    assert started and not started_again and again == run
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderRun.objects.create(
            clinic=cast.clinic_a, requested_by=cast.director, requested_at=timezone.now()
        )
    # Another clinic runs on its own.
    ReminderRun.objects.create(
        clinic=cast.clinic_b, requested_by=cast.outsider, requested_at=timezone.now()
    )


def test_a_failed_send_is_counted_and_an_error_stops_the_run_saying_so(
    cast: Cast, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _due_now(cast)
    settings.EMAIL_BACKEND = "scarclinic.treatments.tests.test_reminders.BrokenBackend"
    run = ReminderRun.objects.create(
        clinic=cast.clinic_a, requested_by=cast.frontdesk, requested_at=timezone.now()
    )
    run = reminder_runs.reminder_run_execute(run_id=run.pk)
    assert (run.status, run.done, run.failed, run.sent) == ("completed", 1, 1, 0)
    assert reminder_runs.reminder_run_execute(run_id=run.pk).done == 1  # never run twice

    def explode(**kwargs: Any) -> str:
        raise RuntimeError("database went away")

    monkeypatch.setattr(reminders, "reminder_send", explode)
    Reminder.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    stopped = ReminderRun.objects.create(
        clinic=cast.clinic_a, requested_by=cast.frontdesk, requested_at=timezone.now()
    )
    stopped = reminder_runs.reminder_run_execute(run_id=stopped.pk)
    assert stopped.status == "failed" and stopped.error.startswith("RuntimeError")


def test_a_reminder_that_gave_up_can_be_put_back_in_line_once(cast: Cast, login: Login) -> None:
    reminder = _due_now(cast)
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.GAVE_UP, attempts=5)
    client = login(cast.director)
    response = client.post(f"{PAGE}{reminder.pk}/retry/", follow=True)
    assert "The reminder is waiting again" in response.content.decode()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.PENDING, 0)
    entry = AuditEntry.objects.filter(object_type="treatments.reminder", action="update").get()
    assert entry.detail == {"step": "retry", "from": "gave_up", "attempts_before": 5}
    again = client.post(f"{PAGE}{reminder.pk}/retry/", follow=True).content.decode()
    assert "Only a reminder that gave up" in again
    assert reminders.due_reminder_ids(clinic_id=cast.clinic_a.pk) == [reminder.pk]


@pytest.fixture
def _english_afterwards() -> Iterator[None]:
    yield
    translation.deactivate()  # an Urdu request leaves Urdu active in this thread


@pytest.mark.usefixtures("_english_afterwards")
def test_the_page_and_the_run_are_in_urdu_for_an_urdu_reader(cast: Cast, login: Login) -> None:
    _due_now(cast)
    Reminder.objects.update(status=ReminderStatus.SKIPPED)
    cast.frontdesk.preferred_language = "ur"
    cast.frontdesk.save(update_fields=["preferred_language"])
    client = login(cast.frontdesk)
    page = client.get(PAGE).content.decode()
    assert 'dir="rtl"' in page
    for urdu in ("یاد دہانیاں", "کلینک کی یاد دہانیاں", "مریض کا کوئی ای میل پتا نہیں ہے۔"):
        assert urdu in page
    for english in ("Send now", "The clinic's reminders", "Attempts", "no email address"):
        assert english not in page
    run = ReminderRun.objects.create(
        clinic=cast.clinic_a, requested_by=cast.frontdesk, requested_at=timezone.now()
    )
    run_page = client.get(f"{PAGE}runs/{run.pk}/").content.decode()
    assert "پیش رفت" in run_page and "قطار میں" in run_page and "Progress" not in run_page


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(outcomes=st.lists(st.sampled_from([*ReminderStatus.values, "missing"]), max_size=8))
def test_a_runs_counts_always_add_up(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    """Whatever each send ends in (sent elsewhere meanwhile, failed, skipped ...), the run
    deals with every due reminder once and its counts add up."""
    answers = iter(outcomes)
    monkeypatch.setattr(reminders, "due_reminder_ids", lambda **kw: list(range(len(outcomes))))
    monkeypatch.setattr(reminders, "reminder_send", lambda **kw: next(answers))
    run = ReminderRun.objects.create(
        clinic=cast.clinic_a, requested_by=cast.frontdesk, requested_at=timezone.now()
    )
    run = reminder_runs.reminder_run_execute(run_id=run.pk)
    stored = ReminderRun.objects.get(pk=run.pk)
    assert (stored.status, stored.total, stored.done) == ("completed", len(outcomes), len(outcomes))
    assert stored.sent == outcomes.count("sent")
    assert stored.failed == outcomes.count("failed") + outcomes.count("gave_up")
    assert stored.skipped == outcomes.count("skipped")
    assert stored.percent == 100
