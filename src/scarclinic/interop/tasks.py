"""Background work of the interop app (Django's tasks API, django-tasks backport): the
immediate backend runs it at once in development and tests, the database worker in
production (TASKS_BACKEND=database, ``manage.py run_worker``)."""

from __future__ import annotations

from django_tasks import task

from scarclinic.interop import services


@task()
def run_bulk_export(job_id: int) -> str:
    """Export a whole clinic as NDJSON files; the job's status afterwards."""
    return services.bulk_export_run(job_id=job_id).status
