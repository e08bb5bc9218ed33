"""Background tasks of the treatments app (Django's tasks API, django-tasks backport): run at
once by the immediate backend in development and tests, by the database worker in production
(TASKS_BACKEND=database, ``manage.py run_worker``). ``manage.py send_reminders`` from cron
queues the reminders that are due, retries included."""

from __future__ import annotations

from django_tasks import task

from scarclinic.treatments.services import reminder_runs, reminders


@task()
def send_reminder(reminder_id: int) -> str:
    """Send one reminder if it is due and not sent yet; the status afterwards."""
    return reminders.reminder_send(reminder_id=reminder_id)


@task()
def dispatch_due_reminders() -> int:
    """Queue every reminder that is due now; how many."""
    return reminders.reminders_dispatch()


@task()
def run_due_reminders(run_id: int) -> str:
    """A run started from the Reminders page: send the clinic's due reminders; its status."""
    return reminder_runs.reminder_run_execute(run_id=run_id).status
