"""Bulk exports of a clinic as FHIR NDJSON: the job (who asked, how far it got) and its files.

The job is run by a background task (tasks.py); the page polls the job's row for progress,
so the director can leave and come back. Files are stored under random names in the private
media storage and served only through a permission-checked, audited view."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic


class ExportStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    RUNNING = "running", gettext_lazy("Running")
    COMPLETED = "completed", gettext_lazy("Completed")
    FAILED = "failed", gettext_lazy("Failed")


class BulkExportJob(models.Model):
    """One export of a whole clinic, FHIR Bulk Data style: kick-off, status, files."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    fhir_version = models.CharField(max_length=5, default="4.0")
    base_url = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    current_type = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["clinic", "-requested_at"], name="bulk_export_clinic")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="bulk_done_within_total"
            )
        ]

    def __str__(self) -> str:
        return f"Bulk export {self.pk} of clinic {self.clinic_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.COMPLETED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.COMPLETED, ExportStatus.FAILED)


class BulkExportFile(models.Model):
    """One NDJSON file of a job: every resource of one type, one per line."""

    job = models.ForeignKey(BulkExportJob, on_delete=models.PROTECT, related_name="files")
    resource_type = models.CharField(max_length=40)
    file = models.FileField()
    count = models.PositiveIntegerField()
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["job", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "resource_type"], name="one_file_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}.ndjson of export {self.job_id}"
