"""The patient portal: a patient sees their own record and nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.forms import ProForm
from scarclinic.assessments.models import ReportSource
from scarclinic.assessments.selectors import instruments_for
from scarclinic.assessments.services import pro_record
from scarclinic.patients.forms import apply_service_errors
from scarclinic.web.portal_selectors import own_record


@requires(Perm.PORTAL_OWN)
def portal_home(request: ClinicRequest) -> HttpResponse:
    record = own_record(user=request.user)
    return render(
        request,
        "web/portal_home.html",
        {"record": record, "instruments": instruments_for(clinic_id=record.patient.clinic_id)},
    )


@requires(Perm.PORTAL_OWN)
def portal_questionnaire(request: ClinicRequest, instrument_id: int) -> HttpResponse:
    """The patient answers a questionnaire (e.g. how much the scars bother them) from home."""
    record = own_record(user=request.user)
    instrument = next(
        (i for i in instruments_for(clinic_id=record.patient.clinic_id) if i.pk == instrument_id),
        None,
    )
    if instrument is None:
        raise Http404("No such questionnaire.")
    form = ProForm(
        request.POST or None, items=instrument.items, initial={"visit_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            pro_record(
                patient=record.patient,
                instrument=instrument,
                by=request.user,
                visit_date=timezone.localdate(),
                answers=form.answers(),
                source=ReportSource.PORTAL,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Thank you: your answers reached the clinic.")
            return redirect("portal:home")
    return render(
        request, "web/portal_questionnaire.html", {"form": form, "instrument": instrument}
    )
