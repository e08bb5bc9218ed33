"""The precomputed analytics of a clinic: one snapshot row per clinic, refreshed by a
background task; the pages read it and never aggregate on a request."""

from __future__ import annotations

import re
from typing import Final

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop

from scarclinic.accounts.models import Clinic

# The steps of a refresh, stored in English in ``progress`` (what the worker writes) and
# shown in the reader's language (``progress_display``).
PROGRESS_WAITING: Final = gettext_noop("Waiting for the background worker")
PROGRESS_COUNTING: Final = gettext_noop("Counting the assessments and procedures")
PROGRESS_SCALE: Final = gettext_noop("Scale %(i)d of %(n)d: tables and the mixed-effects model")
_SCALE_STEP: Final = re.compile(r"Scale (\d+) of (\d+): tables and the mixed-effects model")


class SnapshotStatus(models.TextChoices):
    EMPTY = "empty", "Not computed yet"
    QUEUED = "queued", "Waiting for the background worker"
    RUNNING = "running", "Computing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class AnalyticsSnapshot(models.Model):
    """A clinic's cohort figures as last computed: ``results`` (JSON, per scale: tables,
    time to response, the model), the counts of what went in (``inputs``), when it was
    computed and how long it took, and the state of a refresh under way."""

    clinic = models.OneToOneField(
        Clinic, on_delete=models.CASCADE, related_name="analytics_snapshot"
    )
    status = models.CharField(
        max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.EMPTY
    )
    progress = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    inputs = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["clinic"]

    def __str__(self) -> str:
        return f"Analytics of clinic {self.clinic_id} ({self.status})"

    @property
    def has_results(self) -> bool:
        return bool(self.results) and self.computed_at is not None

    @property
    def progress_display(self) -> str:
        """The refresh's current step in the active language."""
        step = _SCALE_STEP.fullmatch(self.progress)
        if step is not None:
            return gettext(PROGRESS_SCALE) % {"i": int(step[1]), "n": int(step[2])}
        if self.progress in (PROGRESS_WAITING, PROGRESS_COUNTING):
            return gettext(self.progress)
        return self.progress

    @property
    def refreshing(self) -> bool:
        return self.status in (SnapshotStatus.QUEUED, SnapshotStatus.RUNNING)
