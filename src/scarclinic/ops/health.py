"""Liveness and readiness.

``/healthz`` answers 200 while the process can serve Python: no database, no storage, so a
load balancer or systemd does not restart every web process when PostgreSQL is down.
``/readyz`` says whether this process should receive traffic: the database answers, the file
storage answers, and (when tasks go to the database worker) a worker has sent a heartbeat
within ``WORKER_STALE_SECONDS``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone


def database_ready() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return f"error: {type(exc).__name__}"
    return "ok"


def worker_expected() -> bool:
    """Tasks are queued in the database only with the database backend; the immediate
    backend (development, tests) runs them in the request and needs no worker."""
    backend = settings.TASKS["default"]["BACKEND"]
    return str(backend).startswith("django_tasks_db.")


def worker_ready() -> str:
    if not worker_expected():
        return "not used"
    from scarclinic.ops.models import WorkerHeartbeat

    fresh = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    try:
        newest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True)
        seen = newest.first()
    except Exception as exc:  # noqa: BLE001 - the database check reports the cause
        return f"error: {type(exc).__name__}"
    if seen is None:
        return "error: no worker has started"
    if seen < fresh:
        return "error: worker heartbeat is stale"
    return "ok"


def readiness() -> tuple[bool, dict[str, str]]:
    from scarclinic.ops.storage import storage_ready

    checks = {"database": database_ready()}
    checks["storage"] = storage_ready()
    checks["worker"] = worker_ready() if checks["database"] == "ok" else "unknown"
    ready = all(v in {"ok", "not used"} for v in checks.values())
    return ready, checks
