"""The precomputed analytics of a clinic: one snapshot row per clinic, refreshed by a
background task; the pages read it and never aggregate on a request."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scarclinic.accounts.models import Clinic


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
    def refreshing(self) -> bool:
        return self.status in (SnapshotStatus.QUEUED, SnapshotStatus.RUNNING)
