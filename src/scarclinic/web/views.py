"""The shell: each role's home page (health checks live in the ops app)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

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
