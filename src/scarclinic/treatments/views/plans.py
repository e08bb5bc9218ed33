"""Plan pages: the chart's plan section, making a plan (from a decision where there is one),
the plan with its sessions, changes and cost, its status, the printable estimate and the
patient's .ics. Thin views: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments import handout, ical
from scarclinic.treatments.forms import apply_service_errors
from scarclinic.treatments.models import NONE_YET, Appointment, AppointmentStatus, SharedDecision
from scarclinic.treatments.plan_forms import (
    ModalityPickForm,
    PlanChangeForm,
    PlanForm,
    PlanStatusForm,
)
from scarclinic.treatments.selectors import plans as selectors
from scarclinic.treatments.services import plans as services
from scarclinic.web.pdf import pdf_language


def file_response(content: bytes, content_type: str, name: str) -> HttpResponse:
    """A download that is never cached and never sniffed; ids only in the file name."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.PLAN_VIEW)
def plans_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    section = selectors.plan_section(user=request.user, patient_id=patient_id)
    return render(request, "treatments/plans/_section.html", {"section": section})


def _decision(request: ClinicRequest, patient_id: int) -> SharedDecision | None:
    raw = request.GET.get("decision") or request.POST.get("decision") or ""
    if not raw.isdigit():
        return None
    return (
        SharedDecision.objects.filter(pk=int(raw), patient_id=patient_id)
        .exclude(chosen_option=NONE_YET)
        .select_related("assessment")
        .first()
    )


@requires(Perm.PLAN_PRESCRIBE)
def plan_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user,
        patient_id=patient_id,
        perm=Perm.PLAN_PRESCRIBE,
        audit=request.method == "GET",
    )
    decision = _decision(request, patient.pk)
    if decision is not None:
        modalities = [Modality(m) for m in decision.chosen_option.split("+")]
        pick = None
    else:
        pick = ModalityPickForm(request.GET or None) if "modalities" in request.GET else None
        if pick is None and request.method == "POST":
            pick = ModalityPickForm({"modalities": request.POST.getlist("modalities")})
        modalities = (
            [Modality(m) for m in pick.cleaned_data["modalities"]]
            if pick is not None and pick.is_valid()
            else []
        )
    if not modalities:
        return render(
            request,
            "treatments/plans/new.html",
            {"patient": patient, "pick": pick or ModalityPickForm(), "form": None},
        )
    form = PlanForm(request.POST or None, modalities=modalities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        choices = [
            services.ModalityChoice(
                modality=m,
                sessions=data[f"{m.value}__sessions"],
                interval_value=data[f"{m.value}__interval_value"],
                interval_unit=data[f"{m.value}__interval_unit"],
                first_offset_days=data[f"{m.value}__first_offset_days"] or 0,
            )
            for m in modalities
        ]
        try:
            plan = services.plan_create(
                patient=patient,
                by=request.user,
                goal=data["goal"],
                start_date=data["start_date"],
                modalities=choices,
                decision=decision,
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("Plan made (proposed). Sessions are generated."))
            return redirect("plans:plan", plan_id=plan.pk)
    return render(
        request,
        "treatments/plans/new.html",
        {
            "patient": patient,
            "form": form,
            "decision": decision,
            "modality_values": [m.value for m in modalities],
        },
    )


def _plan_page(
    request: ClinicRequest,
    plan_id: int,
    *,
    change_form: PlanChangeForm | None = None,
    status_form: PlanStatusForm | None = None,
) -> HttpResponse:
    page = selectors.plan_page(user=request.user, plan_id=plan_id)
    role = request.membership.role
    context: dict[str, Any] = {
        "page": page,
        "plan": page.plan,
        "patient": page.plan.patient,
        "can_prescribe": role_has(role, Perm.PLAN_PRESCRIBE),
        "can_book": role_has(role, Perm.APPOINTMENT_BOOK),
        "can_schedule": role_has(role, Perm.SCHEDULE_VIEW),
        "change_form": change_form,
        "status_form": status_form,
    }
    return render(request, "treatments/plans/detail.html", context)


@requires(Perm.PLAN_VIEW)
def plan_detail(request: ClinicRequest, plan_id: int) -> HttpResponse:
    return _plan_page(request, plan_id)


@require_POST
@requires(Perm.PLAN_PRESCRIBE)
def plan_change(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_user(
        user=request.user, plan_id=plan_id, perm=Perm.PLAN_PRESCRIBE, audit=False
    )
    form = PlanChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            pm = services.plan_change_modality(
                plan=plan,
                by=request.user,
                modality=Modality(data["modality"]),
                sessions=data["sessions"],
                interval_value=data["interval_value"],
                interval_unit=data["interval_unit"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("%(label)s: %(sessions)s sessions, %(interval_text)s.")
                % {
                    "label": gettext(pm.label),
                    "sessions": pm.sessions,
                    "interval_text": pm.interval_display,
                },
            )
            return redirect("plans:plan", plan_id=plan.pk)
    return _plan_page(request, plan_id, change_form=form)


@require_POST
@requires(Perm.PLAN_PRESCRIBE)
def plan_status(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_user(
        user=request.user, plan_id=plan_id, perm=Perm.PLAN_PRESCRIBE, audit=False
    )
    form = PlanStatusForm(request.POST)
    if form.is_valid():
        try:
            plan = services.plan_set_status(
                plan=plan,
                by=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("The plan is now %(lower)s.")
                % {"lower": plan.get_status_display().lower()},
            )
            return redirect("plans:plan", plan_id=plan.pk)
    return _plan_page(request, plan_id, status_form=form)


@requires(Perm.PLAN_VIEW)
def plan_estimate_pdf(request: ClinicRequest, plan_id: int) -> HttpResponse:
    page = selectors.plan_page(user=request.user, plan_id=plan_id)
    language = pdf_language(request.GET.get("lang"), default=page.plan.patient.preferred_language)
    content = handout.estimate_pdf(page, language=language)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="treatments.treatmentplan",
        object_id=page.plan.pk,
        patient_id=page.plan.patient_id,
        clinic_id=page.plan.patient.clinic_id,
        detail={"format": "pdf", "what": "estimate", "language": language},
    )
    name = f"plan-{page.plan.pk}-estimate-{language}.pdf"
    return file_response(content, "application/pdf", name)


@requires(Perm.SCHEDULE_VIEW)
def plan_ics(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_user(user=request.user, plan_id=plan_id, perm=Perm.SCHEDULE_VIEW)
    appointments = list(
        Appointment.objects.filter(session__plan=plan, status=AppointmentStatus.BOOKED)
        .select_related("room", "device")
        .order_by("starts_at")
    )
    content = ical.plan_calendar(plan=plan, appointments=appointments)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="treatments.treatmentplan",
        object_id=plan.pk,
        patient_id=plan.patient_id,
        clinic_id=plan.patient.clinic_id,
        detail={"format": "ics", "appointments": [a.pk for a in appointments]},
    )
    return file_response(content, "text/calendar; charset=utf-8", f"plan-{plan.pk}.ics")
