"""One function per FHIR resource: a model instance (with what it needs already loaded) in,
a ``fhir.resources`` object out, validated by its class as it is built.

Ids are derived from the model and its primary key (``patient-12``, ``procedure-7``), so they
are the same in every export and a reference is known without a lookup. FHIR R4 output uses
the R4B classes of fhir.resources (the resources used here are the same in R4 and R4B); R5
output uses its R5 classes, and the builders differ where the resource changed: Media became
DocumentReference, Consent, AdverseEvent, Procedure and CarePlan were reshaped, and
BiologicallyDerivedProduct changed most (DIN as ``biologicalSourceEvent``, ``productStatus``,
``property``)."""

from __future__ import annotations

import base64
import importlib
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from fhir_core.fhirabstractmodel import FHIRAbstractModel

from scarclinic.accounts.models import Clinic, User
from scarclinic.interop import codes

R4 = "4.0"
R5 = "5.0"
FHIR_VERSIONS = (R4, R5)

Resource = Any  # a fhir.resources model instance (the package ships no common type for both)


@cache
def resource_class(version: str, name: str) -> Any:
    """The fhir.resources class ``name`` of the version: R4B for "4.0", R5 for "5.0"."""
    package = "fhir.resources.R4B" if version == R4 else "fhir.resources"
    return getattr(importlib.import_module(f"{package}.{name.lower()}"), name)


_STREAMING: ContextVar[bool] = ContextVar("fhir_streaming", default=False)


class Streamed:
    """A resource validated by its fhir.resources class, kept as the data it was built
    from. fhir.resources serialises through a Python walk of every element, several times
    slower than building; the bulk export writes thousands of resources a second, so it
    writes the validated data itself (the tests check both give the same JSON)."""

    __slots__ = ("data", "id", "resource_type")

    def __init__(self, resource_type: str, data: dict[str, Any]) -> None:
        self.resource_type = resource_type
        self.id = data.get("id")
        self.data = data

    def get_resource_type(self) -> str:
        return self.resource_type

    def model_dump_json(self) -> str:
        return json.dumps(
            _clean({"resourceType": self.resource_type, **self.data}),
            ensure_ascii=False,
            separators=(",", ":"),
        )


def _clean(value: Any) -> Any:
    """JSON as FHIR wants it: no nulls, no empty arrays or objects, decimals as numbers."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        items = [_clean(v) for v in value]
        return [v for v in items if v is not None and v != {}]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, FHIRAbstractModel):
        known = _CONST_JSON.get(id(value))
        return known if known is not None else json.loads(value.model_dump_json())
    return value


@contextmanager
def streaming() -> Iterator[None]:
    """Within: builders return :class:`Streamed` resources (validated, fast to write)."""
    token = _STREAMING.set(True)
    try:
        yield
    finally:
        _STREAMING.reset(token)


def _make(version: str, kind: str, /, **data: Any) -> Resource:
    resource = resource_class(version, kind)(**data)  # validates, or raises
    return Streamed(kind, data) if _STREAMING.get() else resource


def rid(kind: str, pk: int | str) -> str:
    """The stable id of a resource made from one row: ``patient-12``."""
    return f"{kind}-{pk}"


def ref(resource_type: str, kind: str, pk: int | str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{rid(kind, pk)}"}


def patient_ref(pk: int) -> dict[str, str]:
    return ref("Patient", "patient", pk)


def practitioner_ref(pk: int) -> dict[str, str]:
    return ref("Practitioner", "practitioner", pk)


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


# Codeable concepts that recur in every row (a scale's code, a region, the category) are
# validated once and reused: fhir.resources takes a model instance as it is, which makes
# building an Observation about 1.6 times faster. Their JSON is kept for the fast writer.
_CONST_JSON: dict[int, dict[str, Any]] = {}


@cache
def _cc(version: str, system: str, code: str, display: str = "", text: str = "") -> Any:
    """A validated CodeableConcept, the same instance for the same arguments."""
    data = _concept(system, code, display, text)
    model = resource_class(version, "CodeableConcept")(**data)
    _CONST_JSON[id(model)] = data
    return model


@cache
def _morphology_component(version: str, morphology: str, label: str) -> Any:
    """The component of a region finding that names the scars' morphology."""
    data = {
        "code": _cc(version, codes.SCALES, "morphology", "Scar morphology"),
        "valueCodeableConcept": _cc(version, codes.MORPHOLOGY, morphology, label),
    }
    observation = resource_class(version, "Observation")
    component = importlib.import_module(observation.__module__).ObservationComponent
    model = component(**data)
    _CONST_JSON[id(model)] = {
        "code": _CONST_JSON[id(data["code"])],
        "valueCodeableConcept": _CONST_JSON[id(data["valueCodeableConcept"])],
    }
    return model


_REFERENCES: dict[tuple[str, str], Any] = {}
_MAX_REFERENCES = 4096  # bounded: memory must not grow with the clinic
_REFERENCES_LOCK = threading.Lock()


def _reference(version: str, target: str) -> Any:
    """A validated Reference to ``target``, reused while it is among the recent ones."""
    model = _REFERENCES.get((version, target))
    if model is None:
        data = {"reference": target}
        model = resource_class(version, "Reference")(**data)
        with _REFERENCES_LOCK:  # web threads and the worker share the module
            if len(_REFERENCES) >= _MAX_REFERENCES:
                for old in _REFERENCES.values():
                    _CONST_JSON.pop(id(old), None)
                _REFERENCES.clear()
            _REFERENCES[(version, target)] = model
            _CONST_JSON[id(model)] = data
    return model


def _concept(system: str, code: str, display: str = "", text: str = "") -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(system, code, display)]}
    if text:
        concept["text"] = text
    return concept


def _dt(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    # As fhir.resources writes it: UTC as "Z".
    return value.isoformat().replace("+00:00", "Z")


def _label(choices: Iterable[tuple[Any, Any]], value: Any) -> str:
    return str(dict(choices).get(value, value))


# ------------------------------------------------------------------------------------------
# People and places


def organization(clinic: Clinic, version: str = R4) -> Resource:
    # R5 moved an organization's address into its contacts.
    place: dict[str, Any] = {}
    if clinic.city:
        address = {"city": clinic.city}
        place = {"address": [address]} if version == R4 else {"contact": [{"address": address}]}
    return _make(
        version,
        "Organization",
        id=rid("organization", clinic.pk),
        identifier=[{"system": f"{codes.CANONICAL_BASE}/sid/clinic", "value": clinic.code}],
        active=True,
        name=clinic.name,
        **place,
    )


def practitioner(user: User, version: str = R4) -> Resource:
    full = user.get_full_name().strip()
    name: dict[str, Any] = {"text": full or f"Staff member {user.pk}"}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return _make(
        version, "Practitioner", id=rid("practitioner", user.pk), active=user.is_active, name=[name]
    )


def patient(p: Any, version: str = R4) -> Resource:
    """Patient with the clinic's MRN as its identifier (the key an import matches on)."""
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    return _make(
        version,
        "Patient",
        id=rid("patient", p.pk),
        identifier=[
            {
                "use": "usual",
                "type": _concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR"),
                "system": codes.mrn_system(p.clinic.code),
                "value": p.mrn,
            }
        ],
        name=[{"use": "official", "family": p.family_name, "given": [p.given_name]}],
        gender=p.sex,
        birthDate=p.date_of_birth.isoformat(),
        telecom=telecom or None,
        address=[{"text": p.address}] if p.address else None,
        communication=[
            {
                "language": _concept("urn:ietf:bcp:47", p.preferred_language),
                "preferred": True,
            }
        ],
        managingOrganization=ref("Organization", "organization", p.clinic_id),
    )


# ------------------------------------------------------------------------------------------
# The condition and the scores


def condition(patient_id: int, recorded: date, version: str = R4) -> Resource:
    """Acne scarring: SNOMED CT and ICD-10 from CLINICAL.md section 10, and our own code."""
    return _make(
        version,
        "Condition",
        id=rid("condition", patient_id),
        clinicalStatus=_concept(codes.CONDITION_CLINICAL, "active"),
        verificationStatus=_concept(codes.CONDITION_VERIFICATION, "confirmed"),
        code={
            "coding": [
                _coding(codes.SNOMED, *codes.CONDITION_SCAR_SNOMED),
                _coding(codes.ICD10, *codes.CONDITION_SCAR_ICD10),
                _coding(codes.CONDITION, *codes.CONDITION_ACNE_SCARRING),
            ],
            "text": "Acne scarring",
        },
        bodySite=[_concept(codes.REGION, "face", "Face")],
        subject=patient_ref(patient_id),
        recordedDate=recorded.isoformat(),
    )


def _observation(
    version: str,
    *,
    oid: str,
    code: dict[str, Any],
    patient_id: int,
    effective: date,
    status: str,
    performer: dict[str, str] | None,
    category: str = "exam",
    **value: Any,
) -> Resource:
    return _make(
        version,
        "Observation",
        id=oid,
        status=status,
        category=[_cc(version, codes.OBSERVATION_CATEGORY, category)],
        code=code,
        subject=_reference(version, f"Patient/{rid('patient', patient_id)}"),
        effectiveDateTime=effective.isoformat(),
        performer=[_reference(version, performer["reference"])] if performer else None,
        **value,
    )


def assessment_observations(a: Any, version: str = R4) -> list[Resource]:
    """The scale scores of one scar assessment (CLINICAL.md sections 2-4), each its own
    Observation; a draft assessment's are preliminary."""
    status = "final" if a.status == "signed" else "preliminary"
    common = {
        "patient_id": a.patient_id,
        "effective": a.visit_date,
        "status": status,
        "performer": practitioner_ref(a.assessed_by_id),
    }
    # (id prefix, scale code, value): one Observation per score the assessment has.
    scores = (
        ("observation-grade", "goodman-baron-qualitative", a.qualitative_grade),
        ("observation-gb", "goodman-baron-quantitative", a.goodman_baron_score),
        ("observation-ecca", "ecca", a.ecca_score),
    )
    return [
        _observation(
            version,
            oid=rid(prefix, a.pk),
            code=_cc(version, codes.SCALES, scale, codes.SCALE_CODES[scale]),
            valueInteger=value,
            **common,
        )
        for prefix, scale, value in scores
        if value is not None
    ]


def finding_observation(
    f: Any,
    *,
    patient_id: int,
    visit_date: date,
    status: str,
    assessed_by_id: int,
    version: str = R4,
) -> Resource:
    """One region finding: how many scars of one morphology in one facial region."""
    from scarclinic.assessments.models.assessment import MORPHOLOGY_CHOICES, REGION_CHOICES

    region = _label(REGION_CHOICES, f.region)
    morphology = _label(MORPHOLOGY_CHOICES, f.morphology)
    return _observation(
        version,
        oid=rid("observation-finding", f.pk),
        code=_cc(
            version,
            codes.SCALES,
            "scar-count",
            codes.SCALE_CODES["scar-count"],
            text=f"{morphology} scars, {region.lower()}",
        ),
        patient_id=patient_id,
        effective=visit_date,
        status="final" if status == "signed" else "preliminary",
        performer=practitioner_ref(assessed_by_id),
        bodySite=_cc(version, codes.REGION, f.region, region),
        valueInteger=f.count,
        component=[_morphology_component(version, f.morphology, morphology)],
    )


def pro_observation(r: Any, version: str = R4) -> Resource:
    """A patient-reported questionnaire's score (the items stay in the clinic: licensed)."""
    performer = (
        patient_ref(r.patient_id) if r.source == "portal" else practitioner_ref(r.recorded_by_id)
    )
    return _observation(
        version,
        oid=rid("observation-pro", r.pk),
        code={
            "coding": [
                _coding(codes.INSTRUMENT, r.instrument.code, r.instrument.name),
                _coding(codes.SCALES, "pro-score", codes.SCALE_CODES["pro-score"]),
            ]
        },
        patient_id=r.patient_id,
        effective=r.visit_date,
        status="final",
        performer=performer,
        category="survey",
        valueQuantity={"value": Decimal(r.score), "unit": "score"},
    )


# ------------------------------------------------------------------------------------------
# Photos and consents


def _consent_extension(consent_refs: Sequence[str]) -> list[dict[str, Any]] | None:
    return [
        {"url": codes.EXT_DEPENDS_ON_CONSENT, "valueReference": {"reference": r}}
        for r in consent_refs
    ] or None


def photo(
    ph: Any, *, patient_id: int, consent_refs: Sequence[str], url: str, version: str = R4
) -> Resource:
    """A clinical photograph: Media in R4, DocumentReference in R5 (Media was removed). The
    image itself stays behind the app's permission check, at ``url``; the consents it
    depends on are referenced in an extension."""
    from scarclinic.assessments.models.assessment import REGION_CHOICES

    view = _concept(f"{codes.CANONICAL_BASE}/CodeSystem/photo-view", ph.view)
    attachment: dict[str, Any] = {
        "contentType": "image/jpeg",
        "url": url,
        "title": f"{ph.get_view_display()} photograph",
        "creation": _dt(ph.uploaded_at),
    }
    site = _concept(codes.REGION, ph.region, _label(REGION_CHOICES, ph.region))
    if version == R4:
        return _make(
            version,
            "Media",
            id=rid("media", ph.pk),
            extension=_consent_extension(consent_refs),
            status="completed",
            type=_concept(codes.MEDIA_TYPE, "image"),
            view=view,
            subject=patient_ref(patient_id),
            createdDateTime=ph.photo_set.visit_date.isoformat(),
            operator=practitioner_ref(ph.uploaded_by_id),
            bodySite=site if ph.region else None,
            height=ph.height,
            width=ph.width,
            content=attachment,
        )
    return _make(
        version,
        "DocumentReference",
        id=rid("media", ph.pk),
        extension=_consent_extension(consent_refs),
        status="current",
        type=view,
        subject=patient_ref(patient_id),
        date=_dt(ph.uploaded_at),
        author=[practitioner_ref(ph.uploaded_by_id)],
        bodySite=[{"concept": site}] if ph.region else None,
        content=[{"attachment": attachment | {"height": ph.height, "width": ph.width}}],
    )


def signed_consent(c: Any, *, clinic_id: int, version: str = R4) -> Resource:
    """A signed consent with the exact text shown; withdrawn ones are inactive."""
    category = [
        _concept("http://loinc.org", "59284-0", "Patient Consent"),
        _concept(codes.CONSENT_PROCEDURE, c.procedure_type, c.get_procedure_type_display()),
    ]
    text = {
        "contentType": "text/plain; charset=utf-8",
        "language": c.language,
        "data": base64.b64encode(c.text_shown.encode()).decode(),
        "title": f"{c.title} v{c.version_number}",
        "creation": _dt(c.signed_at),
    }
    period = {"start": _dt(c.signed_at)}
    if c.withdrawn_at:
        period["end"] = _dt(c.withdrawn_at)
    status = "active" if c.withdrawn_at is None else "inactive"
    if version == R4:
        return _make(
            version,
            "Consent",
            id=rid("consent", c.pk),
            status=status,
            scope=_concept(codes.CONSENT_SCOPE, "treatment"),
            category=category,
            patient=patient_ref(c.patient_id),
            dateTime=_dt(c.signed_at),
            performer=[patient_ref(c.patient_id)] if c.signer_relation == "self" else None,
            organization=[ref("Organization", "organization", clinic_id)],
            sourceAttachment=text,
            policyRule=_concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"),
            provision={"type": "permit", "period": period},
        )
    return _make(
        version,
        "Consent",
        id=rid("consent", c.pk),
        status=status,
        category=category,
        subject=patient_ref(c.patient_id),
        date=c.signed_at.date().isoformat(),
        grantor=[patient_ref(c.patient_id)] if c.signer_relation == "self" else None,
        controller=[ref("Organization", "organization", clinic_id)],
        sourceAttachment=[text],
        decision="permit",
        provision=[{"period": period}],
    )


def photo_consent(g: Any, *, clinic_id: int, version: str = R4) -> Resource:
    """A grant of one use of the patient's photographs (teaching, marketing)."""
    category = [
        _concept(f"{codes.CANONICAL_BASE}/CodeSystem/photo-use", g.use, g.get_use_display())
    ]
    period = {"start": _dt(g.granted_at)}
    if g.withdrawn_at:
        period["end"] = _dt(g.withdrawn_at)
    status = "active" if g.withdrawn_at is None else "inactive"
    source = ref("Consent", "consent", g.signed_consent_id) if g.signed_consent_id else None
    if version == R4:
        return _make(
            version,
            "Consent",
            id=rid("consent-photo", g.pk),
            status=status,
            scope=_concept(codes.CONSENT_SCOPE, "patient-privacy"),
            category=category,
            patient=patient_ref(g.patient_id),
            dateTime=_dt(g.granted_at),
            organization=[ref("Organization", "organization", clinic_id)],
            sourceReference=source,
            policyRule=_concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"),
            provision={"type": "permit", "period": period},
        )
    return _make(
        version,
        "Consent",
        id=rid("consent-photo", g.pk),
        status=status,
        category=category,
        subject=patient_ref(g.patient_id),
        date=g.granted_at.date().isoformat(),
        controller=[ref("Organization", "organization", clinic_id)],
        sourceReference=[source] if source else None,
        decision="permit",
        provision=[{"period": period}],
    )


# ------------------------------------------------------------------------------------------
# Plans, appointments, procedures

_PLAN_STATUS = {
    "proposed": "draft",
    "accepted": "active",
    "active": "active",
    "completed": "completed",
    "stopped": "revoked",
}
_ACTIVITY_STATUS = {
    "proposed": "not-started",
    "accepted": "scheduled",
    "active": "in-progress",
    "completed": "completed",
    "stopped": "stopped",
}


def _modality(value: str) -> dict[str, Any]:
    from scarclinic.clinical.evidence import Modality

    try:
        label = Modality(value).label
    except ValueError:
        label = value
    return _concept(codes.MODALITY, value, label)


def care_plan(
    plan: Any, modalities: Sequence[Any], *, has_condition: bool, version: str = R4
) -> Resource:
    kwargs: dict[str, Any] = {
        "id": rid("careplan", plan.pk),
        "status": _PLAN_STATUS[plan.status],
        "intent": "proposal" if plan.status == "proposed" else "plan",
        "title": "Acne scar treatment plan",
        "description": plan.goal,
        "subject": patient_ref(plan.patient_id),
        "period": {"start": plan.start_date.isoformat()},
        "created": _dt(plan.created_at),
        "addresses": [ref("Condition", "condition", plan.patient_id)] if has_condition else None,
    }
    if version == R4:
        kwargs["author"] = practitioner_ref(plan.prescriber_id)
        kwargs["activity"] = [
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": _modality(m.modality),
                    "status": _ACTIVITY_STATUS[plan.status],
                    "description": f"{m.sessions} session(s), {m.interval_text}",
                    "performer": [practitioner_ref(plan.prescriber_id)],
                }
            }
            for m in modalities
        ] or None
    else:
        kwargs["custodian"] = practitioner_ref(plan.prescriber_id)
        kwargs["addresses"] = (
            [{"reference": ref("Condition", "condition", plan.patient_id)}]
            if has_condition
            else None
        )
        kwargs["note"] = [
            {"text": f"{m.label}: {m.sessions} session(s), {m.interval_text}"} for m in modalities
        ] or None
    return _make(version, "CarePlan", **kwargs)


_APPOINTMENT_STATUS = {"booked": "booked", "completed": "fulfilled", "cancelled": "cancelled"}


def appointment(a: Any, version: str = R4) -> Resource:
    return _make(
        version,
        "Appointment",
        id=rid("appointment", a.pk),
        status=_APPOINTMENT_STATUS.get(a.status, "booked"),
        description=_modality(a.modality)["coding"][0]["display"],
        start=_dt(a.starts_at),
        end=_dt(a.ends_at),
        participant=[
            {"actor": patient_ref(a.patient_id), "status": "accepted"},
            {"actor": practitioner_ref(a.clinician_id), "status": "accepted"},
        ],
    )


def _details_text(details: dict[str, Any]) -> str:
    parts = []
    for key, value in sorted(details.items()):
        if value in ("", None, [], {}):
            continue
        shown = (
            ", ".join(f"{k}: {v}" for k, v in value.items())
            if isinstance(value, dict)
            else ", ".join(map(str, value))
            if isinstance(value, list)
            else str(value)
        )
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


def procedure(
    rec: Any, *, plan_id: int | None, product_id: int | None, version: str = R4
) -> Resource:
    """What was done at one session: modality, regions, performer, the cell product used."""
    from scarclinic.assessments.models.assessment import REGION_CHOICES

    regions = rec.details.get("regions") if isinstance(rec.details, dict) else None
    body_sites = [
        _concept(codes.REGION, r, _label(REGION_CHOICES, r)) for r in (regions or []) if r
    ]
    if not body_sites and rec.product_administration_id and rec.product_administration.sites:
        body_sites = [{"text": rec.product_administration.sites}]
    details = _details_text(rec.details) if isinstance(rec.details, dict) else ""
    kwargs: dict[str, Any] = {
        "id": rid("procedure", rec.pk),
        "status": "completed" if rec.status == "signed" else "in-progress",
        "code": _modality(rec.modality),
        "subject": patient_ref(rec.patient_id),
        "performer": [{"actor": practitioner_ref(rec.performed_by_id)}],
        "bodySite": body_sites or None,
        "basedOn": [ref("CarePlan", "careplan", plan_id)] if plan_id else None,
        "note": [{"text": details}] if details else None,
    }
    used = (
        [ref("BiologicallyDerivedProduct", "biologicallyderivedproduct", product_id)]
        if product_id
        else None
    )
    if version == R4:
        kwargs["performedDateTime"] = rec.performed_on.isoformat()
        kwargs["usedReference"] = used
    else:
        kwargs["occurrenceDateTime"] = rec.performed_on.isoformat()
        kwargs["used"] = [{"reference": u} for u in used] if used else None
    return _make(version, "Procedure", **kwargs)


# ------------------------------------------------------------------------------------------
# Cell products

# Temperature ranges of the storage conditions as the biologics app labels them.
_STORAGE_RANGE: dict[str, tuple[int | None, int | None]] = {
    "room": (15, 25),
    "refrigerated": (2, 8),
    "frozen": (None, -80),
    "ln2_vapour": (None, -150),
}


def _product_code(unit: Any) -> dict[str, Any]:
    from scarclinic.biologics.models.settings import PRODUCT_TYPE_CHOICES

    coding = [
        _coding(
            codes.PRODUCT_TYPE, unit.product_type, _label(PRODUCT_TYPE_CHOICES, unit.product_type)
        )
    ]
    if unit.product_code_id:
        coding.insert(
            0, _coding(codes.PRODUCT_CODE, unit.product_code.code, unit.product_code.description)
        )
    return {"coding": coding}


def _collection(unit: Any, patient_id: int | None) -> dict[str, Any]:
    col = unit.collection
    out: dict[str, Any] = {"collectedDateTime": _dt(col.collected_at)}
    if col.performed_by_id:
        out["collector"] = practitioner_ref(col.performed_by_id)
    if col.patient_id is not None and col.patient_id == patient_id:
        out["source"] = patient_ref(col.patient_id)
    return out


def biologically_derived_product(
    unit: Any, *, patient_id: int | None, version: str = R4
) -> Resource:
    """A cell product unit identified by its ISBT 128 DIN. ``patient_id`` is the patient whose
    record this is: the collection's source is named only when it is that patient."""
    available = unit.status in codes.AVAILABLE_STATUSES
    category = "fluid" if unit.product_type == "prp" else "cells"
    regulatory = {
        "url": codes.EXT_REGULATORY_CLASS,
        "valueCode": unit.regulatory_class,
    }
    din = {"system": codes.ISBT128_DIN, "value": unit.din}
    if version == R4:
        low, high = _STORAGE_RANGE.get(unit.storage_condition, (None, None))
        return _make(
            version,
            "BiologicallyDerivedProduct",
            id=rid("biologicallyderivedproduct", unit.pk),
            extension=[regulatory],
            identifier=[din],
            productCategory=category,
            productCode=_product_code(unit),
            status="available" if available else "unavailable",
            quantity=1,
            collection=_collection(unit, patient_id),
            manipulation={"description": unit.get_manipulation_display()},
            storage=[
                {
                    "description": unit.get_storage_condition_display(),
                    "temperature": Decimal(high if high is not None else low or 0),
                    "scale": "celsius",
                    "duration": {"end": _dt(unit.expires_at)},
                }
            ],
        )
    low, high = _STORAGE_RANGE.get(unit.storage_condition, (None, None))
    temp: dict[str, Any] = {}
    if low is not None:
        temp["low"] = {
            "value": low,
            "unit": "Cel",
            "system": "http://unitsofmeasure.org",
            "code": "Cel",
        }
    if high is not None:
        temp["high"] = {
            "value": high,
            "unit": "Cel",
            "system": "http://unitsofmeasure.org",
            "code": "Cel",
        }
    prop_system = f"{codes.CANONICAL_BASE}/CodeSystem/cell-product-property"
    properties: list[dict[str, Any]] = [
        {
            "type": _concept(prop_system, "manipulation"),
            "valueCodeableConcept": _concept(
                f"{codes.CANONICAL_BASE}/CodeSystem/manipulation",
                unit.manipulation,
                unit.get_manipulation_display(),
            ),
        },
        {
            "type": _concept(prop_system, "volume"),
            "valueQuantity": {
                "value": Decimal(unit.volume_ml),
                "unit": "mL",
                "system": "http://unitsofmeasure.org",
                "code": "mL",
            },
        },
        {"type": _concept(prop_system, "autologous"), "valueBoolean": unit.is_autologous},
    ]
    if unit.cell_count_million is not None:
        properties.append(
            {
                "type": _concept(prop_system, "viable-cells-million"),
                "valueQuantity": {"value": Decimal(unit.cell_count_million), "unit": "10*6"},
            }
        )
    return _make(
        version,
        "BiologicallyDerivedProduct",
        id=rid("biologicallyderivedproduct", unit.pk),
        extension=[regulatory],
        productCategory=_coding(codes.BDP_CATEGORY_R5, category),
        productCode=_product_code(unit),
        identifier=[din],
        biologicalSourceEvent=din,
        productStatus=_coding(codes.BDP_STATUS_R5, "available" if available else "unavailable"),
        expirationDate=_dt(unit.expires_at),
        collection=_collection(unit, patient_id),
        storageTempRequirements=temp or None,
        property=properties,
    )


# ------------------------------------------------------------------------------------------
# Adverse events

# NCI CTCAE v5.0 grade -> the FHIR R4 severity codes (mild | moderate | severe).
_SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}


def adverse_event(
    ae: Any, *, product_id: int | None, procedure_id: int | None, version: str = R4
) -> Resource:
    from scarclinic.outcomes.models import AdverseEventCategory, Relatedness

    event = {
        "coding": [
            _coding(
                codes.AE_CATEGORY, ae.category, _label(AdverseEventCategory.choices, ae.category)
            )
        ]
        if ae.category
        else None,
        "text": ae.description,
    }
    recorder = (
        practitioner_ref(ae.reported_by_id) if ae.reported_by_id else patient_ref(ae.patient_id)
    )
    seriousness = _concept(
        codes.ADVERSE_EVENT_SERIOUSNESS, "serious" if ae.serious else "non-serious"
    )
    causality: dict[str, Any] | None = (
        _concept(
            f"{codes.CANONICAL_BASE}/CodeSystem/who-umc-causality",
            ae.relatedness,
            _label(Relatedness.choices, ae.relatedness),
        )
        if ae.relatedness
        else None
    )
    suspects = []
    if procedure_id:
        suspects.append(ref("Procedure", "procedure", procedure_id))
    if product_id:
        suspects.append(ref("BiologicallyDerivedProduct", "biologicallyderivedproduct", product_id))
    if version == R4:
        severity = None
        if ae.severity:
            severity = {
                "coding": [
                    _coding(codes.ADVERSE_EVENT_SEVERITY, _SEVERITY[ae.severity]),
                    _coding(codes.CTCAE_GRADE, str(ae.severity), f"CTCAE grade {ae.severity}"),
                ]
            }
        return _make(
            version,
            "AdverseEvent",
            id=rid("adverseevent", ae.pk),
            actuality="actual",
            event=event,
            subject=patient_ref(ae.patient_id),
            date=ae.onset_on.isoformat(),
            recordedDate=_dt(ae.reported_at),
            recorder=recorder,
            seriousness=seriousness,
            severity=severity,
            outcome=_concept(codes.ADVERSE_EVENT_OUTCOME, ae.outcome),
            suspectEntity=[
                {"instance": s, **({"causality": [{"assessment": causality}]} if causality else {})}
                for s in suspects
            ]
            or None,
        )
    status = {"draft": "in-progress", "entered_in_error": "entered-in-error"}.get(
        ae.status, "completed"
    )
    return _make(
        version,
        "AdverseEvent",
        id=rid("adverseevent", ae.pk),
        status=status,
        actuality="actual",
        code=event,
        subject=patient_ref(ae.patient_id),
        occurrenceDateTime=ae.onset_on.isoformat(),
        recordedDate=_dt(ae.reported_at),
        recorder=recorder,
        seriousness=seriousness,
        outcome=[_concept(codes.ADVERSE_EVENT_OUTCOME, ae.outcome)],
        note=[{"text": f"CTCAE grade {ae.severity}"}] if ae.severity else None,
        suspectEntity=[
            {
                "instanceReference": s,
                **({"causality": {"entityRelatedness": causality}} if causality else {}),
            }
            for s in suspects
        ]
        or None,
    )
