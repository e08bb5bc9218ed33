"""Outcome pages: adverse events (list, record, detail, assess, mark in error, review, rates),
the chart's section, and one patient's progress (page and PDF). Thin: parse, call a service
or a selector, render. URLs carry numeric ids only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.outcomes import pdf, selectors, services
from scarclinic.outcomes.forms import (
    AdverseEventForm,
    ErrorForm,
    ReviewForm,
    apply_service_errors,
    initial_from,
)
from scarclinic.outcomes.models import AdverseEvent, AdverseEventStatus
from scarclinic.outcomes.progress import photo_sizes, progress_for
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.models.consultation import MODALITY_CHOICES
from scarclinic.web.pdf import pdf_language


def _can(request: ClinicRequest, perm: Perm) -> bool:
    return role_has(request.membership.role, perm)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


# ------------------------------------------------------------------------------------------
# Adverse events


@require_GET
@requires(Perm.ADVERSE_EVENT_VIEW)
def event_list(request: ClinicRequest) -> HttpResponse:
    get = request.GET
    status = get.get("status", "")
    modality = get.get("modality", "")
    filters = selectors.EventFilter(
        status=status if status in AdverseEventStatus.values else "",
        serious=True if get.get("serious") == "1" else None,
        awaiting_review=get.get("awaiting") == "1",
        modality=modality if modality in dict(MODALITY_CHOICES) else "",
    )
    events = selectors.adverse_event_list(clinic_id=request.clinic.pk, filters=filters)
    return render(
        request,
        "outcomes/event_list.html",
        {
            "events": events,
            "filters": filters,
            "statuses": AdverseEventStatus.choices,
            "modalities": MODALITY_CHOICES,
            "can_review": _can(request, Perm.ADVERSE_EVENT_REVIEW),
        },
    )


def _event_form(patient: Any, data: Any = None, initial: Any = None) -> AdverseEventForm:
    return AdverseEventForm(
        data,
        initial=initial,
        procedures=selectors.procedures_of(patient=patient),
        units=selectors.units_given_to(patient=patient),
    )


@requires(Perm.ADVERSE_EVENT_RECORD)
def event_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.ADVERSE_EVENT_RECORD
    )
    initial: dict[str, Any] = {"onset_on": timezone.localdate()}
    procedure_id = _int(request.GET.get("procedure"))
    if procedure_id:
        initial["procedure"] = procedure_id
    form = _event_form(patient, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.adverse_event_record(
                patient=patient, by=request.user, assessment=form.assessment()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if event.serious:
                messages.warning(
                    request,
                    _("Serious adverse event recorded: the medical director has been notified."),
                )
            else:
                messages.success(request, _("Adverse event recorded."))
            return redirect("outcomes:event", event_id=event.pk)
    return render(
        request,
        "outcomes/event_form.html",
        {"patient": patient, "form": form, "event": None},
    )


@require_GET
@requires(Perm.ADVERSE_EVENT_VIEW)
def event_detail(request: ClinicRequest, event_id: int) -> HttpResponse:
    event = selectors.adverse_event_for_user(user=request.user, event_id=event_id)
    return render(request, "outcomes/event_detail.html", _detail_context(request, event))


@requires(Perm.ADVERSE_EVENT_RECORD)
def event_edit(request: ClinicRequest, event_id: int) -> HttpResponse:
    event = selectors.adverse_event_for_user(
        user=request.user, event_id=event_id, perm=Perm.ADVERSE_EVENT_RECORD
    )
    if event.status == AdverseEventStatus.ENTERED_IN_ERROR:
        messages.error(request, _("This event was entered in error; it cannot change."))
        return redirect("outcomes:event", event_id=event.pk)
    form = _event_form(event.patient, request.POST or None, initial=initial_from(event))
    if request.method == "POST" and form.is_valid():
        try:
            event = services.adverse_event_update(
                event=event, by=request.user, assessment=form.assessment()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Adverse event updated."))
            return redirect("outcomes:event", event_id=event.pk)
    return render(
        request,
        "outcomes/event_form.html",
        {"patient": event.patient, "form": form, "event": event},
    )


@require_POST
@requires(Perm.ADVERSE_EVENT_RECORD)
def event_error(request: ClinicRequest, event_id: int) -> HttpResponse:
    event = selectors.adverse_event_for_user(
        user=request.user, event_id=event_id, perm=Perm.ADVERSE_EVENT_RECORD
    )
    form = ErrorForm(request.POST)
    if form.is_valid():
        try:
            services.adverse_event_mark_entered_in_error(
                event=event, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Marked as entered in error."))
            return redirect("outcomes:event", event_id=event.pk)
    return _detail_with(request, event, error_form=form)


@require_POST
@requires(Perm.ADVERSE_EVENT_REVIEW)
def event_review(request: ClinicRequest, event_id: int) -> HttpResponse:
    event = selectors.adverse_event_for_user(
        user=request.user, event_id=event_id, perm=Perm.ADVERSE_EVENT_REVIEW
    )
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.adverse_event_review(
                event=event, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Review recorded."))
            return redirect("outcomes:event", event_id=event.pk)
    return _detail_with(request, event, review_form=form)


def _detail_context(request: ClinicRequest, event: AdverseEvent) -> dict[str, Any]:
    return {
        "event": event,
        "patient": event.patient,
        "can_record": _can(request, Perm.ADVERSE_EVENT_RECORD)
        and event.status != AdverseEventStatus.ENTERED_IN_ERROR,
        "can_review": _can(request, Perm.ADVERSE_EVENT_REVIEW)
        and event.status == AdverseEventStatus.RECORDED
        and event.reviewed_at is None,
        "can_lookback": _can(request, Perm.PRODUCT_LOOKBACK),
        "can_see_products": _can(request, Perm.PRODUCT_VIEW),
        "error_form": ErrorForm(),
        "review_form": ReviewForm(),
    }


def _detail_with(request: ClinicRequest, event: AdverseEvent, **forms: Any) -> HttpResponse:
    context = _detail_context(request, event) | forms
    return render(request, "outcomes/event_detail.html", context, status=422)


@require_GET
@requires(Perm.ADVERSE_EVENT_VIEW)
def chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.ADVERSE_EVENT_VIEW, audit=False
    )
    events = selectors.adverse_events_of_patient(patient=patient)
    audit_record(
        action=AuditAction.LIST,
        object_type="outcomes.adverseevent",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"shown": [e.pk for e in events], "kind": "chart"},
    )
    return render(
        request,
        "outcomes/_chart_section.html",
        {
            "patient": patient,
            "events": events,
            "can_record": _can(request, Perm.ADVERSE_EVENT_RECORD),
            "can_progress": _can(request, Perm.OUTCOMES_VIEW),
        },
    )


@require_GET
@requires(Perm.ADVERSE_EVENT_REVIEW)
def rates(request: ClinicRequest) -> HttpResponse:
    result = selectors.adverse_event_rates(clinic_id=request.clinic.pk)
    return render(
        request,
        "outcomes/rates.html",
        {"rates": result, "can_lookback": _can(request, Perm.PRODUCT_LOOKBACK)},
    )


@require_GET
@requires(Perm.ADVERSE_EVENT_REVIEW)
def rates_csv(request: ClinicRequest) -> HttpResponse:
    result = selectors.adverse_event_rates(clinic_id=request.clinic.pk)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="outcomes.adverse_event_rates",
        clinic_id=request.clinic.pk,
        detail={"format": "csv"},
    )
    response = HttpResponse(selectors.rates_csv(result), content_type="text/csv; charset=utf-8")
    name = f"adverse-event-rates-{request.clinic.pk}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------------------------------
# One patient's progress


@require_GET
@requires(Perm.OUTCOMES_VIEW)
def progress(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.OUTCOMES_VIEW)
    result = progress_for(
        patient=patient,
        user=request.user,
        role=request.membership.role,
        view=request.GET.get("view", ""),
        before_set_id=_int(request.GET.get("before")),
        after_set_id=_int(request.GET.get("after")),
    )
    comparison = result.comparison
    return render(
        request,
        "outcomes/progress.html",
        {
            "patient": patient,
            "progress": result,
            # Every text in the SVG is escaped by web/charts.py.
            "charts": [(s, mark_safe(s.chart_svg)) for s in result.scales],  # noqa: S308
            "before_size": photo_sizes(comparison.before if comparison else None),
            "after_size": photo_sizes(comparison.after if comparison else None),
            "can_record": _can(request, Perm.ADVERSE_EVENT_RECORD),
        },
    )


@require_GET
@requires(Perm.OUTCOMES_VIEW)
def progress_pdf(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.OUTCOMES_VIEW)
    language = pdf_language(request.GET.get("lang"), default=patient.preferred_language)
    # Built in the PDF's language: the scales' labels and the charts' words are gettext.
    with translation.override(language):
        result = progress_for(patient=patient, user=request.user, role=request.membership.role)
        content = pdf.progress_pdf(
            result,
            prepared_by=request.user.get_full_name() or request.user.get_username(),
            language=language,
        )
    audit_record(
        action=AuditAction.EXPORT,
        object_type="outcomes.progress_report",
        object_id=patient.pk,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"format": "pdf", "language": language},
    )
    response = HttpResponse(content, content_type="application/pdf")
    # Ids only in the file name: it ends up in download folders and proxy logs.
    name = f"progress-{patient.pk}-{timezone.localdate().isoformat()}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
