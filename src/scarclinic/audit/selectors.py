from __future__ import annotations

from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from scarclinic.audit.models import AuditEntry


def audit_entries(
    *,
    clinic_ids: list[int],
    actor: str = "",
    action: str = "",
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries of the given clinics (and sign-in events of their staff), newest first."""
    qs = AuditEntry.objects.filter(clinic_id__in=clinic_ids) | AuditEntry.objects.filter(
        clinic_id__isnull=True, actor__memberships__clinic_id__in=clinic_ids
    )
    qs = qs.distinct()
    if actor:
        qs = qs.filter(actor_username__istartswith=actor)
    if action:
        qs = qs.filter(action=action)
    if patient_id is not None:
        qs = qs.filter(patient_id=patient_id)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-seq")


def audit_page(qs: QuerySet[AuditEntry], page: int, per_page: int = 50) -> Page[AuditEntry]:
    return Paginator(qs, per_page).get_page(page)
