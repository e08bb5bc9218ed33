"""What a patient's record and a clinic's data are, as FHIR resources.

``patient_resources`` builds one patient's whole record (for ``$everything``) with a fixed
number of queries; ``clinic_resources`` walks a whole clinic one resource type at a time, in
chunks (``iterator(chunk_size=...)``), so a bulk export holds one chunk in memory however
large the clinic is. Both use the builders of resources.py, so a resource reads the same in
a bundle and in an NDJSON file."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.urls import reverse

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Role
from scarclinic.assessments.models import (
    PatientReportedOutcome,
    Photo,
    PhotoConsentGrant,
    RegionFinding,
    ScarAssessment,
)
from scarclinic.biologics.models import ProductUnit
from scarclinic.interop import resources as fr
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.patients.models import Patient, ProcedureType, SignedConsent
from scarclinic.treatments.models import Appointment, ProcedureRecord, TreatmentPlan

CHUNK = 2000

# The resource types, in the order a bundle lists them and the bulk export writes them.
RESOURCE_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "Media",
    "Consent",
    "CarePlan",
    "Appointment",
    "Procedure",
    "BiologicallyDerivedProduct",
    "AdverseEvent",
    "Practitioner",
    "Organization",
)


def photo_url(base_url: str, photo_id: int) -> str:
    return base_url.rstrip("/") + reverse("assessments:photo_image", args=[photo_id])


def _units() -> QuerySet[ProductUnit]:
    return ProductUnit.objects.select_related("collection", "product_code")


def _procedures() -> QuerySet[ProcedureRecord]:
    return ProcedureRecord.objects.select_related("session", "product_administration")


def _adverse_events(version: str) -> QuerySet[AdverseEvent]:
    qs = AdverseEvent.objects.select_related("procedure__product_administration")
    if version == fr.R4:  # R4's AdverseEvent has no status to say "entered in error"
        qs = qs.exclude(status="entered_in_error")
    return qs


def _ae_product_id(ae: AdverseEvent) -> int | None:
    if ae.product_unit_id:
        return ae.product_unit_id
    if ae.procedure_id and ae.procedure is not None and ae.procedure.product_administration_id:
        return ae.procedure.product_administration.product_id  # type: ignore[union-attr]
    return None


def _photo_consent_refs(patient_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each patient, the consents their photographs depend on: signed consents to
    clinical photography and the grants of teaching or marketing use."""
    refs: dict[int, list[str]] = defaultdict(list)
    ids = list(patient_ids)
    for pk, patient_id in SignedConsent.objects.filter(
        patient_id__in=ids, procedure_type=ProcedureType.PHOTOGRAPHY
    ).values_list("pk", "patient_id"):
        refs[patient_id].append(f"Consent/{fr.rid('consent', pk)}")
    for pk, patient_id in PhotoConsentGrant.objects.filter(patient_id__in=ids).values_list(
        "pk", "patient_id"
    ):
        refs[patient_id].append(f"Consent/{fr.rid('consent-photo', pk)}")
    return refs


@dataclass
class PatientRecord:
    """One patient's resources, and what they were (for the audit entry)."""

    resources: list[Any] = field(default_factory=list)

    def add(self, resource: Any) -> None:
        self.resources.append(resource)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.get_resource_type() for r in self.resources))

    @property
    def ids(self) -> list[str]:
        return [f"{r.get_resource_type()}/{r.id}" for r in self.resources]


def patient_resources(patient: Patient, *, version: str, base_url: str) -> PatientRecord:
    """Everything of one patient, and only of that patient: every query filters on the
    patient; practitioners and the organization are those the resources refer to."""
    record = PatientRecord()
    record.add(fr.patient(patient, version))
    staff: set[int] = set()

    assessments = list(
        ScarAssessment.objects.filter(patient=patient)
        .prefetch_related("findings")
        .order_by("visit_date", "pk")
    )
    if assessments:
        record.add(fr.condition(patient.pk, assessments[0].visit_date, version))
    for a in assessments:
        staff.add(a.assessed_by_id)
        for obs in fr.assessment_observations(a, version):
            record.add(obs)
        for f in a.findings.all():
            record.add(
                fr.finding_observation(
                    f,
                    patient_id=patient.pk,
                    visit_date=a.visit_date,
                    status=a.status,
                    assessed_by_id=a.assessed_by_id,
                    version=version,
                )
            )
    for pro in (
        PatientReportedOutcome.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("visit_date", "pk")
    ):
        if pro.source != "portal":
            staff.add(pro.recorded_by_id)
        record.add(fr.pro_observation(pro, version))

    consent_refs = _photo_consent_refs([patient.pk])[patient.pk]
    for ph in Photo.objects.filter(photo_set__patient=patient).select_related("photo_set"):
        staff.add(ph.uploaded_by_id)
        record.add(
            fr.photo(
                ph,
                patient_id=patient.pk,
                consent_refs=consent_refs,
                url=photo_url(base_url, ph.pk),
                version=version,
            )
        )
    for c in SignedConsent.objects.filter(patient=patient).order_by("signed_at", "pk"):
        record.add(fr.signed_consent(c, clinic_id=patient.clinic_id, version=version))
    for g in PhotoConsentGrant.objects.filter(patient=patient).order_by("granted_at", "pk"):
        record.add(fr.photo_consent(g, clinic_id=patient.clinic_id, version=version))

    for plan in (
        TreatmentPlan.objects.filter(patient=patient)
        .prefetch_related("modalities")
        .order_by("created_at", "pk")
    ):
        staff.add(plan.prescriber_id)
        record.add(
            fr.care_plan(
                plan, list(plan.modalities.all()), has_condition=bool(assessments), version=version
            )
        )
    for appt in Appointment.objects.filter(patient=patient).order_by("starts_at", "pk"):
        staff.add(appt.clinician_id)
        record.add(fr.appointment(appt, version))
    for rec in _procedures().filter(patient=patient).order_by("performed_on", "pk"):
        staff.add(rec.performed_by_id)
        record.add(
            fr.procedure(
                rec,
                plan_id=rec.session.plan_id,
                product_id=(
                    rec.product_administration.product_id if rec.product_administration else None
                ),
                version=version,
            )
        )

    events = list(_adverse_events(version).filter(patient=patient).order_by("onset_on", "pk"))
    suspect_units = {pid for pid in map(_ae_product_id, events) if pid}
    units = _units().filter(
        Q(intended_recipient=patient)
        | Q(collection__patient=patient)
        | Q(administration__patient=patient)
        | Q(pk__in=suspect_units)
    )
    for unit in units.distinct().order_by("pk"):
        if unit.collection.patient_id == patient.pk and unit.collection.performed_by_id:
            staff.add(unit.collection.performed_by_id)
        record.add(fr.biologically_derived_product(unit, patient_id=patient.pk, version=version))
    for ae in events:
        if ae.reported_by_id:
            staff.add(ae.reported_by_id)
        record.add(
            fr.adverse_event(
                ae, product_id=_ae_product_id(ae), procedure_id=ae.procedure_id, version=version
            )
        )
    for user in User.objects.filter(pk__in=staff).order_by("pk"):
        record.add(fr.practitioner(user, version))
    record.add(fr.organization(patient.clinic, version))
    return record


def bundle(record: PatientRecord, *, version: str, base_url: str) -> Any:
    """A searchset Bundle: the patient matched, everything else included."""
    base = base_url.rstrip("/") + "/fhir"
    entries = [
        {
            "fullUrl": f"{base}/{r.get_resource_type()}/{r.id}",
            "resource": r,
            "search": {"mode": "match" if r.get_resource_type() == "Patient" else "include"},
        }
        for r in record.resources
    ]
    return fr.resource_class(version, "Bundle")(type="searchset", total=1, entry=entries)


# ------------------------------------------------------------------------------------------
# The whole clinic, one resource type at a time (bulk export)


@dataclass(frozen=True)
class Exporter:
    resource_type: str
    count: Callable[[Clinic], int]
    rows: Callable[[Clinic, str, str], Iterator[Any]]


def _patients_of(clinic: Clinic) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic=clinic).select_related("clinic")


def _patient_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for p in _patients_of(clinic).order_by("pk").iterator(chunk_size=CHUNK):
        yield fr.patient(p, version)


def _conditions(clinic: Clinic) -> QuerySet[Patient]:
    return (
        Patient.objects.filter(clinic=clinic)
        .annotate(first_visit=Min("assessments__visit_date"))
        .filter(first_visit__isnull=False)
    )


def _condition_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for pk, first in (
        _conditions(clinic).order_by("pk").values_list("pk", "first_visit").iterator(CHUNK)  # type: ignore[misc]  # an annotation
    ):
        yield fr.condition(pk, first, version)


def _assessments(clinic: Clinic) -> QuerySet[ScarAssessment]:
    return ScarAssessment.objects.filter(patient__clinic=clinic)


def _observation_count(clinic: Clinic) -> int:
    a = _assessments(clinic)
    return (
        a.filter(qualitative_grade__isnull=False).count()
        + a.filter(goodman_baron_score__isnull=False).count()
        + a.filter(ecca_score__isnull=False).count()
        + RegionFinding.objects.filter(assessment__patient__clinic=clinic).count()
        + PatientReportedOutcome.objects.filter(patient__clinic=clinic).count()
    )


def _observation_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for a in _assessments(clinic).order_by("pk").iterator(CHUNK):
        yield from fr.assessment_observations(a, version)
    findings = (
        RegionFinding.objects.filter(assessment__patient__clinic=clinic)
        .select_related("assessment")
        .order_by("pk")
    )
    for f in findings.iterator(CHUNK):
        a = f.assessment
        yield fr.finding_observation(
            f,
            patient_id=a.patient_id,
            visit_date=a.visit_date,
            status=a.status,
            assessed_by_id=a.assessed_by_id,
            version=version,
        )
    pros = PatientReportedOutcome.objects.filter(patient__clinic=clinic).select_related(
        "instrument"
    )
    for pro in pros.order_by("pk").iterator(CHUNK):
        yield fr.pro_observation(pro, version)


def _photos(clinic: Clinic) -> QuerySet[Photo]:
    return Photo.objects.filter(photo_set__patient__clinic=clinic)


def _photo_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    chunk: list[Photo] = []
    photos = _photos(clinic).select_related("photo_set").order_by("pk")

    def flush() -> Iterator[Any]:
        refs = _photo_consent_refs({ph.photo_set.patient_id for ph in chunk})
        for ph in chunk:
            yield fr.photo(
                ph,
                patient_id=ph.photo_set.patient_id,
                consent_refs=refs[ph.photo_set.patient_id],
                url=photo_url(base_url, ph.pk),
                version=version,
            )

    for ph in photos.iterator(CHUNK):
        chunk.append(ph)
        if len(chunk) >= CHUNK:
            yield from flush()
            chunk = []
    yield from flush()


def _consent_count(clinic: Clinic) -> int:
    return (
        SignedConsent.objects.filter(patient__clinic=clinic).count()
        + PhotoConsentGrant.objects.filter(patient__clinic=clinic).count()
    )


def _consent_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for c in SignedConsent.objects.filter(patient__clinic=clinic).order_by("pk").iterator(CHUNK):
        yield fr.signed_consent(c, clinic_id=clinic.pk, version=version)
    grants = PhotoConsentGrant.objects.filter(patient__clinic=clinic).order_by("pk")
    for g in grants.iterator(CHUNK):
        yield fr.photo_consent(g, clinic_id=clinic.pk, version=version)


def _plans(clinic: Clinic) -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(patient__clinic=clinic)


def _plan_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    # Every plan answers a scar assessment, so its patient has the acne-scarring Condition.
    plans = _plans(clinic).prefetch_related("modalities").order_by("pk")
    for plan in plans.iterator(CHUNK):
        yield fr.care_plan(plan, list(plan.modalities.all()), has_condition=True, version=version)


def _appointment_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for a in Appointment.objects.filter(patient__clinic=clinic).order_by("pk").iterator(CHUNK):
        yield fr.appointment(a, version)


def _procedure_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for rec in _procedures().filter(patient__clinic=clinic).order_by("pk").iterator(CHUNK):
        admin = rec.product_administration
        yield fr.procedure(
            rec,
            plan_id=rec.session.plan_id,
            product_id=admin.product_id if admin else None,
            version=version,
        )


def _unit_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for unit in _units().filter(clinic=clinic).order_by("pk").iterator(CHUNK):
        # In the clinic's export the source patient is always in Patient.ndjson.
        yield fr.biologically_derived_product(
            unit, patient_id=unit.collection.patient_id, version=version
        )


def _ae_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for ae in _adverse_events(version).filter(clinic=clinic).order_by("pk").iterator(CHUNK):
        yield fr.adverse_event(
            ae, product_id=_ae_product_id(ae), procedure_id=ae.procedure_id, version=version
        )


def _staff(clinic: Clinic) -> QuerySet[User]:
    return User.objects.filter(
        Exists(
            Membership.objects.filter(user=OuterRef("pk"), clinic=clinic).exclude(role=Role.PATIENT)
        )
    )


def _practitioner_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    for user in _staff(clinic).order_by("pk").iterator(CHUNK):
        yield fr.practitioner(user, version)


def _organization_rows(clinic: Clinic, version: str, base_url: str) -> Iterator[Any]:
    yield fr.organization(clinic, version)


EXPORTERS: tuple[Exporter, ...] = (
    Exporter("Patient", lambda c: _patients_of(c).count(), _patient_rows),
    Exporter("Condition", lambda c: _conditions(c).count(), _condition_rows),
    Exporter("Observation", _observation_count, _observation_rows),
    Exporter("Media", lambda c: _photos(c).count(), _photo_rows),
    Exporter("Consent", _consent_count, _consent_rows),
    Exporter("CarePlan", lambda c: _plans(c).count(), _plan_rows),
    Exporter(
        "Appointment",
        lambda c: Appointment.objects.filter(patient__clinic=c).count(),
        _appointment_rows,
    ),
    Exporter(
        "Procedure",
        lambda c: ProcedureRecord.objects.filter(patient__clinic=c).count(),
        _procedure_rows,
    ),
    Exporter(
        "BiologicallyDerivedProduct",
        lambda c: ProductUnit.objects.filter(clinic=c).count(),
        _unit_rows,
    ),
    Exporter(
        "AdverseEvent",
        lambda c: AdverseEvent.objects.filter(clinic=c).exclude(status="entered_in_error").count(),
        _ae_rows,
    ),
    Exporter("Practitioner", lambda c: _staff(c).count(), _practitioner_rows),
    Exporter("Organization", lambda c: 1, _organization_rows),
)
