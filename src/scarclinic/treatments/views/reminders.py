"""The Reminders page (front desk, medical director): the clinic's reminders by status, a run
that sends the due ones now in the background with its progress, and a retry for a reminder
that gave up. Patients are named on the page, never in its URLs (ids only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.treatments.models import ReminderStatus
from scarclinic.treatments.selectors import reminders as selectors
from scarclinic.treatments.services import reminder_runs as services


@require_GET
@requires(Perm.REMINDERS_VIEW)
def outbox(request: ClinicRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    shown = selectors.outbox(
        clinic_id=request.clinic.pk, status=status, page=request.GET.get("page", 1)
    )
    filters = [
        ("", gettext("All"), sum(shown.counts.values())),
        (selectors.DUE, gettext("Due now"), shown.due_now),
    ]
    filters += [(s.value, str(s.label), shown.counts[s.value]) for s in ReminderStatus]
    return render(
        request,
        "treatments/reminders/outbox.html",
        {"outbox": shown, "run": shown.latest_run, "filters": filters},
    )


@require_POST
@requires(Perm.REMINDERS_SEND)
def run_start(request: ClinicRequest) -> HttpResponse:
    run, started = services.reminder_run_start(clinic=request.clinic, by=request.user)
    if not started:
        messages.info(request, gettext("Reminders are already being sent: here is that run."))
    return redirect("plans:reminder_run", run.pk)


@require_GET
@requires(Perm.REMINDERS_VIEW)
def run_detail(request: ClinicRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(user=request.user, run_id=run_id)
    return render(
        request,
        "treatments/reminders/run.html",
        {"run": run, "runs": selectors.runs_of_clinic(clinic_id=run.clinic_id)},
    )


@require_GET
@requires(Perm.REMINDERS_VIEW)
def run_progress(request: ClinicRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(user=request.user, run_id=run_id)
    return render(request, "treatments/reminders/_progress.html", {"run": run})


@require_POST
@requires(Perm.REMINDERS_SEND)
def retry(request: ClinicRequest, reminder_id: int) -> HttpResponse:
    reminder = selectors.reminder_for_user(
        user=request.user, reminder_id=reminder_id, perm=Perm.REMINDERS_SEND
    )
    try:
        services.reminder_retry(reminder=reminder, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("The reminder is waiting again: the next run sends it."))
    return redirect(f"{reverse('plans:reminders')}?status={ReminderStatus.GAVE_UP}")
