"""Assessment pages (being built)."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.patients.selectors import patient_for_user


@requires(Perm.ASSESSMENT_VIEW)
def chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.ASSESSMENT_VIEW)
    return HttpResponse('<h2 id="s-assess">Scar assessments</h2><p class="muted">In progress.</p>')


@requires(Perm.ASSESSMENT_RECORD)
def assessment_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    raise Http404


@requires(Perm.ASSESSMENT_VIEW)
def assessment_detail(request: ClinicRequest, pk: int) -> HttpResponse:
    raise Http404
