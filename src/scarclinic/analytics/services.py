"""Writes of the analytics app: asking for a refresh of a clinic's snapshot, and computing it
(in the background task). Reads of patient data here are aggregate, read from the replica
when one is configured, and audited."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from scarclinic.accounts.models import Clinic, User
from scarclinic.analytics import cohort
from scarclinic.analytics.models import (
    PROGRESS_COUNTING,
    PROGRESS_SCALE,
    PROGRESS_WAITING,
    AnalyticsSnapshot,
    SnapshotStatus,
)
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.config.db_routing import replica_reads
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import ProcedureRecord, ProcedureStatus

logger = logging.getLogger(__name__)

# A refresh still "queued" or "running" after this long is taken as lost (a worker that
# died); asking again then queues a new one.
STALE_AFTER = timedelta(minutes=30)


def _snapshot(clinic_id: int) -> AnalyticsSnapshot:
    snapshot, _ = AnalyticsSnapshot.objects.get_or_create(clinic_id=clinic_id)
    return snapshot


@transaction.atomic
def snapshot_request_refresh(*, clinic: Clinic, by: User | None) -> AnalyticsSnapshot:
    """Queue a recomputation of the clinic's figures, unless one is already under way. The
    task is enqueued once the transaction commits."""
    _snapshot(clinic.pk)
    snapshot = AnalyticsSnapshot.objects.select_for_update().get(clinic=clinic)
    now = timezone.now()
    if (
        snapshot.refreshing
        and snapshot.requested_at is not None
        and now - snapshot.requested_at < STALE_AFTER
    ):
        return snapshot
    snapshot.status = SnapshotStatus.QUEUED
    snapshot.progress = PROGRESS_WAITING
    snapshot.requested_at = now
    snapshot.requested_by = by
    snapshot.error = ""
    snapshot.save(update_fields=["status", "progress", "requested_at", "requested_by", "error"])
    audit_record(
        actor=by,
        action=AuditAction.UPDATE,
        object_type="analytics.analyticssnapshot",
        object_id=snapshot.pk,
        clinic_id=clinic.pk,
        detail={"refresh": "requested"},
    )
    from scarclinic.analytics.tasks import refresh_snapshot

    transaction.on_commit(lambda: refresh_snapshot.enqueue(clinic.pk))
    return snapshot


def _progress(snapshot: AnalyticsSnapshot, text: str, status: str = SnapshotStatus.RUNNING) -> None:
    # Saved at once (no transaction around the computation), so the page can show it.
    AnalyticsSnapshot.objects.filter(pk=snapshot.pk).update(progress=text[:200], status=status)


def snapshot_inputs(clinic_id: int) -> dict[str, int]:
    """What the figures are computed from: counts, each one aggregate query."""
    return {
        "patients": Patient.objects.filter(clinic_id=clinic_id).count(),
        "assessments": ScarAssessment.objects.filter(
            patient__clinic_id=clinic_id, status=AssessmentStatus.SIGNED
        ).count(),
        "procedures": ProcedureRecord.objects.filter(
            patient__clinic_id=clinic_id, status=ProcedureStatus.SIGNED
        ).count(),
    }


def snapshot_compute(
    *, clinic_id: int, model_max_patients: int = cohort.MODEL_MAX_PATIENTS
) -> AnalyticsSnapshot:
    """Compute every figure of the clinic for both scales and store them in its snapshot.
    A failure is stored as the snapshot's error (the previous results are kept)."""
    snapshot = _snapshot(clinic_id)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    results: dict[str, Any] = {}
    try:
        with replica_reads():
            _progress(snapshot, PROGRESS_COUNTING)
            inputs: dict[str, Any] = snapshot_inputs(clinic_id)
            for i, scale in enumerate(cohort.SCALES, start=1):
                _progress(
                    snapshot,
                    PROGRESS_SCALE % {"i": i, "n": len(cohort.SCALES)},
                )
                results[scale] = cohort.scale_figures(
                    clinic_id, scale, model_max_patients=model_max_patients, timings=timings
                )
    except Exception as error:  # stored for the page; the log keeps the trace (no patient data)
        logger.exception("analytics snapshot of clinic %s failed", clinic_id)
        AnalyticsSnapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.FAILED,
            progress="",
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        snapshot.refresh_from_db()
        return snapshot
    inputs["patients_with_follow_up"] = results[cohort.DEFAULT_SCALE]["tables"]["overall"]["n"]
    inputs["timings_ms"] = {k: round(v * 1000) for k, v in timings.items()}
    with transaction.atomic():
        AnalyticsSnapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.READY,
            progress="",
            error="",
            computed_at=timezone.now(),
            duration_ms=round((time.perf_counter() - started) * 1000),
            inputs=inputs,
            results=results,
        )
        audit_record(
            actor=snapshot.requested_by,
            action=AuditAction.READ,
            object_type="analytics.analyticssnapshot",
            object_id=snapshot.pk,
            clinic_id=clinic_id,
            detail={
                "computed": True,
                "inputs": {k: inputs[k] for k in ("patients", "assessments", "procedures")},
            },
        )
    snapshot.refresh_from_db()
    return snapshot
