"""The cell lab's pages and the bedside check: thin views that parse, call a service or a
selector, and render. URLs carry numeric ids only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.biologics import labels, selectors, services
from scarclinic.biologics.forms import (
    AdministrationForm,
    BedsideForm,
    BloodDrawForm,
    CodesForm,
    DonorReceiptForm,
    ExcursionForm,
    HandOverForm,
    HarvestForm,
    IssueForm,
    LocationForm,
    ProcessingForm,
    ProductForm,
    QcResultForm,
    ReasonForm,
    RecallForm,
    RejectForm,
    ReleaseForm,
    SettingsForm,
    StoreForm,
    apply_service_errors,
    now_local,
)
from scarclinic.biologics.models import Collection, Donor, ProductStatus, ProductUnit
from scarclinic.biologics.qc_text import qc_text, rule_text
from scarclinic.clinical.qc import ProductType
from scarclinic.patients.models import Patient


def _can(request: ClinicRequest, perm: Perm) -> bool:
    return role_has(request.membership.role, perm)


def _flash(request: ClinicRequest, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            label = field.replace("_", " ").capitalize()
            messages.error(request, f"{label}: {message}" if field != "__all__" else message)


def _flash_form(request: ClinicRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        for message in errors:
            label = form.fields[field].label if field in form.fields else ""
            messages.error(
                request, f"{label or field}: {message}" if field != "__all__" else message
            )


def _patient_by_mrn(clinic_id: int, mrn: str) -> Patient | None:
    return Patient.objects.filter(clinic_id=clinic_id, mrn=(mrn or "").strip()).first()


# ------------------------------------------------------------------------------------------
# Inventory, queue, storage


@requires(Perm.PRODUCT_VIEW)
def inventory(request: ClinicRequest) -> HttpResponse:
    stock = selectors.inventory(user=request.user, clinic_id=request.clinic.pk)
    return render(
        request,
        "biologics/inventory.html",
        {
            "stock": stock,
            "queue": selectors.lab_queue(clinic_id=request.clinic.pk),
            "now": timezone.now(),
        },
    )


@requires(Perm.PRODUCT_VIEW)
def queue(request: ClinicRequest) -> HttpResponse:
    return render(
        request, "biologics/queue.html", {"queue": selectors.lab_queue(clinic_id=request.clinic.pk)}
    )


@requires(Perm.PRODUCT_VIEW)
def storage(request: ClinicRequest) -> HttpResponse:
    return render(
        request,
        "biologics/storage.html",
        {
            "boxes": selectors.storage_map(clinic_id=request.clinic.pk),
            "form": LocationForm() if _can(request, Perm.PRODUCT_STORE) else None,
        },
    )


@require_POST
@requires(Perm.PRODUCT_STORE)
def location_new(request: ClinicRequest) -> HttpResponse:
    form = LocationForm(request.POST)
    if form.is_valid():
        try:
            location = services.storage_location_create(
                clinic=request.clinic, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(
                request, gettext("Storage location %(name)s added.") % {"name": location.name}
            )
    else:
        _flash_form(request, form)
    return redirect("biologics:storage")


# ------------------------------------------------------------------------------------------
# Receipt: harvest, blood draw, donor material


def _receive(
    request: ClinicRequest, form: Any, template: str, title: str, record: Any
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if "patient_mrn" in data:
            patient = _patient_by_mrn(request.clinic.pk, data.pop("patient_mrn"))
            data["patient"] = patient
        try:
            collection = record(clinic=request.clinic, by=request.user, **data)
        except ValidationError as error:
            errors = dict(error.message_dict)
            if "patient" in errors and "patient_mrn" in form.fields:
                errors.pop("patient")
                form.add_error("patient_mrn", gettext("No patient with this MRN in this clinic."))
            if errors:
                apply_service_errors(form, ValidationError(errors))
        else:
            messages.success(
                request, gettext("%(kind)s recorded.") % {"kind": collection.get_kind_display()}
            )
            return redirect("biologics:collection", collection_id=collection.pk)
    return render(request, template, {"form": form, "title": title})


@requires(Perm.PRODUCT_RECEIVE)
def harvest_new(request: ClinicRequest) -> HttpResponse:
    form = HarvestForm(
        request.POST or None, clinic_id=request.clinic.pk, initial={"collected_at": now_local()}
    )
    return _receive(
        request,
        form,
        "biologics/receive.html",
        gettext("Record a lipoaspirate harvest"),
        services.harvest_record,
    )


@requires(Perm.PRODUCT_RECEIVE)
def blood_draw_new(request: ClinicRequest) -> HttpResponse:
    form = BloodDrawForm(
        request.POST or None, clinic_id=request.clinic.pk, initial={"collected_at": now_local()}
    )
    return _receive(
        request,
        form,
        "biologics/receive.html",
        gettext("Record a blood draw for PRP"),
        services.blood_draw_record,
    )


@requires(Perm.PRODUCT_RECEIVE)
def donor_receipt_new(request: ClinicRequest) -> HttpResponse:
    form = DonorReceiptForm(
        request.POST or None, initial={"received_at": now_local(), "condition_acceptable": True}
    )
    return _receive(
        request,
        form,
        "biologics/receive.html",
        gettext("Receive donor material"),
        services.donor_receipt_record,
    )


@requires(Perm.PRODUCT_VIEW)
def collection_detail(request: ClinicRequest, collection_id: int) -> HttpResponse:
    collection = selectors.collection_for_user(user=request.user, collection_id=collection_id)
    return render(
        request,
        "biologics/collection.html",
        {
            "collection": collection,
            "units": selectors.collection_units(collection),
            "can_make": _can(request, Perm.PRODUCT_PROCESS),
        },
    )


@requires(Perm.PRODUCT_PROCESS)
def product_new(request: ClinicRequest, collection_id: int) -> HttpResponse:
    collection = selectors.collection_for_user(
        user=request.user, collection_id=collection_id, perm=Perm.PRODUCT_PROCESS
    )
    defaults = {
        "harvest": {
            "product_type": "svf",
            "storage_condition": "refrigerated",
            "manipulation": "minimal",
            "regulatory_class": "same_surgical_procedure",
        },
        "blood_draw": {
            "product_type": "prp",
            "storage_condition": "room",
            "manipulation": "minimal",
            "regulatory_class": "not_hctp",
        },
        "donor_receipt": {
            "product_type": "cord_msc" if collection.material == "cord_tissue" else "cord_blood",
            "storage_condition": "ln2_vapour",
            "manipulation": "culture_expanded",
            "regulatory_class": "351_ind",
        },
    }[collection.kind]
    form = ProductForm(request.POST or None, clinic_id=collection.clinic_id, initial=defaults)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.product_create(
                collection=collection, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("Unit %(din_eye_readable)s made; it is in quarantine until released.")
                % {"din_eye_readable": unit.din_eye_readable},
            )
            return redirect("biologics:product", product_id=unit.pk)
    return render(request, "biologics/product_form.html", {"form": form, "collection": collection})


# ------------------------------------------------------------------------------------------
# One unit


@requires(Perm.PRODUCT_VIEW)
def product_detail(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = selectors.product_for_user(user=request.user, product_id=product_id)
    detail = selectors.product_detail(product)
    clinic_id = product.clinic_id
    tests = [(t.code, f"{qc_text(t.name)} ({rule_text(t)})") for t in detail.spec.spec.tests]
    status = product.status
    in_lab = status in (ProductStatus.QUARANTINE, ProductStatus.RELEASED)
    context: dict[str, Any] = {
        "product": product,
        "d": detail,
        "now": timezone.now(),
        "thaw_limit": services.thaw_limit(product),
        "processing_form": ProcessingForm()
        if _can(request, Perm.PRODUCT_PROCESS) and status == ProductStatus.QUARANTINE
        else None,
        "qc_form": QcResultForm(tests=tests)
        if _can(request, Perm.PRODUCT_QC) and status != ProductStatus.DISCARDED
        else None,
        "can_release": _can(request, Perm.PRODUCT_RELEASE) and status == ProductStatus.QUARANTINE,
        "store_form": StoreForm(clinic_id=clinic_id)
        if _can(request, Perm.PRODUCT_STORE) and in_lab
        else None,
        "hand_over_form": HandOverForm(clinic_id=clinic_id)
        if _can(request, Perm.PRODUCT_STORE) and status not in ("administered", "discarded")
        else None,
        "excursion_form": ExcursionForm()
        if _can(request, Perm.PRODUCT_STORE) and status not in ("administered", "discarded")
        else None,
        "can_thaw": _can(request, Perm.PRODUCT_STORE)
        and product.is_frozen_storage
        and product.thawed_at is None
        and status not in ("administered", "discarded"),
        "issue_form": IssueForm(clinic_id=clinic_id)
        if _can(request, Perm.PRODUCT_ISSUE) and status == ProductStatus.RELEASED
        else None,
        "can_return": _can(request, Perm.PRODUCT_ISSUE) and status == ProductStatus.ISSUED,
        "discard_form": ReasonForm()
        if _can(request, Perm.PRODUCT_STORE)
        and status in ("quarantine", "released", "issued", "rejected", "recalled")
        else None,
        "can_label": _can(request, Perm.PRODUCT_LABEL),
        "can_bedside": _can(request, Perm.PRODUCT_ADMINISTER) and status in ("released", "issued"),
    }
    return render(request, "biologics/product.html", context)


def _action(request: ClinicRequest, product_id: int, perm: Perm) -> ProductUnit:
    return selectors.product_for_user(
        user=request.user, product_id=product_id, perm=perm, audit=False
    )


def _back(product: ProductUnit) -> HttpResponse:
    return redirect("biologics:product", product_id=product.pk)


@require_POST
@requires(Perm.PRODUCT_PROCESS)
def processing_new(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_PROCESS)
    form = ProcessingForm(request.POST)
    if form.is_valid():
        try:
            services.processing_step_record(product=product, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Processing step recorded."))
    else:
        _flash_form(request, form)
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_QC)
def qc_new(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_QC)
    spec = selectors.qc_spec_in_force(
        clinic_id=product.clinic_id, product_type=product.product_type
    )
    form = QcResultForm(request.POST, tests=[(t.code, qc_text(t.name)) for t in spec.spec.tests])
    if form.is_valid():
        try:
            services.qc_result_record(product=product, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("QC result recorded."))
    else:
        _flash_form(request, form)
    return _back(product)


@requires(Perm.PRODUCT_RELEASE)
def release(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = selectors.product_for_user(
        user=request.user, product_id=product_id, perm=Perm.PRODUCT_RELEASE
    )
    detail = selectors.product_detail(product)
    form = ReleaseForm(request.POST or None, exceptional=not detail.evaluation.releasable)
    if request.method == "POST" and form.is_valid():
        data = {"justification": "", "director_username": "", "director_password": ""}
        data |= form.cleaned_data
        director = None
        if data["director_username"]:
            director = User.objects.filter(username=data["director_username"].strip()).first()
            if director is None:
                form.add_error("director_username", gettext("No such user."))
        if not form.errors:
            try:
                services.product_release(
                    product=product,
                    by=request.user,
                    password=data["password"],
                    meaning=data["meaning"],
                    justification=data["justification"],
                    director=director,
                    director_password=data["director_password"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                product.refresh_from_db()
                messages.success(
                    request,
                    f"Unit {product.din_eye_readable} released"
                    + (
                        " EXCEPTIONALLY, with the medical director's signature."
                        if product.exceptional_release
                        else "."
                    ),
                )
                return _back(product)
    return render(
        request,
        "biologics/release.html",
        {"product": product, "d": detail, "form": form, "reject_form": RejectForm(prefix="reject")},
    )


@require_POST
@requires(Perm.PRODUCT_RELEASE)
def reject(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_RELEASE)
    form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.product_reject(product=product, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Unit rejected."))
    else:
        _flash_form(request, form)
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_STORE)
def store(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_STORE)
    form = StoreForm(request.POST, clinic_id=product.clinic_id)
    if form.is_valid():
        try:
            services.product_store(product=product, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(
                request,
                gettext("Stored in %(to_location)s.")
                % {"to_location": form.cleaned_data["to_location"]},
            )
    else:
        _flash_form(request, form)
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_STORE)
def hand_over(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_STORE)
    form = HandOverForm(request.POST, clinic_id=product.clinic_id)
    if form.is_valid():
        try:
            services.product_hand_over(
                product=product,
                by=request.user,
                to=form.cleaned_data["handed_to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Hand-over recorded."))
    else:
        _flash_form(request, form)
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_STORE)
def excursion(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_STORE)
    form = ExcursionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.temperature_excursion_record(
                product=product,
                by=request.user,
                temperature_c=data["temperature_c"],
                duration_minutes=data["duration_minutes"],
                quarantine=not data["keep_released"],
                note=data["note"],
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Temperature excursion recorded."))
    else:
        _flash_form(request, form)
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_STORE)
def thaw(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_STORE)
    try:
        services.product_thaw(product=product, by=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, gettext("Thaw recorded: the stability after thaw runs from now."))
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_ISSUE)
def issue(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_ISSUE)
    form = IssueForm(request.POST, clinic_id=product.clinic_id)
    if form.is_valid():
        data = form.cleaned_data
        patient = (
            _patient_by_mrn(product.clinic_id, data["patient_mrn"]) if data["patient_mrn"] else None
        )
        if data["patient_mrn"] and patient is None:
            messages.error(
                request, gettext("For patient: no patient with this MRN in this clinic.")
            )
            return _back(product)
        try:
            services.product_issue(
                product=product,
                by=request.user,
                patient=patient,
                handed_to=data["handed_to"],
                note=data["note"],
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Issued to the procedure room."))
    else:
        _flash_form(request, form)
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_ISSUE)
def return_view(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_ISSUE)
    try:
        services.product_return(
            product=product, by=request.user, note=request.POST.get("note", "")[:500]
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, gettext("Returned to the lab: released, not stored yet."))
    return _back(product)


@require_POST
@requires(Perm.PRODUCT_STORE)
def discard(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = _action(request, product_id, Perm.PRODUCT_STORE)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.product_discard(
                product=product, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Unit discarded."))
    else:
        _flash_form(request, form)
    return _back(product)


def _label(request: ClinicRequest, product_id: int, fmt: str) -> HttpResponse:
    product = selectors.product_for_user(
        user=request.user, product_id=product_id, perm=Perm.PRODUCT_LABEL, audit=False
    )
    settings = selectors.settings_for(clinic_id=product.clinic_id)
    data = labels.label_data(product, fin_is_demo=bool(settings and settings.fin_is_demo))
    content = labels.label_pdf(data) if fmt == "pdf" else labels.label_png(data)
    audit_record(
        action=AuditAction.EXPORT,
        object_type=product._meta.label_lower,
        object_id=product.pk,
        patient_id=product.intended_recipient_id,
        clinic_id=product.clinic_id,
        detail={"label": fmt},
    )
    response = HttpResponse(
        content, content_type="application/pdf" if fmt == "pdf" else "image/png"
    )
    # The DIN, never the patient's name, in the file name.
    response["Content-Disposition"] = f'inline; filename="label-{product.din}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.PRODUCT_LABEL)
def label_pdf(request: ClinicRequest, product_id: int) -> HttpResponse:
    return _label(request, product_id, "pdf")


@requires(Perm.PRODUCT_LABEL)
def label_png(request: ClinicRequest, product_id: int) -> HttpResponse:
    return _label(request, product_id, "png")


# ------------------------------------------------------------------------------------------
# The bedside


@requires(Perm.PRODUCT_ADMINISTER)
def bedside(request: ClinicRequest) -> HttpResponse:
    """Scan the unit and the patient's wristband; the check runs and is recorded. When it
    passes, the administration form appears, and recording it runs the check again."""
    context: dict[str, Any] = {"check_form": BedsideForm(), "result": None, "admin_form": None}
    action = request.POST.get("action")
    if request.method == "POST" and action == "check":
        form = BedsideForm(request.POST)
        context["check_form"] = form
        if form.is_valid():
            data = form.cleaned_data
            result = services.bedside_check(
                clinic=request.clinic,
                by=request.user,
                din_text=data["din"],
                patient_identifier=data["patient_identifier"],
                modality=data["modality"] or None,
            )
            context["result"] = result
            if result.passed:
                assert result.product is not None
                context["admin_form"] = AdministrationForm(
                    initial={
                        "din": data["din"],
                        "patient_identifier": data["patient_identifier"],
                        "modality": result.modality.value if result.modality else "",
                        "volume_ml": result.product.volume_ml,
                    }
                )
    elif request.method == "POST" and action == "administer":
        form = AdministrationForm(request.POST)
        context["admin_form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                administration = services.administration_record(
                    clinic=request.clinic,
                    by=request.user,
                    din_text=data["din"],
                    patient_identifier=data["patient_identifier"],
                    modality=data["modality"] or None,
                    route=data["route"],
                    volume_ml=data["volume_ml"],
                    sites=data["sites"],
                    note=data["note"],
                )
            except services.BedsideRefused as refused:
                context["result"] = refused.result
                context["admin_form"] = None
                context["check_form"] = BedsideForm(
                    initial={"din": data["din"], "patient_identifier": data["patient_identifier"]}
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "Administration recorded: unit %(din_eye_readable)s to %(full_name)s (%(mrn)s)."
                    )
                    % {
                        "din_eye_readable": administration.product.din_eye_readable,
                        "full_name": administration.patient.full_name,
                        "mrn": administration.patient.mrn,
                    },
                )
                return redirect("biologics:product", product_id=administration.product_id)
    return render(request, "biologics/bedside.html", context)


# ------------------------------------------------------------------------------------------
# Lookback and recall


def _lookback_params(request: ClinicRequest) -> dict[str, Any]:
    get = request.GET
    params: dict[str, Any] = {}
    for name in ("donor", "collection"):
        raw = get.get(name, "")
        if raw.isdigit():
            params[f"{name}_id"] = int(raw)
    for name in ("lot", "din"):
        if get.get(name, "").strip():
            params[name] = get[name].strip()[:64]
    if get.get("mrn", "").strip():
        patient = _patient_by_mrn(request.clinic.pk, get["mrn"])
        params["patient_id"] = patient.pk if patient else 0
    return params


@requires(Perm.PRODUCT_LOOKBACK)
def lookback(request: ClinicRequest) -> HttpResponse:
    params = _lookback_params(request)
    result, error = None, None
    if params:
        try:
            result = selectors.lookback(user=request.user, clinic_id=request.clinic.pk, **params)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    recall_form = None
    if result is not None and result.rows and "patient_id" not in params:
        recall_form = RecallForm(
            initial={
                "donor": params.get("donor_id"),
                "collection": params.get("collection_id"),
                "lot": params.get("lot", ""),
                "din": params.get("din", ""),
            }
        )
    return render(
        request,
        "biologics/lookback.html",
        {
            "result": result,
            "error": error,
            "query": request.GET.urlencode(),
            "donors": selectors.donors(clinic_id=request.clinic.pk),
            "recalls": selectors.recalls(clinic_id=request.clinic.pk),
            "recall_form": recall_form,
            "q": request.GET,
        },
    )


@requires(Perm.PRODUCT_LOOKBACK)
def lookback_csv(request: ClinicRequest) -> HttpResponse:
    params = _lookback_params(request)
    try:
        result = selectors.lookback(user=request.user, clinic_id=request.clinic.pk, **params)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")
    audit_record(
        action=AuditAction.EXPORT,
        object_type="biologics.lookback",
        clinic_id=request.clinic.pk,
        detail={"format": "csv", "units": [r.unit.pk for r in result.rows]},
    )
    response = HttpResponse(selectors.lookback_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="lookback-{timezone.localdate().isoformat()}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@requires(Perm.PRODUCT_LOOKBACK)
def recall_new(request: ClinicRequest) -> HttpResponse:
    form = RecallForm(request.POST)
    if not form.is_valid():
        _flash_form(request, form)
        return redirect("biologics:lookback")
    data = form.cleaned_data
    clinic_id = request.clinic.pk
    donor = (
        Donor.objects.filter(pk=data["donor"], clinic_id=clinic_id).first()
        if data["donor"]
        else None
    )
    collection = (
        Collection.objects.filter(pk=data["collection"], clinic_id=clinic_id).first()
        if data["collection"]
        else None
    )
    product = None
    if data["din"]:
        product = ProductUnit.objects.filter(
            clinic_id=clinic_id, din=data["din"].replace(" ", "")[:13].upper()
        ).first()
    try:
        recall = services.recall_initiate(
            clinic=request.clinic,
            by=request.user,
            reason=data["reason"],
            donor=donor,
            collection=collection,
            lot=data["lot"] or "",
            product=product,
        )
    except ValidationError as error:
        _flash(request, error)
        return redirect("biologics:lookback")
    messages.success(
        request,
        gettext("Recall #%(pk)s recorded: %(count)s unit(s) concerned.")
        % {"pk": recall.pk, "count": recall.units.count()},
    )
    query = urlencode(
        {
            k: v
            for k, v in (
                ("donor", data["donor"]),
                ("collection", data["collection"]),
                ("lot", data["lot"]),
                ("din", data["din"]),
            )
            if v
        }
    )
    return redirect(f"{reverse('biologics:lookback')}?{query}")


# ------------------------------------------------------------------------------------------
# Settings: FIN, product codes, QC specifications


@requires(Perm.PRODUCT_SETTINGS)
def settings_view(request: ClinicRequest) -> HttpResponse:
    current = selectors.settings_for(clinic_id=request.clinic.pk)
    initial = (
        {
            "facility_identification_number": current.facility_identification_number,
            "fin_is_demo": current.fin_is_demo,
            "expiring_soon_days": current.expiring_soon_days,
            "prp_use_within_hours": current.prp_use_within_hours,
        }
        if current
        else {"expiring_soon_days": 7}
    )
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(clinic=request.clinic, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("Lab settings saved."))
            return redirect("biologics:settings")
    return render(
        request,
        "biologics/settings.html",
        {
            "form": form,
            "codes_form": CodesForm(),
            "codes": selectors.product_codes(clinic_id=request.clinic.pk),
            "specs": selectors.qc_specs_in_force(clinic_id=request.clinic.pk),
            "types": [(t.value, gettext(t.label)) for t in ProductType],
        },
    )


@require_POST
@requires(Perm.PRODUCT_SETTINGS)
def codes_upload(request: ClinicRequest) -> HttpResponse:
    form = CodesForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["csv_file"]
        if upload.size > 2_000_000:
            messages.error(request, gettext("CSV file: too large (2 MB at most)."))
            return redirect("biologics:settings")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            messages.error(request, gettext("CSV file: not UTF-8 text."))
            return redirect("biologics:settings")
        try:
            new = services.product_codes_load(
                clinic=request.clinic,
                by=request.user,
                csv_text=text,
                licence_note=form.cleaned_data["licence_note"],
                local_test_codes=form.cleaned_data["local_test_codes"],
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(
                request, gettext("%(len)s product code(s) loaded.") % {"len": len(new)}
            )
    else:
        _flash_form(request, form)
    return redirect("biologics:settings")


@requires(Perm.PRODUCT_SETTINGS)
def qc_spec(request: ClinicRequest, product_type: str) -> HttpResponse:
    if product_type not in {t.value for t in ProductType}:
        raise Http404("No such product type.")
    spec = selectors.qc_spec_in_force(clinic_id=request.clinic.pk, product_type=product_type)
    if request.method == "POST":
        changes: dict[str, dict[str, Any]] = {}
        for test in spec.spec.tests:
            change: dict[str, Any] = {}
            required = request.POST.get(f"{test.code}__required") == "on"
            if required != test.required:
                change["required"] = required
            for bound in ("minimum", "maximum"):
                key = f"{test.code}__{bound}"
                if key in request.POST:
                    raw = request.POST[key].strip()
                    current = getattr(test, bound)
                    if (raw or None) != (
                        None if current is None else format(current.normalize(), "f")
                    ):
                        change[bound] = raw or None
            if change:
                changes[test.code] = change
        try:
            services.qc_spec_change(
                clinic=request.clinic,
                by=request.user,
                product_type=product_type,
                changes=changes,
                reason=request.POST.get("reason", "")[:500],
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, gettext("Specification saved as a new version."))
            return redirect("biologics:qc_spec", product_type=product_type)
    return render(
        request,
        "biologics/qc_spec.html",
        {
            "spec": spec,
            "product_type": product_type,
            "label": gettext(ProductType(product_type).label),
            "history": selectors.qc_spec_history(
                clinic_id=request.clinic.pk, product_type=product_type
            ),
        },
    )
