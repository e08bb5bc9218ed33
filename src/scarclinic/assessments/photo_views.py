"""Photo pages (owned by the photo module)."""

from __future__ import annotations

from django.http import HttpResponse

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.patients.selectors import patient_for_user


@requires(Perm.PHOTO_VIEW)
def photo_chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PHOTO_VIEW)
    return HttpResponse(
        '<h2 id="s-photos">Photos</h2><p class="muted">Standard photos: in progress.</p>'
    )
