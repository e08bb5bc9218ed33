"""The session page: the pre-procedure checklist, what was done, the signature, addenda, and
the post-care handout. Thin views: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.assessments.face_map import region_shapes
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.morphology import FacialRegion
from scarclinic.treatments import handout
from scarclinic.treatments.details import (
    ANAESTHESIA_LABELS,
    REACTION_LABELS,
    details_from_form,
    layout_for,
    summary_lines,
)
from scarclinic.treatments.models import ProcedureAddendum, ProcedureRecord
from scarclinic.treatments.plan_forms import AddendumForm, ChecklistForm, PostCareGiveForm
from scarclinic.treatments.selectors import plans as plan_selectors
from scarclinic.treatments.selectors import postcare as postcare_selectors
from scarclinic.treatments.selectors.procedures import checklist_evaluate, record_for_user
from scarclinic.treatments.services import postcare as postcare_services
from scarclinic.treatments.services import procedures as services
from scarclinic.treatments.views.plans import file_response


def _session_page(
    request: ClinicRequest,
    session_id: int,
    *,
    checklist_errors: dict[str, list[str]] | None = None,
    details_errors: dict[str, list[str]] | None = None,
    details_input: Any = None,
    addendum_form: AddendumForm | None = None,
) -> HttpResponse:
    session = plan_selectors.session_for_user(user=request.user, session_id=session_id)
    role = request.membership.role
    record = (
        ProcedureRecord.objects.select_related(
            "performed_by", "checklist_by", "signed_by", "recorded_by"
        )
        .filter(session=session)
        .first()
    )
    modality = Modality(session.plan_modality.modality)
    layout = layout_for(modality)
    values: dict[str, Any] = {}
    source = details_input if details_input is not None else (record.details if record else {})
    if source:
        values = _flat(source)
    sites = {s.get("region"): s for s in (source or {}).get("sites", [])} if source else {}
    site_rows = [
        {
            "region": region,
            "fields": [
                {
                    "spec": spec,
                    "name": f"site__{region.value}__{spec.name}",
                    "value": sites.get(region.value, {}).get(spec.name, ""),
                }
                for spec in layout.site_fields
            ],
        }
        for region in FacialRegion
    ]
    totals = dict.fromkeys(sites, 1)
    context: dict[str, Any] = {
        "session": session,
        "plan": session.plan,
        "patient": session.plan.patient,
        "record": record,
        "checklist": None if record else checklist_evaluate(session=session),
        "checklist_form": ChecklistForm(),
        "checklist_errors": checklist_errors or {},
        "layout": layout,
        "values": values,
        "site_rows": site_rows,
        "face": region_shapes(totals),
        "regions": list(FacialRegion),
        "selected_regions": set((source or {}).get("regions", [])) if source else set(),
        "reactions": REACTION_LABELS,
        "selected_reactions": set((source or {}).get("immediate_reactions", []))
        if source
        else set(),
        "anaesthesia_kinds": ANAESTHESIA_LABELS,
        "details_errors": details_errors or {},
        "summary": summary_lines(modality, record.details) if record and record.details else [],
        "addenda": list(
            ProcedureAddendum.objects.filter(record=record).select_related("written_by")
        )
        if record
        else [],
        "addendum_form": addendum_form or AddendumForm(),
        "templates": postcare_selectors.current_templates(clinic_id=session.plan.patient.clinic_id),
        "postcare_form": PostCareGiveForm(
            initial={"language": session.plan.patient.preferred_language}
        ),
        "given": list(session.postcare_given.select_related("given_by", "template").all()),
        "can_check": role_has(role, Perm.CHECKLIST_RECORD),
        "can_record": role_has(role, Perm.PROCEDURE_RECORD),
        "can_sign": role_has(role, Perm.PROCEDURE_SIGN),
        "can_give": role_has(role, Perm.POSTCARE_GIVE),
    }
    if record is not None:
        context["addendum_summaries"] = [
            (a, summary_lines(modality, a.corrected_details) if a.corrected_details else [])
            for a in context["addenda"]
        ]
    return render(request, "treatments/plans/session.html", context)


def _flat(details: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in details.items() if not isinstance(v, dict | list)}
    anaesthesia = details.get("anaesthesia") or {}
    values["anaesthesia_kind"] = anaesthesia.get("kind", "")
    values["anaesthesia_agent"] = anaesthesia.get("agent", "")
    return values


@requires(Perm.PLAN_VIEW)
def session_page(request: ClinicRequest, session_id: int) -> HttpResponse:
    return _session_page(request, session_id)


def _errors(error: ValidationError) -> dict[str, list[str]]:
    return {k: list(v) for k, v in error.message_dict.items()}


@require_POST
@requires(Perm.CHECKLIST_RECORD)
def session_checklist(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = plan_selectors.session_for_user(
        user=request.user, session_id=session_id, perm=Perm.CHECKLIST_RECORD, audit=False
    )
    form = ChecklistForm(request.POST)
    form.is_valid()
    try:
        services.procedure_start(
            session=session, by=request.user, confirmed=form.cleaned_data.get("confirmed", False)
        )
    except ValidationError as error:
        return _session_page(request, session_id, checklist_errors=_errors(error))
    messages.success(request, gettext("Checklist complete: the procedure can start."))
    return redirect("plans:session", session_id=session.pk)


@require_POST
@requires(Perm.PROCEDURE_RECORD)
def record_details(request: ClinicRequest, record_id: int) -> HttpResponse:
    record = record_for_user(
        user=request.user, record_id=record_id, perm=Perm.PROCEDURE_RECORD, audit=False
    )
    data = details_from_form(Modality(record.modality), request.POST)
    try:
        services.procedure_record_details(record=record, by=request.user, details=data)
    except ValidationError as error:
        return _session_page(
            request, record.session_id, details_errors=_errors(error), details_input=data
        )
    messages.success(request, gettext("What was done is recorded."))
    return redirect(f"{reverse('plans:session', args=[record.session_id])}#record")


@require_POST
@requires(Perm.PROCEDURE_SIGN)
def record_sign(request: ClinicRequest, record_id: int) -> HttpResponse:
    record = record_for_user(
        user=request.user, record_id=record_id, perm=Perm.PROCEDURE_SIGN, audit=False
    )
    try:
        services.procedure_sign(record=record, by=request.user)
    except ValidationError as error:
        for texts in error.message_dict.values():
            messages.error(request, " ".join(texts))
    else:
        messages.success(request, gettext("Record signed. Corrections from now on are addenda."))
    return redirect(f"{reverse('plans:session', args=[record.session_id])}#record")


@require_POST
@requires(Perm.PROCEDURE_RECORD)
def record_addendum(request: ClinicRequest, record_id: int) -> HttpResponse:
    record = record_for_user(
        user=request.user, record_id=record_id, perm=Perm.PROCEDURE_RECORD, audit=False
    )
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.procedure_add_addendum(
                record=record, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                form.add_error("note" if field not in form.fields else field, " ".join(texts))
        else:
            messages.success(
                request, gettext("Addendum added; the signed record is kept as it was.")
            )
            return redirect(f"{reverse('plans:session', args=[record.session_id])}#record")
    return _session_page(request, record.session_id, addendum_form=form)


# ------------------------------------------------------------------------------------------
# Post-care


@requires(Perm.PLAN_VIEW)
def session_handout(request: ClinicRequest, session_id: int) -> HttpResponse:
    h = postcare_selectors.handout_for_user(
        user=request.user, session_id=session_id, language=request.GET.get("lang")
    )
    content = handout.handout_pdf(h)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="treatments.treatmentsession",
        object_id=h.session.pk,
        patient_id=h.patient.pk,
        clinic_id=h.patient.clinic_id,
        detail={"format": "pdf", "what": "handout", "language": h.language},
    )
    return file_response(content, "application/pdf", f"aftercare-{h.session.pk}-{h.language}.pdf")


@require_POST
@requires(Perm.POSTCARE_GIVE)
def session_postcare(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = plan_selectors.session_for_user(
        user=request.user, session_id=session_id, perm=Perm.POSTCARE_GIVE, audit=False
    )
    form = PostCareGiveForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() else None
    try:
        given = postcare_services.postcare_give(session=session, by=request.user, language=language)
    except ValidationError as error:
        for texts in error.message_dict.values():
            messages.error(request, " ".join(texts))
    else:
        count = given.reminders.count()
        messages.success(
            request,
            gettext("Post-care given (%(language)s); %(count)s reminder(s) scheduled.")
            % {"language": given.get_language_display(), "count": count},
        )
    return redirect(f"{reverse('plans:session', args=[session.pk])}#postcare")
