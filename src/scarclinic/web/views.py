"""The shell: each role's home page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from scarclinic.accounts.access import ClinicRequest
from scarclinic.web.selectors import home_panels


@login_required
def home(request: ClinicRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None:
        return render(request, "web/no_clinic.html", status=403)
    if membership.role == "patient":
        return redirect("portal:home")
    panels = home_panels(user=request.user, membership=membership)
    return render(request, "web/home.html", {"panels": panels})


@require_GET
def healthz(request: ClinicRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
