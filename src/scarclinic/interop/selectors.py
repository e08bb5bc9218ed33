"""Reads of the interop app, scoped to the clinics where the user may bulk-export: a job or a
file of another clinic is answered exactly like one that does not exist."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.interop.models import BulkExportFile, BulkExportJob


def jobs_for_clinic(*, clinic_id: int, limit: int = 20) -> QuerySet[BulkExportJob]:
    return BulkExportJob.objects.filter(clinic_id=clinic_id).select_related("requested_by")[:limit]


def job_for_user(*, user: User | AnonymousUser, job_id: int) -> BulkExportJob:
    job = (
        BulkExportJob.objects.select_related("requested_by", "clinic")
        .filter(pk=job_id, clinic_id__in=clinic_ids_with(user, Perm.FHIR_BULK_EXPORT))
        .first()
    )
    if job is None:
        raise Http404("No such export.")
    return job


def file_for_user(*, user: User | AnonymousUser, job_id: int, file_id: int) -> BulkExportFile:
    found = (
        BulkExportFile.objects.select_related("job")
        .filter(
            pk=file_id,
            job_id=job_id,
            job__clinic_id__in=clinic_ids_with(user, Perm.FHIR_BULK_EXPORT),
        )
        .first()
    )
    if found is None:
        raise Http404("No such file.")
    return found
