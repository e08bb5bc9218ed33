"""Writes of the Reminders page: a run that sends a clinic's due reminders now, in the
background, with its progress on the row; and putting a reminder that gave up back in line.

A run sends each reminder through ``reminders.reminder_send``, the same claim-then-send path
as the cron dispatcher: a reminder the dispatcher or another run took meanwhile is not sent
twice, it is only counted as dealt with. One run at a time per clinic: a second press finds the
run under way (and the database's partial unique constraint holds if two presses race)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.treatments.models import (
    OPEN_RUN_STATUSES,
    Reminder,
    ReminderKind,
    ReminderRun,
    ReminderRunStatus,
    ReminderStatus,
)
from scarclinic.treatments.services import reminders
from scarclinic.treatments.services.common import require

logger = logging.getLogger(__name__)

# How a reminder's status after a send attempt is counted on the run.
_COUNTED = {
    ReminderStatus.SENT: "sent",
    ReminderStatus.FAILED: "failed",
    ReminderStatus.GAVE_UP: "failed",
    ReminderStatus.SKIPPED: "skipped",
}


def reminder_run_start(*, clinic: Clinic, by: User) -> tuple[ReminderRun, bool]:
    """Start sending the clinic's due reminders in the background, or find the run already
    under way; (the run, whether this call started it). The task starts once this commits."""
    require(by, clinic.pk, Perm.REMINDERS_SEND)
    try:
        return _start(clinic=clinic, by=by), True
    except IntegrityError:  # another press won the race: show its run
        running = ReminderRun.objects.filter(clinic=clinic, status__in=OPEN_RUN_STATUSES).first()
        if running is None:
            raise
        return running, False
    except _AlreadyRunning as already:
        return already.run, False


class _AlreadyRunning(Exception):
    def __init__(self, run: ReminderRun) -> None:
        self.run = run


@transaction.atomic
def _start(*, clinic: Clinic, by: User) -> ReminderRun:
    running = (
        ReminderRun.objects.select_for_update()
        .filter(clinic=clinic, status__in=OPEN_RUN_STATUSES)
        .first()
    )
    if running is not None:
        raise _AlreadyRunning(running)
    run = ReminderRun.objects.create(clinic=clinic, requested_by=by, requested_at=timezone.now())
    audit_record(
        action=AuditAction.CREATE,
        object_type="treatments.reminderrun",
        object_id=run.pk,
        clinic_id=clinic.pk,
        actor=by,
        detail={"step": "requested"},
    )
    from scarclinic.treatments.tasks import run_due_reminders

    transaction.on_commit(lambda: run_due_reminders.enqueue(run.pk))
    return run


def _progress(run: ReminderRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    ReminderRun.objects.filter(pk=run.pk).update(**fields)


def reminder_run_execute(*, run_id: int) -> ReminderRun:
    """Send every reminder of the run's clinic due when it starts, recording progress after
    each. Idempotent: a run already started is left as it is. An unexpected error stops the
    run and marks it failed; what was sent stays sent and recorded on each reminder."""
    run = ReminderRun.objects.get(pk=run_id)
    if run.status != ReminderRunStatus.QUEUED:
        return run
    try:
        ids = reminders.due_reminder_ids(clinic_id=run.clinic_id, limit=10_000)
        _progress(run, status=ReminderRunStatus.RUNNING, started_at=timezone.now(), total=len(ids))
        for pk in ids:
            status = reminders.reminder_send(reminder_id=pk)
            counted = {"done": run.done + 1}
            if status in _COUNTED:
                name = _COUNTED[ReminderStatus(status)]
                counted[name] = getattr(run, name) + 1
            _progress(run, **counted)
        _progress(run, status=ReminderRunStatus.COMPLETED, finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 -- the run must say it stopped, whatever stopped it
        _progress(
            run,
            status=ReminderRunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: the run stopped."[:500],
        )
        logger.exception("reminder run %s failed", run.pk)  # ids only, no patient data
    audit_record(
        action=AuditAction.EXPORT,
        object_type="treatments.reminderrun",
        object_id=run.pk,
        clinic_id=run.clinic_id,
        actor=run.requested_by,
        detail={
            "step": run.status,
            "total": run.total,
            "sent": run.sent,
            "failed": run.failed,
            "skipped": run.skipped,
        },
    )
    return run


@transaction.atomic
def reminder_retry(*, reminder: Reminder, by: User) -> Reminder:
    """Put a reminder that gave up back in line (pending, its attempts counted afresh): the next
    run or dispatch sends it. Refused for any other status, and for an appointment that has
    already begun."""
    require(by, reminder.clinic_id, Perm.REMINDERS_SEND)
    locked = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("appointment")
        .get(pk=reminder.pk)
    )
    if locked.status != ReminderStatus.GAVE_UP:
        raise ValidationError(
            {"status": gettext("Only a reminder that gave up after its retries can be retried.")}
        )
    now = timezone.now()
    if (
        locked.kind == ReminderKind.APPOINTMENT
        and locked.appointment is not None
        and locked.appointment.starts_at <= now
    ):
        raise ValidationError(
            {"status": gettext("The appointment has already begun: there is nothing to remind.")}
        )
    attempts = locked.attempts
    locked.status = ReminderStatus.PENDING
    locked.attempts = 0
    locked.next_attempt_at = None
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        action=AuditAction.UPDATE,
        object_type="treatments.reminder",
        object_id=locked.pk,
        patient_id=locked.patient_id,
        clinic_id=locked.clinic_id,
        actor=by,
        detail={"step": "retry", "from": ReminderStatus.GAVE_UP, "attempts_before": attempts},
    )
    return locked
