"""Demo data for the portal: the demo patient has a consent waiting to be signed at home, so
the portal shows that step. Idempotent (a second run sends nothing new)."""

from __future__ import annotations

from scarclinic.accounts.models import User
from scarclinic.patients.models import ConsentTemplate, Patient, SignedConsent
from scarclinic.portal.models import ConsentRequest
from scarclinic.portal.services import consent_request_send


def seed_demo_portal(*, patient: Patient, by: User) -> int:
    """Send the patient one consent in use at their clinic that they have not signed and do
    not already have waiting. Returns how many were sent (0 or 1)."""
    signed = SignedConsent.objects.filter(patient=patient).values("template_version__template")
    waiting = ConsentRequest.objects.filter(patient=patient).values("template")
    template = (
        ConsentTemplate.objects.filter(clinic_id=patient.clinic_id, versions__status="active")
        .exclude(pk__in=signed)
        .exclude(pk__in=waiting)
        .order_by("procedure_type", "pk")
        .first()
    )
    if template is None:
        return 0
    consent_request_send(patient=patient, template=template, by=by)
    return 1
