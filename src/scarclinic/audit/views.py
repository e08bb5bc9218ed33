from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scarclinic.accounts.access import clinic_ids_with, requires
from scarclinic.accounts.roles import Perm
from scarclinic.audit.forms import AuditFilterForm
from scarclinic.audit.selectors import audit_entries, audit_page


@requires(Perm.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = audit_entries(
        clinic_ids=clinic_ids_with(request.user, Perm.AUDIT_VIEW),
        actor=filters.get("actor") or "",
        action=filters.get("action") or "",
        patient_id=filters.get("patient_id"),
        since=filters.get("since"),
        until=filters.get("until"),
    ).select_related(None)
    page = audit_page(
        qs, int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()}
    )
