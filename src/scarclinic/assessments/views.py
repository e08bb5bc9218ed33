"""Assessment pages: thin views over the services and selectors."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.assessments import selectors, services
from scarclinic.assessments.face_map import region_shapes
from scarclinic.assessments.forms import AddendumForm, AssessmentForm, ProForm
from scarclinic.assessments.models import AssessmentStatus, Instrument
from scarclinic.clinical.morphology import FacialRegion, Morphology, QualitativeGrade
from scarclinic.clinical.scales import (
    ECCA_MAX,
    GOODMAN_BARON_MAX,
    MORPHOLOGY_MAPPING,
    ScaleScores,
)
from scarclinic.patients.forms import apply_service_errors
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.clinical_text import clinical_text


def _region_totals(findings: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    return {region: sum(counts.values()) for region, counts in findings.items()}


def _live_context(
    findings: Mapping[str, Mapping[str, int]], scores: ScaleScores | None, error: str = ""
) -> dict[str, Any]:
    return {
        "shapes": region_shapes(_region_totals(findings)),
        "scores": scores,
        "warnings": [clinical_text(m) for m in scores.warning_messages] if scores else [],
        "gb_max": GOODMAN_BARON_MAX,
        "ecca_max": ECCA_MAX,
        "error": error,
        "total": sum(_region_totals(findings).values()),
    }


def _preview(form: AssessmentForm | AddendumForm, area_field: str) -> dict[str, Any]:
    if not form.is_valid():
        bad = [f.label for name, f in form.fields.items() if name in form.errors]
        fields = gettext("; ").join(str(b) for b in bad[:3])
        return _live_context({}, None, gettext("Check: %(fields)s") % {"fields": fields})
    findings = form.findings()
    try:
        scores = services.compute_scores(
            findings,
            form.cleaned_data.get(area_field) or Decimal(0),
            bool(form.cleaned_data.get("hypertrophic_over_two_years")),
        )
    except ValidationError as error:
        return _live_context(findings, None, "; ".join(error.messages))
    return _live_context(findings, scores)


@requires(Perm.ASSESSMENT_VIEW)
def chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.ASSESSMENT_VIEW)
    history = selectors.assessment_history(patient=patient)
    return render(
        request,
        "assessments/_chart_section.html",
        {
            "patient": patient,
            "history": history,
            "can_record": role_has(request.membership.role, Perm.ASSESSMENT_RECORD),
            "can_pro": role_has(request.membership.role, Perm.PRO_RECORD),
        },
    )


@requires(Perm.ASSESSMENT_RECORD)
def score_preview(request: ClinicRequest) -> HttpResponse:
    """Live totals and scores while the physician types (htmx); stores nothing."""
    form = AssessmentForm(request.POST)
    return render(request, "assessments/_live.html", _preview(form, "keloid_area_cm2"))


def _save(request: ClinicRequest, form: AssessmentForm, patient: Any, assessment: Any) -> Any:
    data = form.cleaned_data
    return services.assessment_save(
        patient=patient,
        by=request.user,
        visit_date=data["visit_date"],
        findings=form.findings(),
        qualitative_grade=data["qualitative_grade"],
        fitzpatrick=data["fitzpatrick"],
        active_acne=data["active_acne"],
        texture_notes=data["texture_notes"],
        keloid_area_cm2=data["keloid_area_cm2"] or 0,
        hypertrophic_over_two_years=data["hypertrophic_over_two_years"],
        assessment=assessment,
        sign=request.POST.get("action") == "sign",
    )


def _entry_page(
    request: ClinicRequest, patient: Any, assessment: Any, initial: dict[str, Any], findings: Any
) -> HttpResponse:
    form = AssessmentForm(request.POST or None, initial=initial, findings=findings)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, patient, assessment)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            signed = saved.status == AssessmentStatus.SIGNED
            messages.success(
                request, gettext("Assessment signed.") if signed else gettext("Draft saved.")
            )
            return redirect("assessments:detail", pk=saved.pk)
    live = (
        _preview(form, "keloid_area_cm2") if form.is_bound else _live_context(findings or {}, None)
    )
    if not form.is_bound and findings:
        live = _live_context(
            findings,
            services.compute_scores(
                findings,
                Decimal(initial.get("keloid_area_cm2") or 0),
                bool(initial.get("hypertrophic_over_two_years")),
            ),
        )
    return render(
        request,
        "assessments/entry.html",
        {
            "form": form,
            "patient": patient,
            "assessment": assessment,
            "morphologies": list(Morphology),
            "grades": list(QualitativeGrade),
            "mapping": MORPHOLOGY_MAPPING,
            **live,
        },
    )


@requires(Perm.ASSESSMENT_RECORD)
def assessment_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.ASSESSMENT_RECORD
    )
    history = patient.current_history
    initial = {
        "visit_date": timezone.localdate(),
        "fitzpatrick": history.fitzpatrick if history else None,
        "active_acne": history.active_acne if history else False,
        "keloid_area_cm2": 0,
    }
    return _entry_page(request, patient, None, initial, None)


@requires(Perm.ASSESSMENT_RECORD)
def assessment_edit(request: ClinicRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_for_user(
        user=request.user, pk=pk, perm=Perm.ASSESSMENT_RECORD
    )
    if assessment.status != AssessmentStatus.DRAFT:
        messages.error(
            request, gettext("A signed assessment cannot change: add an addendum instead.")
        )
        return redirect("assessments:detail", pk=pk)
    initial = {
        "visit_date": assessment.visit_date,
        "qualitative_grade": assessment.qualitative_grade,
        "fitzpatrick": assessment.fitzpatrick,
        "active_acne": assessment.active_acne,
        "keloid_area_cm2": assessment.keloid_area_cm2,
        "hypertrophic_over_two_years": assessment.hypertrophic_over_two_years,
        "texture_notes": assessment.texture_notes,
    }
    return _entry_page(
        request, assessment.patient, assessment, initial, selectors.findings_grid(assessment)
    )


@requires(Perm.ASSESSMENT_VIEW)
def assessment_detail(request: ClinicRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_for_user(user=request.user, pk=pk)
    findings = selectors.findings_grid(assessment)
    return render(
        request,
        "assessments/detail.html",
        {
            **_live_context(findings, None),
            "assessment": assessment,
            "patient": assessment.patient,
            "scores": selectors.effective_scores(assessment),
            "scale_versions": selectors.scale_versions(assessment),
            "grid": [
                (region, [findings.get(region.value, {}).get(m.value, 0) for m in Morphology])
                for region in FacialRegion
            ],
            "morphologies": list(Morphology),
            "grade": QualitativeGrade(assessment.qualitative_grade)
            if assessment.qualitative_grade
            else None,
            "can_record": role_has(request.membership.role, Perm.ASSESSMENT_RECORD),
        },
    )


@require_POST
@requires(Perm.ASSESSMENT_RECORD)
def assessment_sign_view(request: ClinicRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_for_user(
        user=request.user, pk=pk, perm=Perm.ASSESSMENT_RECORD
    )
    try:
        services.assessment_sign(assessment=assessment, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("Assessment signed."))
    return redirect("assessments:detail", pk=pk)


@requires(Perm.ASSESSMENT_RECORD)
def addendum_new(request: ClinicRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_for_user(
        user=request.user, pk=pk, perm=Perm.ASSESSMENT_RECORD
    )
    if assessment.status != AssessmentStatus.SIGNED:
        return redirect("assessments:edit", pk=pk)
    findings = selectors.findings_grid(assessment)
    form = AddendumForm(request.POST or None, findings=findings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_add_addendum(
                assessment=assessment,
                by=request.user,
                note=data["note"],
                corrected_findings=form.findings() if data["correct_counts"] else None,
                corrected_keloid_area_cm2=data["corrected_keloid_area_cm2"],
                corrected_grade=data["corrected_grade"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, gettext("Addendum added; the signed assessment is kept as it was.")
            )
            return redirect("assessments:detail", pk=pk)
    return render(
        request,
        "assessments/addendum.html",
        {
            "form": form,
            "assessment": assessment,
            "patient": assessment.patient,
            "morphologies": list(Morphology),
            **_live_context(findings, None),
        },
    )


@requires(Perm.PRO_RECORD)
def pro_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PRO_RECORD)
    instruments = selectors.instruments_for(clinic_id=patient.clinic_id)
    chosen_id = request.GET.get("instrument") or request.POST.get("instrument")
    instrument: Instrument | None = next(
        (i for i in instruments if str(i.pk) == str(chosen_id)),
        instruments[0] if instruments else None,
    )
    if instrument is None:
        raise Http404("No questionnaire is available.")
    form = ProForm(
        request.POST or None, items=instrument.items, initial={"visit_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.pro_record(
                patient=patient,
                instrument=instrument,
                by=request.user,
                visit_date=form.cleaned_data["visit_date"],
                answers=form.answers(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("%(name)s recorded.") % {"name": instrument.name})
            return redirect("patients:chart", pk=patient.pk)
    return render(
        request,
        "assessments/pro_form.html",
        {"form": form, "patient": patient, "instrument": instrument, "instruments": instruments},
    )
