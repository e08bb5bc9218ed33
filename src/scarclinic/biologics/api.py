"""Cell products over HTTP, with the web UI's permissions. Mounted at /api/v1/biologics.

Every operation names the permission it needs; units, collections and patients are fetched
through the selectors, so another clinic's record answers 404 like a missing one. Bad input
is a 422 naming the field, and nothing is saved; a refused administration is a 422 too, and
the refused bedside check is kept."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Query, Router, Status

from scarclinic.accounts.access import api_user, clinic_ids_with, has_perm_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.biologics import labels, selectors, services
from scarclinic.biologics.bedside import BedsideResult
from scarclinic.biologics.models import (
    Collection,
    Donor,
    ProductAdministration,
    ProductCode,
    ProductUnit,
    StorageLocation,
)
from scarclinic.biologics.schemas import (
    AdministrationIn,
    AdministrationOut,
    BedsideIn,
    BedsideOut,
    BloodDrawIn,
    ClinicParam,
    CodeOut,
    CodesIn,
    CollectionOut,
    CustodyIn,
    DonorReceiptIn,
    HarvestIn,
    IssueIn,
    LocationIn,
    LocationOut,
    LookbackOut,
    LookbackParams,
    ProcessingIn,
    ProcessingOut,
    ProductDetailOut,
    ProductIn,
    ProductOut,
    QcIn,
    QcOut,
    QueueItemOut,
    RecallIn,
    RecallOut,
    RejectIn,
    ReleaseIn,
    ReturnIn,
    SettingsIn,
    SettingsOut,
    SpecChangeIn,
    SpecOut,
    StorageBoxOut,
    TimelineOut,
)
from scarclinic.clinical.qc import ProductType
from scarclinic.patients.models import Patient

router = Router(tags=["biologics"])
PRODUCT_TYPES = frozenset(t.value for t in ProductType)


def _clinic(request: HttpRequest, clinic_id: int | None, perm: Perm) -> Clinic:
    """The clinic a call is about: the one named, else the active one, else the only one."""
    allowed = clinic_ids_with(request.user, perm)
    if clinic_id is not None:
        if clinic_id not in allowed:
            raise PermissionDenied
        chosen = clinic_id
    else:
        active = getattr(request, "clinic", None)
        if active is not None and active.pk in allowed:
            chosen = active.pk
        elif len(allowed) == 1:
            chosen = allowed[0]
        else:
            raise ValidationError({"clinic_id": gettext("You work in several clinics: say which.")})
    return Clinic.objects.get(pk=chosen)


def _unit(request: HttpRequest, product_id: int, perm: Perm, *, audit: bool = False) -> ProductUnit:
    api_user(request, perm)
    return selectors.product_for_user(
        user=request.user, product_id=product_id, perm=perm, audit=audit
    )


def _patient(clinic_id: int, patient_id: int | None, field: str = "patient_id") -> Patient | None:
    if patient_id is None:
        return None
    patient = Patient.objects.filter(pk=patient_id, clinic_id=clinic_id).first()
    if patient is None:
        raise ValidationError({field: gettext("No such patient in this clinic.")})
    return patient


def _staff(clinic_id: int, user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None or not has_perm_in(user, clinic_id, Perm.PATIENT_VIEW):
        raise ValidationError({field: gettext("No such staff member in this clinic.")})
    return user


def _location(clinic_id: int, location_id: int | None) -> StorageLocation | None:
    if location_id is None:
        return None
    location = StorageLocation.objects.filter(pk=location_id, clinic_id=clinic_id).first()
    if location is None:
        raise ValidationError(
            {"to_location_id": gettext("No such storage location in this clinic.")}
        )
    return location


def _product_out(unit: ProductUnit) -> dict[str, Any]:
    return {
        **{f: getattr(unit, f) for f in ProductOut.model_fields if hasattr(unit, f)},
        "product_code": unit.product_code.code if unit.product_code else None,
        "location": unit.location.name if unit.location else None,
    }


def _detail_out(unit: ProductUnit) -> dict[str, Any]:
    evaluation, _ = selectors.product_evaluation(unit)
    return {**_product_out(unit), "evaluation": selectors.evaluation_data(evaluation)}


def _fresh(unit: ProductUnit) -> ProductUnit:
    return selectors._units().get(pk=unit.pk)


# ------------------------------------------------------------------------------------------
# Reading


class ListParams(ClinicParam):
    status: str | None = None
    product_type: str | None = None
    limit: int = 100


@router.get("/units", response=list[ProductOut], summary="Product units of a clinic")
def list_units(request: HttpRequest, params: Query[ListParams]) -> list[dict[str, Any]]:
    api_user(request, Perm.PRODUCT_VIEW)
    clinic = _clinic(request, params.clinic_id, Perm.PRODUCT_VIEW)
    units = selectors.product_list(
        user=request.user,
        clinic_id=clinic.pk,
        status=params.status,
        product_type=params.product_type,
        limit=max(1, min(params.limit, 500)),
    )
    return [_product_out(u) for u in units]


@router.get("/units/{int:product_id}", response=ProductDetailOut, summary="A unit, with its QC")
def get_unit(request: HttpRequest, product_id: int) -> dict[str, Any]:
    return _detail_out(_unit(request, product_id, Perm.PRODUCT_VIEW, audit=True))


@router.get(
    "/units/{int:product_id}/timeline", response=list[TimelineOut], summary="Chain of custody"
)
def unit_timeline(request: HttpRequest, product_id: int) -> list[Any]:
    return selectors.timeline(_unit(request, product_id, Perm.PRODUCT_VIEW, audit=True))


@router.get("/units/{int:product_id}/label", summary="The unit's label (PDF or PNG)")
def unit_label(request: HttpRequest, product_id: int, format: str = "pdf") -> HttpResponse:
    unit = _unit(request, product_id, Perm.PRODUCT_LABEL)
    if format not in ("pdf", "png"):
        raise ValidationError({"format": gettext("pdf or png.")})
    settings = selectors.settings_for(clinic_id=unit.clinic_id)
    data = labels.label_data(unit, fin_is_demo=bool(settings and settings.fin_is_demo))
    content = labels.label_pdf(data) if format == "pdf" else labels.label_png(data)
    audit_record(
        action=AuditAction.EXPORT,
        object_type=unit._meta.label_lower,
        object_id=unit.pk,
        patient_id=unit.intended_recipient_id,
        clinic_id=unit.clinic_id,
        detail={"label": format},
    )
    response = HttpResponse(
        content, content_type="application/pdf" if format == "pdf" else "image/png"
    )
    response["Content-Disposition"] = f'inline; filename="label-{unit.din}.{format}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/queue", response=list[QueueItemOut], summary="Units awaiting QC or release")
def queue(request: HttpRequest, params: Query[ClinicParam]) -> list[Any]:
    api_user(request, Perm.PRODUCT_VIEW)
    return selectors.lab_queue(clinic_id=_clinic(request, params.clinic_id, Perm.PRODUCT_VIEW).pk)


@router.get("/storage", response=list[StorageBoxOut], summary="Storage map")
def storage(request: HttpRequest, params: Query[ClinicParam]) -> list[dict[str, Any]]:
    api_user(request, Perm.PRODUCT_VIEW)
    clinic = _clinic(request, params.clinic_id, Perm.PRODUCT_VIEW)
    return [
        {
            "location": box.location,
            "units": [
                {
                    "rack": s.rack,
                    "position": s.position,
                    "product_id": s.unit.pk,
                    "din": s.unit.din_eye_readable,
                    "status": s.unit.status,
                }
                for s in box.slots
            ],
        }
        for box in selectors.storage_map(clinic_id=clinic.pk)
    ]


@router.get(
    "/collections/{int:collection_id}", response=CollectionOut, summary="A harvest or receipt"
)
def get_collection(request: HttpRequest, collection_id: int) -> Collection:
    api_user(request, Perm.PRODUCT_VIEW)
    return selectors.collection_for_user(user=request.user, collection_id=collection_id)


# ------------------------------------------------------------------------------------------
# Receiving and making units


@router.post("/collections/harvest", response={201: CollectionOut}, summary="Record a harvest")
def record_harvest(request: HttpRequest, body: HarvestIn) -> Status[Collection]:
    user = api_user(request, Perm.PRODUCT_RECEIVE)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_RECEIVE)
    collection = services.harvest_record(
        clinic=clinic,
        by=user,
        patient=_patient(clinic.pk, body.patient_id),
        collected_at=body.collected_at,
        harvest_site=body.harvest_site,
        volume_ml=body.volume_ml,
        performed_by=_staff(clinic.pk, body.performed_by_id, "performed_by_id"),
        procedure_reference=body.procedure_reference,
        note=body.note,
    )
    return Status(201, collection)


@router.post(
    "/collections/blood-draw", response={201: CollectionOut}, summary="Record a blood draw (PRP)"
)
def record_blood_draw(request: HttpRequest, body: BloodDrawIn) -> Status[Collection]:
    user = api_user(request, Perm.PRODUCT_RECEIVE)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_RECEIVE)
    collection = services.blood_draw_record(
        clinic=clinic,
        by=user,
        patient=_patient(clinic.pk, body.patient_id),
        collected_at=body.collected_at,
        volume_ml=body.volume_ml,
        preparation_method=body.preparation_method,
        performed_by=_staff(clinic.pk, body.performed_by_id, "performed_by_id"),
        note=body.note,
    )
    return Status(201, collection)


@router.post(
    "/collections/donor-receipt",
    response={201: CollectionOut},
    summary="Receive donor material from a supplier",
)
def record_donor_receipt(request: HttpRequest, body: DonorReceiptIn) -> Status[Collection]:
    user = api_user(request, Perm.PRODUCT_RECEIVE)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_RECEIVE)
    data = body.dict(exclude={"clinic_id"})
    data["screening_results"] = [r.dict() for r in body.screening_results]
    data["eligibility"] = str(body.eligibility)
    data["material"] = str(body.material)
    collection = services.donor_receipt_record(clinic=clinic, by=user, **data)
    return Status(201, collection)


@router.post(
    "/collections/{int:collection_id}/units",
    response={201: ProductDetailOut},
    summary="Make a unit (gets a DIN, starts in quarantine)",
)
def make_unit(request: HttpRequest, collection_id: int, body: ProductIn) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.PRODUCT_PROCESS)
    collection = selectors.collection_for_user(
        user=user, collection_id=collection_id, perm=Perm.PRODUCT_PROCESS
    )
    data = body.dict()
    code = data.pop("product_code")
    product_code = None
    if code:
        product_code = ProductCode.objects.filter(clinic_id=collection.clinic_id, code=code).first()
        if product_code is None:
            raise ValidationError({"product_code": gettext("Not a code of this clinic's table.")})
    for choice in ("product_type", "storage_condition", "regulatory_class", "manipulation"):
        data[choice] = str(data[choice])
    unit = services.product_create(
        collection=collection, by=user, product_code=product_code, **data
    )
    return Status(201, _detail_out(_fresh(unit)))


@router.post(
    "/units/{int:product_id}/processing",
    response={201: ProcessingOut},
    summary="Record a processing step",
)
def record_processing(
    request: HttpRequest, product_id: int, body: ProcessingIn
) -> Status[dict[str, Any]]:
    unit = _unit(request, product_id, Perm.PRODUCT_PROCESS)
    step = services.processing_step_record(
        product=unit,
        by=api_user(request),
        step=str(body.step),
        performed_at=body.performed_at,
        equipment=body.equipment,
        reagents=[(r.reagent, r.lot) for r in body.reagents],
        description=body.description,
    )
    return Status(
        201,
        {
            "id": step.pk,
            "step": step.step,
            "performed_at": step.performed_at,
            "equipment": step.equipment,
            "reagents": [{"reagent": r.reagent, "lot": r.lot} for r in step.reagents.all()],
        },
    )


@router.post("/units/{int:product_id}/qc", response={201: QcOut}, summary="Enter a QC result")
def record_qc(request: HttpRequest, product_id: int, body: QcIn) -> Status[dict[str, Any]]:
    unit = _unit(request, product_id, Perm.PRODUCT_QC)
    row = services.qc_result_record(product=unit, by=api_user(request), **body.dict())
    evaluation, _ = selectors.product_evaluation(_fresh(unit))
    return Status(
        201,
        {
            "id": row.pk,
            "test_code": row.test_code,
            "value": row.value,
            "text": row.text,
            "unit": row.unit,
            "method": row.method,
            "tested_at": row.tested_at,
            "evaluation": selectors.evaluation_data(evaluation),
        },
    )


# ------------------------------------------------------------------------------------------
# Release, custody


@router.post(
    "/units/{int:product_id}/release",
    response=ProductDetailOut,
    summary="Release (electronic signature: password and meaning)",
)
def release_unit(request: HttpRequest, product_id: int, body: ReleaseIn) -> dict[str, Any]:
    unit = _unit(request, product_id, Perm.PRODUCT_RELEASE)
    director = None
    if body.director_id is not None:
        director = User.objects.filter(pk=body.director_id).first()
        if director is None:
            raise ValidationError({"director_id": gettext("No such user.")})
    services.product_release(
        product=unit,
        by=api_user(request),
        password=body.password,
        meaning=body.meaning,
        justification=body.justification,
        director=director,
        director_password=body.director_password,
    )
    return _detail_out(_fresh(unit))


@router.post("/units/{int:product_id}/reject", response=ProductDetailOut, summary="Reject")
def reject_unit(request: HttpRequest, product_id: int, body: RejectIn) -> dict[str, Any]:
    unit = _unit(request, product_id, Perm.PRODUCT_RELEASE)
    services.product_reject(
        product=unit, by=api_user(request), password=body.password, reason=body.reason
    )
    return _detail_out(_fresh(unit))


@router.post(
    "/units/{int:product_id}/custody",
    response={201: ProductOut},
    summary="Store or move, hand over, temperature excursion, thaw, discard",
)
def record_custody(
    request: HttpRequest, product_id: int, body: CustodyIn
) -> Status[dict[str, Any]]:
    unit = _unit(request, product_id, Perm.PRODUCT_STORE)
    user = api_user(request)
    if body.kind == "store":
        services.product_store(
            product=unit,
            by=user,
            to_location=_location(unit.clinic_id, body.to_location_id),
            rack=body.rack,
            position=body.position,
            note=body.note,
        )
    elif body.kind == "hand_over":
        to = _staff(unit.clinic_id, body.handed_to_id, "handed_to_id")
        services.product_hand_over(product=unit, by=user, to=to, note=body.note)
    elif body.kind == "temperature_excursion":
        services.temperature_excursion_record(
            product=unit,
            by=user,
            temperature_c=body.temperature_c,
            duration_minutes=body.duration_minutes,
            quarantine=body.quarantine,
            note=body.note,
        )
    elif body.kind == "thaw":
        services.product_thaw(product=unit, by=user)
    else:
        services.product_discard(product=unit, by=user, reason=body.note)
    return Status(201, _product_out(_fresh(unit)))


@router.post("/units/{int:product_id}/issue", response=ProductOut, summary="Issue")
def issue_unit(request: HttpRequest, product_id: int, body: IssueIn) -> dict[str, Any]:
    unit = _unit(request, product_id, Perm.PRODUCT_ISSUE)
    services.product_issue(
        product=unit,
        by=api_user(request),
        patient=_patient(unit.clinic_id, body.patient_id),
        handed_to=_staff(unit.clinic_id, body.handed_to_id, "handed_to_id"),
        note=body.note,
    )
    return _product_out(_fresh(unit))


@router.post("/units/{int:product_id}/return", response=ProductOut, summary="Return unused")
def return_unit(request: HttpRequest, product_id: int, body: ReturnIn) -> dict[str, Any]:
    unit = _unit(request, product_id, Perm.PRODUCT_ISSUE)
    services.product_return(
        product=unit,
        by=api_user(request),
        to_location=_location(unit.clinic_id, body.to_location_id),
        rack=body.rack,
        position=body.position,
        note=body.note,
    )
    return _product_out(_fresh(unit))


# ------------------------------------------------------------------------------------------
# The bedside


def _bedside_out(result: BedsideResult) -> dict[str, Any]:
    return {
        "check_id": result.check.pk,
        "outcome": result.check.outcome,
        "product_id": result.product.pk if result.product else None,
        "patient_id": result.patient.pk if result.patient else None,
        "modality": result.modality.value if result.modality else None,
        "refusals": [r.__dict__ for r in result.refusals],
        "cautions": result.cautions,
    }


@router.post("/bedside/check", response=BedsideOut, summary="Bedside check (recorded)")
def bedside_check(request: HttpRequest, body: BedsideIn) -> dict[str, Any]:
    """Check the scanned DIN against the patient's MRN; a refusal is an answer (200, outcome
    "refused" with the reasons), and is recorded."""
    user = api_user(request, Perm.PRODUCT_ADMINISTER)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_ADMINISTER)
    result = services.bedside_check(
        clinic=clinic,
        by=user,
        din_text=body.din,
        patient_identifier=body.patient_identifier,
        modality=body.modality,
    )
    return _bedside_out(result)


@router.post(
    "/administrations",
    response={201: AdministrationOut},
    summary="Record an administration (after the bedside check, which runs again)",
)
def record_administration(
    request: HttpRequest, body: AdministrationIn
) -> Status[ProductAdministration]:
    """422 with each reason when the bedside check refuses; the refused check is recorded."""
    user = api_user(request, Perm.PRODUCT_ADMINISTER)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_ADMINISTER)
    administration = services.administration_record(
        clinic=clinic,
        by=user,
        din_text=body.din,
        patient_identifier=body.patient_identifier,
        modality=body.modality,
        route=body.route,
        volume_ml=body.volume_ml,
        sites=body.sites,
        note=body.note,
    )
    return Status(201, administration)


# ------------------------------------------------------------------------------------------
# Lookback and recall


@router.get("/lookback", response=LookbackOut, summary="Lookback from a donor, lot, unit, patient")
def lookback(request: HttpRequest, params: Query[LookbackParams]) -> dict[str, Any]:
    api_user(request, Perm.PRODUCT_LOOKBACK)
    clinic = _clinic(request, params.clinic_id, Perm.PRODUCT_LOOKBACK)
    result = selectors.lookback(
        user=request.user,
        clinic_id=clinic.pk,
        donor_id=params.donor_id,
        collection_id=params.collection_id,
        lot=params.lot,
        din=params.din,
        patient_id=params.patient_id,
    )
    return {
        "scope": result.scope,
        "description": result.description,
        "recipient_ids": [p.pk for p in result.recipients],
        "units": [
            {
                "product_id": row.unit.pk,
                "din": row.unit.din_eye_readable,
                "product_type": row.unit.product_type,
                "status": row.unit.status,
                "exceptional_release": row.unit.exceptional_release,
                "source": row.unit.collection.kind,
                "donor_identifier": (
                    row.unit.collection.donor.donor_identifier
                    if row.unit.collection.donor
                    else None
                ),
                "supplier_lot": row.unit.collection.supplier_lot,
                "reagent_lots": row.reagent_lots,
                "source_patient_id": row.unit.collection.patient_id,
                "recipient_id": row.recipient.pk if row.recipient else None,
                "recipient_mrn": row.recipient.mrn if row.recipient else None,
                "administered_at": (
                    row.administration.administered_at if row.administration else None
                ),
            }
            for row in result.rows
        ],
    }


@router.post("/recalls", response={201: RecallOut}, summary="Recall from a donor, lot or unit")
def recall(request: HttpRequest, body: RecallIn) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.PRODUCT_LOOKBACK)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_LOOKBACK)

    def one(model: Any, pk: int | None, field: str) -> Any:
        if pk is None:
            return None
        obj = model.objects.filter(pk=pk, clinic_id=clinic.pk).first()
        if obj is None:
            raise ValidationError({field: gettext("Not found in this clinic.")})
        return obj

    made = services.recall_initiate(
        clinic=clinic,
        by=user,
        reason=body.reason,
        donor=one(Donor, body.donor_id, "donor_id"),
        collection=one(Collection, body.collection_id, "collection_id"),
        lot=body.lot,
        product=one(ProductUnit, body.product_id, "product_id"),
    )
    return Status(
        201,
        {
            "id": made.pk,
            "reason": made.reason,
            "initiated_at": made.initiated_at,
            "units": [
                {"product_id": u.product_id, "status_before": u.status_before}
                for u in made.units.all()
            ],
        },
    )


# ------------------------------------------------------------------------------------------
# Settings, storage locations, product codes, QC specifications


@router.get("/settings", response=SettingsOut, summary="The clinic's lab settings")
def get_settings(request: HttpRequest, params: Query[ClinicParam]) -> Any:
    api_user(request, Perm.PRODUCT_SETTINGS)
    clinic = _clinic(request, params.clinic_id, Perm.PRODUCT_SETTINGS)
    current = selectors.settings_for(clinic_id=clinic.pk)
    if current is None:
        from django.http import Http404

        raise Http404("No settings yet.")
    return current


@router.put("/settings", response=SettingsOut, summary="Set the FIN and lab settings")
def put_settings(request: HttpRequest, body: SettingsIn) -> Any:
    user = api_user(request, Perm.PRODUCT_SETTINGS)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_SETTINGS)
    return services.settings_update(clinic=clinic, by=user, **body.dict(exclude={"clinic_id"}))


@router.post("/storage/locations", response={201: LocationOut}, summary="Add a storage location")
def add_location(request: HttpRequest, body: LocationIn) -> Status[StorageLocation]:
    user = api_user(request, Perm.PRODUCT_STORE)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_STORE)
    location = services.storage_location_create(
        clinic=clinic, by=user, name=body.name, storage_condition=str(body.storage_condition)
    )
    return Status(201, location)


@router.get("/product-codes", response=list[CodeOut], summary="The clinic's product code table")
def list_codes(request: HttpRequest, params: Query[ClinicParam]) -> list[ProductCode]:
    api_user(request, Perm.PRODUCT_VIEW)
    clinic = _clinic(request, params.clinic_id, Perm.PRODUCT_VIEW)
    return selectors.product_codes(clinic_id=clinic.pk)


@router.post(
    "/product-codes", response={201: list[CodeOut]}, summary="Load product codes (CSV text)"
)
def load_codes(request: HttpRequest, body: CodesIn) -> Status[list[ProductCode]]:
    user = api_user(request, Perm.PRODUCT_SETTINGS)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_SETTINGS)
    new = services.product_codes_load(
        clinic=clinic,
        by=user,
        csv_text=body.csv,
        licence_note=body.licence_note,
        local_test_codes=body.local_test_codes,
    )
    return Status(201, new)


def _spec_out(spec: selectors.SpecInForce) -> dict[str, Any]:
    return {
        "product_type": spec.spec.product_type.value,
        "version": spec.spec.version,
        "number": spec.row.number if spec.row else None,
        "tests": spec.spec.to_data(),
    }


@router.get("/qc-specs/{product_type}", response=SpecOut, summary="QC specification in force")
def get_spec(request: HttpRequest, product_type: str, params: Query[ClinicParam]) -> dict[str, Any]:
    api_user(request, Perm.PRODUCT_VIEW)
    clinic = _clinic(request, params.clinic_id, Perm.PRODUCT_VIEW)
    if product_type not in PRODUCT_TYPES:
        raise ValidationError({"product_type": gettext("Unknown product type.")})
    return _spec_out(selectors.qc_spec_in_force(clinic_id=clinic.pk, product_type=product_type))


@router.post(
    "/qc-specs/{product_type}", response={201: SpecOut}, summary="Change a QC specification"
)
def change_spec(
    request: HttpRequest, product_type: str, body: SpecChangeIn
) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.PRODUCT_SETTINGS)
    clinic = _clinic(request, body.clinic_id, Perm.PRODUCT_SETTINGS)
    services.qc_spec_change(
        clinic=clinic, by=user, product_type=product_type, changes=body.changes, reason=body.reason
    )
    return Status(
        201, _spec_out(selectors.qc_spec_in_force(clinic_id=clinic.pk, product_type=product_type))
    )
