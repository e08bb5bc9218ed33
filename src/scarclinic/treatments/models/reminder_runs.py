"""A run of the due reminders started by a member of staff from the Reminders page: sent in the
background, its progress kept on the row so the page can be left and come back to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic


class ReminderRunStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    RUNNING = "running", gettext_lazy("Sending")
    COMPLETED = "completed", gettext_lazy("Finished")
    FAILED = "failed", gettext_lazy("Stopped by an error")


OPEN_RUN_STATUSES = (ReminderRunStatus.QUEUED, ReminderRunStatus.RUNNING)


class ReminderRun(models.Model):
    """One "send the due reminders now" of a clinic. At most one is queued or running per
    clinic (a partial unique constraint): a second press finds the one under way.

    ``total`` is how many reminders were due when it started; ``done`` how many it has dealt
    with, of which ``sent``, ``failed`` (will retry or gave up) and ``skipped`` (no email
    address); the rest were sent or taken by another worker meanwhile."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderRunStatus.choices, default=ReminderRunStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["clinic", "-requested_at"], name="reminder_run_clinic")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="reminder_run_done_in_total"
            ),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_open_reminder_run_per_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder run {self.pk} of clinic {self.clinic_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ReminderRunStatus.COMPLETED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status not in OPEN_RUN_STATUSES
