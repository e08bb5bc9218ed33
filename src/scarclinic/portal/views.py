"""The patient portal: a patient sees and writes to their own record and nothing else.
And the clinic's side of it: inviting a patient, sending a consent to sign, reading the
patient's history updates. Thin views: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, clinic_ids_with, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.assessments.forms import ProForm
from scarclinic.assessments.models import ReportSource
from scarclinic.assessments.selectors import instruments_for
from scarclinic.assessments.services import pro_record
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.patients.forms import apply_service_errors
from scarclinic.patients.selectors import patient_for_user
from scarclinic.portal import selectors, services
from scarclinic.portal.forms import (
    HISTORY_LABELS,
    ChecklistDayForm,
    ConsentSendForm,
    HistoryUpdateForm,
    InviteForm,
    PortalConsentForm,
    SideEffectForm,
    WelcomeForm,
)
from scarclinic.portal.ical import appointments_calendar
from scarclinic.portal.models import HistoryUpdate, PortalInvitation

# ------------------------------------------------------------------------------------------
# The patient's pages


def _render(request: HttpRequest, template: str, context: dict[str, Any], tab: str) -> HttpResponse:
    return render(request, template, {**context, "tab": tab})


@requires(Perm.PORTAL_OWN)
def portal_home(request: ClinicRequest) -> HttpResponse:
    home = selectors.portal_home(user=request.user)
    return _render(
        request,
        "portal/home.html",
        {"home": home, "record": home.record, "instruments": home.instruments},
        "home",
    )


@requires(Perm.PORTAL_OWN)
def appointments(request: ClinicRequest) -> HttpResponse:
    patient, upcoming = selectors.upcoming_appointments(user=request.user)
    return _render(
        request,
        "portal/appointments.html",
        {"patient": patient, "appointments": upcoming},
        "appointments",
    )


def _ics(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Perm.PORTAL_OWN)
def appointment_ics(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.own_appointment(user=request.user, appointment_id=appointment_id)
    patient = selectors.own_patient(user=request.user)
    content = appointments_calendar(patient=patient, appointments=[appointment])
    return _ics(content, f"appointment-{appointment.pk}.ics")


@requires(Perm.PORTAL_OWN)
def appointments_ics(request: ClinicRequest) -> HttpResponse:
    patient, upcoming = selectors.upcoming_appointments(user=request.user)
    return _ics(appointments_calendar(patient=patient, appointments=upcoming), "appointments.ics")


@requires(Perm.PORTAL_OWN)
def plan(request: ClinicRequest) -> HttpResponse:
    patient, plans = selectors.plan_progress(user=request.user)
    return _render(request, "portal/plan.html", {"patient": patient, "plans": plans}, "plan")


@requires(Perm.PORTAL_OWN)
def aftercare(request: ClinicRequest) -> HttpResponse:
    page = selectors.aftercare(user=request.user)
    return _render(request, "portal/aftercare.html", {"page": page}, "aftercare")


@require_POST
@requires(Perm.PORTAL_OWN)
def aftercare_day(request: ClinicRequest, given_id: int, day: int) -> HttpResponse:
    patient = selectors.own_patient(user=request.user)
    given = selectors.own_postcare(patient=patient, given_id=given_id)
    form = ChecklistDayForm(request.POST, item_count=len(given.template.items))
    if not form.is_valid():
        messages.error(request, _("That instruction is not on your checklist."))
        return redirect("portal:aftercare")
    try:
        services.postcare_day_save(
            given=given, day=day, ticked=set(form.cleaned_data["items"]), by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Day %(day)s saved.") % {"day": day})
    return redirect(reverse("portal:aftercare") + f"#day-{day}")


@requires(Perm.PORTAL_OWN)
def consents(request: ClinicRequest) -> HttpResponse:
    page = selectors.consent_page(user=request.user)
    return _render(request, "portal/consents.html", {"page": page}, "consents")


@requires(Perm.PORTAL_OWN)
def consent_detail(request: ClinicRequest, consent_id: int) -> HttpResponse:
    consent = selectors.own_signed_consent(user=request.user, consent_id=consent_id)
    return _render(request, "portal/consent_detail.html", {"consent": consent}, "consents")


@requires(Perm.PORTAL_OWN)
def consent_sign(request: ClinicRequest, request_id: int) -> HttpResponse:
    language = request.GET.get("language") or request.POST.get("language")
    page = selectors.consent_to_sign(user=request.user, request_id=request_id, language=language)
    form = PortalConsentForm(request.POST or None, initial={"signer_name": page.patient.full_name})
    if request.method == "POST" and form.is_valid():
        version = next(
            (v for v in page.versions if str(v.pk) == request.POST.get("template_version")), None
        )
        try:
            if version is None:
                raise ValidationError(
                    {"template_version": _("This wording is no longer in use: reload the page.")}
                )
            services.portal_consent_sign(
                request=page.request,
                version=version,
                by=request.user,
                signer_name=form.cleaned_data["signer_name"],
                signature_png=form.cleaned_data["signature_png"],
                confirm_read=form.cleaned_data["confirm_read"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your signed consent reached the clinic."))
            return redirect("portal:consents")
    return _render(request, "portal/consent_sign.html", {"page": page, "form": form}, "consents")


@requires(Perm.PORTAL_OWN)
def questionnaires(request: ClinicRequest) -> HttpResponse:
    record = selectors.own_record(user=request.user)
    return _render(
        request,
        "portal/questionnaires.html",
        {
            "record": record,
            "instruments": instruments_for(clinic_id=record.patient.clinic_id),
            "updates": selectors.history_updates(patient=record.patient),
        },
        "questionnaires",
    )


@requires(Perm.PORTAL_OWN)
def questionnaire(request: ClinicRequest, instrument_id: int) -> HttpResponse:
    """The patient answers a questionnaire (e.g. how much the scars bother them) from home."""
    patient = selectors.own_patient_for_page(user=request.user, page="questionnaire")
    instrument = selectors.own_instrument(patient=patient, instrument_id=instrument_id)
    form = ProForm(
        request.POST or None, items=instrument.items, initial={"visit_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            pro_record(
                patient=patient,
                instrument=instrument,
                by=request.user,
                visit_date=timezone.localdate(),
                answers=form.answers(),
                source=ReportSource.PORTAL,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your answers reached the clinic."))
            return redirect("portal:home")
    return _render(
        request,
        "portal/questionnaire.html",
        {"form": form, "instrument": instrument},
        "questionnaires",
    )


@requires(Perm.PORTAL_OWN)
def history_update(request: ClinicRequest) -> HttpResponse:
    patient = selectors.own_patient_for_page(user=request.user, page="history_update")
    form = HistoryUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.history_update_submit(
                patient=patient,
                by=request.user,
                answers=form.answers(),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: the clinic will read this before your visit."))
            return redirect("portal:questionnaires")
    return _render(request, "portal/history_update.html", {"form": form}, "questionnaires")


@requires(Perm.PORTAL_OWN)
def progress(request: ClinicRequest) -> HttpResponse:
    page = selectors.progress(user=request.user)
    return _render(request, "portal/progress.html", {"page": page}, "progress")


@requires(Perm.PORTAL_OWN)
def side_effect(request: ClinicRequest) -> HttpResponse:
    patient = selectors.own_patient_for_page(user=request.user, page="side_effect")
    form = SideEffectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.side_effect_report(
                patient=patient,
                by=request.user,
                onset_on=form.cleaned_data["onset_on"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your report reached the clinic. If it is urgent, call the clinic now."),
            )
            return redirect("portal:home")
    reports = selectors.own_side_effect_reports(patient=patient)
    return _render(
        request, "portal/side_effect.html", {"form": form, "reports": reports}, "side_effect"
    )


# ------------------------------------------------------------------------------------------
# Accepting an invitation (no sign-in yet)


@never_cache
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/welcome_invalid.html", status=404)
    if request.user.is_authenticated:
        # The link is for the patient it names: whoever is signed in here signs out first.
        return render(request, "portal/welcome_signed_in.html")
    patient = invitation.patient
    form = WelcomeForm(request.POST or None, initial={"username": invitation.sent_to})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                password_again=form.cleaned_data["password_again"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome: your password is set."))
            return redirect("portal:home")
    return render(
        request,
        "portal/welcome.html",
        {"form": form, "patient": patient, "has_sign_in": patient.portal_user_id is not None},
    )


# ------------------------------------------------------------------------------------------
# The clinic's side


@requires(Perm.PATIENT_EDIT)
def staff_access(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PATIENT_EDIT)
    return render(request, "portal/staff_access.html", _staff_context(request, patient))


def _staff_context(request: ClinicRequest, patient: Any, **forms: Any) -> dict[str, Any]:
    role = request.membership.role
    latest = PortalInvitation.objects.filter(patient=patient).order_by("-created_at").first()
    updates = (
        list(HistoryUpdate.objects.filter(patient=patient).order_by("-submitted_at")[:20])
        if role_has(role, Perm.HISTORY_VIEW)
        else None
    )
    if updates is not None:
        audit_record(
            action=AuditAction.LIST,
            object_type="portal.historyupdate",
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            detail={"shown": [u.pk for u in updates]},
        )
    return {
        "patient": patient,
        "latest": latest,
        "now": timezone.now(),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "consent_form": forms.get("consent_form") or ConsentSendForm(clinic_id=patient.clinic_id),
        "can_send_consent": role_has(role, Perm.CONSENT_RECORD),
        "can_review": role_has(role, Perm.HISTORY_EDIT),
        "updates": [
            (u, [HISTORY_LABELS[k] for k, v in u.answers.items() if k in HISTORY_LABELS and v])
            for u in updates
        ]
        if updates is not None
        else None,
        "link": forms.get("link"),
    }


@require_POST
@requires(Perm.PATIENT_EDIT)
def staff_invite(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PATIENT_EDIT)
    form = InviteForm(request.POST)
    link = None
    if form.is_valid():
        try:
            invitation, link = services.invitation_create(
                patient=patient,
                by=request.user,
                channel=form.cleaned_data["channel"],
                email=form.cleaned_data["email"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if invitation.channel == "email":
                messages.success(request, _("The invitation was sent by email."))
                return redirect("portal:staff_access", patient_id=patient.pk)
            form = InviteForm()
    status = 200 if form.is_valid() or link else 422
    return render(
        request,
        "portal/staff_access.html",
        _staff_context(request, patient, invite_form=form, link=link),
        status=status,
    )


@require_POST
@requires(Perm.CONSENT_RECORD)
def staff_send_consent(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.CONSENT_RECORD)
    form = ConsentSendForm(request.POST, clinic_id=patient.clinic_id)
    if form.is_valid():
        try:
            services.consent_request_send(
                patient=patient, template=form.cleaned_data["template"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The consent is waiting for the patient in the portal."))
            return redirect("portal:staff_access", patient_id=patient.pk)
    return render(
        request,
        "portal/staff_access.html",
        _staff_context(request, patient, consent_form=form),
        status=422,
    )


@require_POST
@requires(Perm.HISTORY_EDIT)
def staff_history_reviewed(request: ClinicRequest, update_id: int) -> HttpResponse:
    update = (
        HistoryUpdate.objects.select_related("patient")
        .filter(
            pk=update_id, patient__clinic_id__in=clinic_ids_with(request.user, Perm.HISTORY_EDIT)
        )
        .first()
    )
    if update is None:
        raise Http404("No such report.")
    try:
        services.history_update_review(update=update, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as read."))
    return redirect("portal:staff_access", patient_id=update.patient_id)
