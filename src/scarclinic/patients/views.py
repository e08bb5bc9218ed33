"""Patient pages: thin views that parse, call a service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.patients import selectors, services
from scarclinic.patients.forms import (
    ConsentSignForm,
    ConsentWithdrawForm,
    MedicalHistoryForm,
    PatientForm,
    apply_service_errors,
)
from scarclinic.patients.models import ConsentTemplateVersion, MedicalHistoryVersion, TemplateStatus


@requires(Perm.PATIENT_VIEW)
def patient_list(request: ClinicRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    patients = selectors.patient_search(
        user=request.user,
        clinic_id=request.clinic.pk,
        text=text,
    )
    context = {"patients": patients, "q": text}
    if request.htmx:
        return render(request, "patients/_results.html", context)
    return render(request, "patients/list.html", context)


@requires(Perm.PATIENT_REGISTER)
def patient_register_view(request: ClinicRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(
                clinic=request.clinic,
                by=request.user,
                **{f: form.cleaned_data[f] for f in services.DEMOGRAPHIC_FIELDS},
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("Registered %(full_name)s (%(mrn)s).")
                % {"full_name": patient.full_name, "mrn": patient.mrn},
            )
            return redirect("patients:chart", pk=patient.pk)
    return render(
        request, "patients/form.html", {"form": form, "title": gettext("Register a patient")}
    )


@requires(Perm.PATIENT_VIEW)
def patient_chart_view(request: ClinicRequest, pk: int) -> HttpResponse:
    chart = selectors.patient_chart(user=request.user, patient_id=pk)
    return render(request, "patients/chart.html", {"chart": chart, "patient": chart.patient})


@requires(Perm.PATIENT_EDIT)
def patient_edit(request: ClinicRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_for_user(user=request.user, patient_id=pk, perm=Perm.PATIENT_EDIT)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update_demographics(
                patient=selectors.patient_for_user(
                    user=request.user, patient_id=pk, perm=Perm.PATIENT_EDIT, audit=False
                ),
                by=request.user,
                **{f: form.cleaned_data[f] for f in services.DEMOGRAPHIC_FIELDS},
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("Demographics saved."))
            return redirect("patients:chart", pk=pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": gettext("Edit demographics"), "patient": patient},
    )


@requires(Perm.HISTORY_EDIT)
def history_edit(request: ClinicRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_for_user(user=request.user, patient_id=pk, perm=Perm.HISTORY_EDIT)
    form = MedicalHistoryForm(request.POST or None, instance=patient.current_history)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in MedicalHistoryVersion.CLINICAL_FIELDS}
        try:
            services.history_record(
                patient=patient,
                by=request.user,
                change_note=form.cleaned_data.get("change_note", ""),
                **data,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("Medical history saved as a new version."))
            return redirect("patients:chart", pk=pk)
    return render(request, "patients/history_form.html", {"form": form, "patient": patient})


@requires(Perm.HISTORY_VIEW)
def history_version(request: ClinicRequest, pk: int, version: int) -> HttpResponse:
    patient = selectors.patient_for_user(user=request.user, patient_id=pk, perm=Perm.HISTORY_VIEW)
    entry = MedicalHistoryVersion.objects.filter(patient=patient, version=version).first()
    if entry is None:
        raise Http404("No such version.")
    return render(request, "patients/history_version.html", {"patient": patient, "entry": entry})


def _witnesses(clinic_id: int) -> object:
    return User.objects.filter(
        memberships__clinic_id=clinic_id,
        memberships__is_active=True,
        memberships__role__in=["physician", "nurse", "frontdesk", "director"],
    ).order_by("username")


@requires(Perm.CONSENT_RECORD)
def consent_new(request: ClinicRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_for_user(user=request.user, patient_id=pk, perm=Perm.CONSENT_RECORD)
    versions = (
        ConsentTemplateVersion.objects.filter(
            template__clinic_id=patient.clinic_id, status=TemplateStatus.ACTIVE
        )
        .select_related("template")
        .order_by("template__procedure_type", "language")
    )
    chosen_id = request.GET.get("version") or request.POST.get("template_version")
    chosen = (
        versions.filter(pk=chosen_id).first() if chosen_id and str(chosen_id).isdigit() else None
    )
    form = ConsentSignForm(
        request.POST or None,
        clinic_id=patient.clinic_id,
        witnesses=_witnesses(patient.clinic_id),
        initial={"template_version": chosen, "signer_name": patient.full_name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_sign(
                patient=patient,
                template_version=data["template_version"],
                by=request.user,
                signer_name=data["signer_name"],
                signer_relation=data["signer_relation"],
                method=data["method"],
                signature_png=data["signature_png"],
                typed_name=data["typed_name"],
                witness=data["witness"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, gettext("Consent '%(title)s' signed.") % {"title": consent.title}
            )
            return redirect("patients:chart", pk=pk)
    return render(
        request,
        "patients/consent_form.html",
        {"form": form, "patient": patient, "versions": list(versions), "chosen": chosen},
    )


@requires(Perm.CONSENT_VIEW)
def consent_detail(request: ClinicRequest, consent_id: int) -> HttpResponse:
    consent = selectors.consent_for_user(
        user=request.user, consent_id=consent_id, perm=Perm.CONSENT_VIEW
    )
    can_withdraw = role_has(request.membership.role, Perm.CONSENT_RECORD)
    return render(
        request,
        "patients/consent_detail.html",
        {
            "consent": consent,
            "patient": consent.patient,
            "withdraw_form": ConsentWithdrawForm() if can_withdraw else None,
        },
    )


def _perms(request: ClinicRequest) -> set[str]:
    from scarclinic.accounts.roles import ROLE_PERMISSIONS

    membership = getattr(request, "membership", None)
    return (
        {p.value for p in ROLE_PERMISSIONS.get(membership.role, frozenset())}
        if membership
        else set()
    )


@require_POST
@requires(Perm.CONSENT_RECORD)
def consent_withdraw_view(request: ClinicRequest, consent_id: int) -> HttpResponse:
    consent = selectors.consent_for_user(
        user=request.user, consent_id=consent_id, perm=Perm.CONSENT_RECORD
    )
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("Withdrawal recorded. The signed consent is kept."))
    else:
        messages.error(request, gettext("Give a reason for the withdrawal."))
    return redirect("patients:consent_detail", consent_id=consent_id)
