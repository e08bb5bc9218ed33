"""The interop tests' world: Amina with a full record (assessment, consents, photos, a plan,
a released cell product of her own, an adverse event), Zara at clinic B with her own
assessment and adverse event, so a leak from one record into the other shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from scarclinic.biologics.models import ProductUnit
from scarclinic.biologics.tests.stories import build_lab_world, released_svf, signed_assessment
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import Appointment, Room, TreatmentPlan
from scarclinic.treatments.tests.plan_stories import accepted_plan, photos_today
from tests.cast import Cast


@dataclass
class InteropWorld:
    cast: Cast
    unit: ProductUnit
    plan: TreatmentPlan
    amina_event: AdverseEvent
    zara_event: AdverseEvent


def adverse_event(patient: Patient, **fields: object) -> AdverseEvent:
    # Written as a row: the outcomes app's services are built in parallel (issue 8).
    now = timezone.now()
    data: dict[str, object] = {
        "clinic_id": patient.clinic_id,
        "patient": patient,
        "onset_on": timezone.localdate() - dt.timedelta(days=2),
        "category": "prolonged_erythema",
        "description": "Redness for five days",
        "severity": 1,
        "relatedness": "probable",
        "reported_at": now,
        "updated_at": now,
    }
    return AdverseEvent.objects.create(**(data | fields))


def build_interop_world(cast: Cast) -> InteropWorld:
    lab = build_lab_world(cast)  # consents and a signed assessment for Amina
    unit = released_svf(lab)
    photos_today(cast.amina, cast.nurse)
    plan = accepted_plan(cast)
    room = Room.objects.create(clinic=cast.clinic_a, name="Room 1")
    start = timezone.now() + dt.timedelta(days=3)
    Appointment.objects.create(
        clinic=cast.clinic_a,
        patient=cast.amina,
        session=plan.sessions.first(),
        modality=plan.modalities.first().modality,  # type: ignore[union-attr]
        clinician=cast.physician,
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=45),
        booked_by=cast.frontdesk,
        booked_at=timezone.now(),
    )
    amina_event = adverse_event(cast.amina, reported_by=cast.physician, product_unit=unit)
    signed_assessment(cast.zara, cast.outsider)
    photos_today(cast.zara, cast.outsider)
    zara_event = adverse_event(cast.zara, reported_by=cast.outsider, description="Zara's nodule")
    return InteropWorld(cast, unit, plan, amina_event, zara_event)
