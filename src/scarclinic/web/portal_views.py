"""The patient portal: a patient sees their own record and nothing else."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.web.portal_selectors import own_record


@requires(Perm.PORTAL_OWN)
def portal_home(request: ClinicRequest) -> HttpResponse:
    record = own_record(user=request.user)
    return render(request, "web/portal_home.html", {"record": record})
