"""Background task of the analytics app: recompute one clinic's snapshot (Django's tasks API,
django-tasks backport; immediate in development and tests, the database worker in
production with TASKS_BACKEND=database and ``manage.py run_worker``)."""

from __future__ import annotations

from django_tasks import task

from scarclinic.analytics import services


@task()
def refresh_snapshot(clinic_id: int) -> str:
    """Compute the clinic's analytics snapshot; its status afterwards."""
    return services.snapshot_compute(clinic_id=clinic_id).status
