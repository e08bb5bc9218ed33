"""Run in a child process by test_smoke_services.py before the services start: the named
cast, and an appointment whose reminder is due now. Prints the reminder's id."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scarclinic.treatments.models import Reminder
from scarclinic.treatments.tests.test_reminders import _booked
from tests.cast import build_cast


def main() -> None:
    cast = build_cast()
    _booked(cast)
    reminder = Reminder.objects.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    print(reminder.pk)  # noqa: T201 - the parent test reads it
