"""Consultation pages: screening, the treatment comparison and the shared decision."""

from __future__ import annotations

from django.http import HttpResponse

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.patients.selectors import patient_for_user


@requires(Perm.CONSULTATION_VIEW)
def chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.CONSULTATION_VIEW)
    return HttpResponse(
        '<h2 id="s-consult">Treatment options</h2><p class="muted">Consultation: in progress.</p>'
    )
