"""Consultation pages: screening, the treatment comparison, the take-home PDF and the shared
decision; the clinic's candidacy rules and price list. Thin views: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.candidacy import DEFAULT_RULES
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments import pdf
from scarclinic.treatments.clinical_text import clinical_text
from scarclinic.treatments.forms import (
    DecisionForm,
    LabsForm,
    PriceForm,
    RuleSwitchForm,
    ThresholdsForm,
    apply_service_errors,
    threshold_label,
)
from scarclinic.treatments.selectors import consultation as selectors
from scarclinic.treatments.services import consultation as services
from scarclinic.web.pdf import pdf_language


@requires(Perm.CONSULTATION_VIEW)
def chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    section = selectors.chart_section(user=request.user, patient_id=patient_id)
    return render(request, "treatments/_chart_section.html", {"section": section})


def _consultation_page(
    request: ClinicRequest,
    consultation: selectors.Consultation,
    decision_form: DecisionForm | None = None,
) -> HttpResponse:
    can_decide = role_has(request.membership.role, Perm.DECISION_RECORD)
    if decision_form is None and can_decide and consultation.is_ready:
        decision_form = DecisionForm(choices=consultation.choices)
    context: dict[str, Any] = {
        "c": consultation,
        "patient": consultation.patient,
        "decision_form": decision_form if can_decide else None,
        "can_record_labs": role_has(request.membership.role, Perm.HISTORY_EDIT),
        "can_manage_rules": role_has(request.membership.role, Perm.RULES_MANAGE),
        "can_record_history": role_has(request.membership.role, Perm.HISTORY_EDIT),
        "can_record_assessment": role_has(request.membership.role, Perm.ASSESSMENT_RECORD),
    }
    return render(request, "treatments/consultation.html", context)


@requires(Perm.CONSULTATION_VIEW)
def consultation(request: ClinicRequest, patient_id: int) -> HttpResponse:
    c = selectors.consultation_for_user(user=request.user, patient_id=patient_id)
    services.screenings_record(consultation=c, by=request.user)
    return _consultation_page(request, c)


@require_POST
@requires(Perm.DECISION_RECORD)
def decision_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.DECISION_RECORD, audit=False
    )
    c = selectors.consultation_build(patient=patient, with_decisions=True)
    form = DecisionForm(request.POST, choices=c.choices)
    if form.is_valid():
        try:
            decision = services.decision_record(
                patient=patient,
                by=request.user,
                chosen=form.cleaned_data["chosen"],
                questions=form.cleaned_data["questions"],
                fingerprint=form.cleaned_data["fingerprint"] or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext(
                    "Decision recorded: %(chosen_label)s. It is the start of a treatment plan (proposed)."
                )
                % {"chosen_label": decision.chosen_label},
            )
            return redirect("treatments:decision", decision_id=decision.pk)
    # Shown again with the errors, and the fingerprint of what the page shows now.
    return _consultation_page(request, c, decision_form=form)


@requires(Perm.CONSULTATION_VIEW)
def decision_detail(request: ClinicRequest, decision_id: int) -> HttpResponse:
    decision = selectors.decision_for_user(user=request.user, decision_id=decision_id)
    return render(
        request,
        "treatments/decision.html",
        {"decision": decision, "patient": decision.patient, "shown": decision.options_shown},
    )


@requires(Perm.CONSULTATION_VIEW)
def consultation_pdf(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.CONSULTATION_VIEW
    )
    language = pdf_language(request.GET.get("lang"), default=patient.preferred_language)
    # Built in the PDF's language: the selector's screening and evidence texts are gettext.
    with translation.override(language):
        c = selectors.consultation_build(patient=patient, with_decisions=True)
        content = pdf.consultation_pdf(
            c,
            prepared_by=request.user.get_full_name() or request.user.get_username(),
            language=language,
        )
    services.screenings_record(consultation=c, by=request.user)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="treatments.consultation",
        object_id=c.patient.pk,
        patient_id=c.patient.pk,
        clinic_id=c.patient.clinic_id,
        detail={"format": "pdf", "rule_set_version": c.rule_set_version, "language": language},
    )
    response = HttpResponse(content, content_type="application/pdf")
    # Ids only in the file name: it ends up in download folders and proxy logs.
    name = f"treatment-options-{c.patient.pk}-{c.on_date.isoformat()}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.HISTORY_EDIT)
def labs_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.HISTORY_EDIT)
    form = LabsForm(request.POST or None, instance=selectors.latest_labs(patient=patient))
    if request.method == "POST" and form.is_valid():
        try:
            services.labs_record(
                patient=patient,
                by=request.user,
                **{f: form.cleaned_data[f] for f in services.LABS_FIELDS},
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("Blood results and facts saved."))
            return redirect("treatments:consultation", patient_id=patient.pk)
    return render(request, "treatments/labs_form.html", {"form": form, "patient": patient})


# ------------------------------------------------------------------------------------------
# The clinic's rules and prices


@requires(Perm.RULES_MANAGE)
def rules(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    current = selectors.clinic_rules(clinic_id=clinic.pk)
    thresholds_form = ThresholdsForm(rule_set=current.rule_set)
    switch_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if request.POST.get("action") == "switch":
            switch = RuleSwitchForm(request.POST)
            rule_id = request.POST.get("rule_id", "")
            if switch.is_valid():
                on = switch.cleaned_data["switch"] == "on"
                try:
                    services.rule_settings_change(
                        clinic=clinic,
                        by=request.user,
                        disable=[] if on else [rule_id],
                        enable=[rule_id] if on else [],
                        reason=switch.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    switch_errors[rule_id] = [m for ms in error.message_dict.values() for m in ms]
                else:
                    messages.success(
                        request,
                        gettext("Rule %(rule_id)s switched %(value)s.")
                        % {"rule_id": rule_id, "value": "on" if on else "off"},
                    )
                    return redirect("treatments:rules")
            else:
                switch_errors[rule_id] = ["Choose whether to switch the rule off or on."]
        else:
            thresholds_form = ThresholdsForm(request.POST, rule_set=current.rule_set)
            if thresholds_form.is_valid():
                try:
                    services.rule_settings_change(
                        clinic=clinic,
                        by=request.user,
                        thresholds=thresholds_form.changes(current.rule_set),
                        reason=thresholds_form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    apply_service_errors(thresholds_form, error)
                else:
                    messages.success(
                        request, gettext("Thresholds saved as a new version of the rules.")
                    )
                    return redirect("treatments:rules")
    rule_set = current.rule_set
    rows = [
        {
            "rule": rule,
            "title": clinical_text(rule.title),
            "action": clinical_text(rule.action),
            "explanation": clinical_text(rule.explanation),
            "source": clinical_text(rule.source),
            "outcome_label": gettext(selectors.OUTCOME_LABELS[rule.outcome.value]),
            "enabled": rule.id not in rule_set.disabled,
            "modalities": (
                [gettext("all treatments")]
                if rule.applies_to == "all"
                else sorted(clinical_text(m.label) for m in rule.applies_to)
            ),
            "thresholds": [
                (threshold_label(t), rule_set.threshold(t.name), t.default, clinical_text(t.unit))
                for t in rule_set.thresholds
                if t.name in rule.thresholds
            ],
            "errors": switch_errors.get(rule.id, []),
        }
        for rule in rule_set.rules
    ]
    return render(
        request,
        "treatments/rules.html",
        {
            "current": current,
            "rows": rows,
            "thresholds_form": thresholds_form,
            "history": selectors.rule_settings_history(clinic_id=clinic.pk),
            "base_version": format_html(
                '<code translate="no">{}</code>', DEFAULT_RULES.base_version
            ),
        },
    )


@requires(Perm.PRICES_MANAGE)
def prices(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    form = PriceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.price_set(
                clinic=clinic,
                by=request.user,
                modality=form.cleaned_data["modality"],
                price_per_session=form.cleaned_data["price_per_session"],
                currency=form.cleaned_data["currency"],
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("Price saved: %(treatment)s, %(price)s from %(date)s.")
                % {
                    "treatment": gettext(entry.modality_label),
                    "price": f"{entry.currency} {number_format(entry.price_per_session, 2, force_grouping=True)}",
                    "date": date_format(entry.effective_from, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("treatments:prices")
    today = timezone.localdate()
    current = selectors.current_prices(clinic_id=clinic.pk, on_date=today)
    current_ids = {p.pk for p in current.values()}
    return render(
        request,
        "treatments/prices.html",
        {
            "form": form,
            "entries": selectors.price_list(clinic_id=clinic.pk),
            "current_ids": current_ids,
            "today": today,
            "has_demo": any(p.is_demo for p in current.values()),
        },
    )
