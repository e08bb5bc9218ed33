"""Every write of the interop app, and the exports' audit entries.

- ``everything_export``: one patient's record as a Bundle, audited with what it contained.
- ``bulk_export_start`` / ``bulk_export_run``: the clinic as NDJSON, run by a task.
- ``patients_import``: patients from a file, all or nothing, through the patients app's own
  registration and update services (same validation, same audit entries)."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.config.db_routing import replica_reads
from scarclinic.interop import export
from scarclinic.interop.importing import ImportLine
from scarclinic.interop.models import BulkExportFile, BulkExportJob, ExportStatus
from scarclinic.interop.resources import streaming
from scarclinic.patients import services as patient_services
from scarclinic.patients.models import Patient
from scarclinic.patients.selectors import patient_for_user

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 500  # resources between two progress writes


@transaction.atomic
def everything_export(*, user: User, patient_id: int, version: str, base_url: str) -> Any:
    """The patient's whole record as a searchset Bundle, if the user may export it (404
    otherwise); the audit entry lists the resource counts and ids it contained."""
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.FHIR_EXPORT, audit=False)
    record = export.patient_resources(patient, version=version, base_url=base_url)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="interop.everything",
        object_id=patient.pk,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=user,
        detail={"fhir_version": version, "counts": record.counts, "ids": record.ids},
    )
    return export.bundle(record, version=version, base_url=base_url)


# ------------------------------------------------------------------------------------------
# Bulk export


@transaction.atomic
def bulk_export_start(*, clinic: Clinic, by: User, base_url: str) -> BulkExportJob:
    """Queue an export of the whole clinic; the task starts once this commits."""
    if not has_perm_in(by, clinic.pk, Perm.FHIR_BULK_EXPORT):
        raise PermissionDenied
    job = BulkExportJob.objects.create(
        clinic=clinic, requested_by=by, requested_at=timezone.now(), base_url=base_url[:300]
    )
    audit_record(
        action=AuditAction.EXPORT,
        object_type="interop.bulkexportjob",
        object_id=job.pk,
        clinic_id=clinic.pk,
        actor=by,
        detail={"step": "requested", "fhir_version": job.fhir_version},
    )
    from scarclinic.interop.tasks import run_bulk_export

    transaction.on_commit(lambda: run_bulk_export.enqueue(job.pk))
    return job


def _progress(job: BulkExportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    BulkExportJob.objects.filter(pk=job.pk).update(**fields)


def bulk_export_run(*, job_id: int) -> BulkExportJob:
    """Write one NDJSON file per resource type, reading in chunks from the replica when
    there is one, and record progress on the job as it goes. Idempotent: a job already
    started is left as it is. A failure marks the job failed and offers none of its files."""
    job = BulkExportJob.objects.select_related("clinic").get(pk=job_id)
    if job.status != ExportStatus.QUEUED:
        return job
    try:
        _run(job)
    except Exception as exc:  # noqa: BLE001 -- the job must say it failed, whatever failed
        _progress(
            job,
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: the export stopped; nothing of it is offered."[:500],
        )
        BulkExportFile.objects.filter(job=job).delete()
        # Logged without data: the job row tells the director; the traceback tells IT.
        logger.exception("bulk export %s failed", job.pk)
    return job


def _run(job: BulkExportJob) -> None:
    clinic = job.clinic
    with replica_reads():
        counts = {e.resource_type: e.count(clinic) for e in export.EXPORTERS}
    _progress(
        job,
        status=ExportStatus.RUNNING,
        started_at=timezone.now(),
        total=sum(counts.values()),
        done=0,
    )
    done = 0
    written: dict[str, int] = {}
    for exporter in export.EXPORTERS:
        _progress(job, current_type=exporter.resource_type)
        count = 0
        digest = hashlib.sha256()
        with tempfile.TemporaryFile() as out:
            with replica_reads(), streaming():
                for resource in exporter.rows(clinic, job.fhir_version, job.base_url):
                    line = resource.model_dump_json().encode() + b"\n"
                    out.write(line)
                    digest.update(line)
                    count += 1
                    if (done + count) % PROGRESS_EVERY == 0:
                        _progress(job, done=min(done + count, job.total))
            done += count
            if count:
                size = out.tell()
                out.seek(0)
                name = default_storage.save(
                    f"fhir-exports/{job.pk}-{exporter.resource_type}.ndjson", File(out)
                )
                BulkExportFile.objects.create(
                    job=job,
                    resource_type=exporter.resource_type,
                    file=name,
                    count=count,
                    size_bytes=size,
                    sha256=digest.hexdigest(),
                )
        written[exporter.resource_type] = count
        # Rows added while the export ran may make the count grow past the first estimate.
        total = max(job.total, done)
        _progress(job, done=done, total=total)
    with transaction.atomic():
        _progress(job, status=ExportStatus.COMPLETED, finished_at=timezone.now(), current_type="")
        audit_record(
            action=AuditAction.EXPORT,
            object_type="interop.bulkexportjob",
            object_id=job.pk,
            clinic_id=clinic.pk,
            actor=job.requested_by,
            detail={"step": "completed", "counts": written, "fhir_version": job.fhir_version},
        )


def bulk_file_downloaded(*, file: BulkExportFile, by: User) -> None:
    audit_record(
        action=AuditAction.EXPORT,
        object_type="interop.bulkexportfile",
        object_id=file.pk,
        clinic_id=file.job.clinic_id,
        actor=by,
        detail={"step": "downloaded", "resource_type": file.resource_type, "count": file.count},
    )


# ------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportReport:
    """What an import did, or would have done: one line per patient of the file."""

    source: str
    lines: list[ImportLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def rejected(self) -> bool:
        return bool(self.problems) or any(line.errors for line in self.lines)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("created", "updated", "unchanged", "rejected")}


class ImportRejected(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("import rejected")
        self.report = report


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)


def patients_import(*, clinic: Clinic, by: User, report: ImportReport) -> ImportReport:
    """Register or update every patient of the report's lines, matching on the clinic's MRN;
    all or nothing: one line that cannot be saved rejects the whole file
    (:class:`ImportRejected`, with every reason found), and nothing is saved."""
    if not has_perm_in(by, clinic.pk, Perm.PATIENT_IMPORT):
        raise PermissionDenied
    try:
        with transaction.atomic():
            _import_lines(clinic=clinic, by=by, report=report)
            if report.rejected:
                raise ImportRejected(report)
            audit_record(
                action=AuditAction.CREATE,
                object_type="interop.import",
                clinic_id=clinic.pk,
                actor=by,
                detail={
                    "source": report.source,
                    "summary": report.summary,
                    "patients": [line.patient_id for line in report.lines],
                },
            )
    except ImportRejected:
        for line in report.lines:
            line.outcome = "rejected" if line.errors else "not saved"
            line.patient_id = None if line.outcome != "rejected" else line.patient_id
        audit_record(
            action=AuditAction.CREATE,
            object_type="interop.import",
            clinic_id=clinic.pk,
            actor=by,
            detail={"source": report.source, "rejected": True, "lines": len(report.lines)},
        )
        raise
    return report


def _import_lines(*, clinic: Clinic, by: User, report: ImportReport) -> None:
    seen: dict[str, str] = {}
    for line in report.lines:
        if line.data is None or line.errors:
            line.outcome = "rejected"
            continue
        mrn = str(line.data["mrn"]).strip()
        if mrn in seen:
            line.errors.append(
                _("MRN %(mrn)s is also in %(where)s of this file.")
                % {"mrn": mrn, "where": seen[mrn]}
            )
            line.outcome = "rejected"
            continue
        seen[mrn] = line.where
        existing = Patient.objects.filter(clinic=clinic, mrn=mrn).first()
        try:
            if existing is None:
                created = patient_services.patient_register(clinic=clinic, by=by, **line.data)
                line.outcome, line.patient_id = "created", created.pk
            else:
                changes = {k: v for k, v in line.data.items() if getattr(existing, k) != v}
                if changes:
                    patient_services.patient_update_demographics(patient=existing, by=by, **changes)
                    line.outcome = "updated"
                else:
                    line.outcome = "unchanged"
                line.patient_id = existing.pk
        except ValidationError as exc:
            line.errors.extend(_messages(exc))
            line.outcome = "rejected"
