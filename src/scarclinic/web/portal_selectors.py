from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.history import age_on
from scarclinic.patients.models import Patient, SignedConsent


@dataclass(frozen=True)
class OwnRecord:
    patient: Patient
    age: int
    consents: list[SignedConsent]


def own_record(*, user: User) -> OwnRecord:
    """The signed-in patient's own record; audited as a portal read."""
    from django.utils import timezone

    patient = Patient.objects.select_related("clinic").filter(portal_user=user).first()
    if patient is None:
        raise Http404("No patient record is linked to this sign-in.")
    audit_record(
        action=AuditAction.READ,
        object_type="patients.patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"via": "portal"},
    )
    consents = list(SignedConsent.objects.filter(patient=patient).order_by("-signed_at"))
    return OwnRecord(
        patient=patient, age=age_on(patient.date_of_birth, timezone.localdate()), consents=consents
    )
