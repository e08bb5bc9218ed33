"""The outcome tests' world: Amina's course of treatment (assessments before and after,
signed microneedling sessions, a questionnaire, photos) and an SVF unit given to her, so
adverse events have something to be related to."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from scarclinic.accounts.models import User
from scarclinic.assessments import services as assessment_services
from scarclinic.assessments.models import Instrument, Photo, PhotoSet, ScarAssessment
from scarclinic.biologics import services as biologics_services
from scarclinic.biologics.models import ProductAdministration, ProductUnit
from scarclinic.biologics.tests.stories import build_lab_world, released_svf
from scarclinic.clinical.evidence import Modality
from scarclinic.outcomes import services
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import ProcedureRecord, TreatmentSession
from scarclinic.treatments.services import plans as plan_services
from tests.cast import Cast


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def assessment(
    patient: Patient, by: User, on: dt.date, findings: dict[str, dict[str, int]]
) -> ScarAssessment:
    return assessment_services.assessment_save(
        patient=patient, by=by, visit_date=on, findings=findings, qualitative_grade=3, sign=True
    )


def sessions(
    patient: Patient, by: User, modality: Modality, dates: list[dt.date], *, signed: bool = True
) -> list[ProcedureRecord]:
    """Signed procedure records of ``modality`` on ``dates`` (rows made directly: the
    checklist and scheduling have their own tests). A plan answers a signed assessment: one
    is made on the day before the first session if the patient has none."""
    if not ScarAssessment.objects.filter(patient=patient, status="signed").exists():
        assessment(patient, by, dates[0] - dt.timedelta(days=1), {"cheek_left": {"rolling": 5}})
    plan = plan_services.plan_create(
        patient=patient,
        by=by,
        goal="Shallower scars",
        start_date=timezone.localdate(),  # plans start today or later; the records say when
        modalities=[
            plan_services.ModalityChoice(
                modality, sessions=len(dates), interval_value=2, interval_unit="weeks"
            )
        ],
    )
    slots = list(TreatmentSession.objects.filter(plan=plan).order_by("number"))
    now = timezone.now()
    return [
        ProcedureRecord.objects.create(
            session=slot,
            patient=patient,
            modality=modality.value,
            performed_on=on,
            performed_by=by,
            checklist=[],
            checklist_by=by,
            checklist_at=now,
            recorded_by=by,
            recorded_at=now,
            status="signed" if signed else "started",
            signed_at=now if signed else None,
            signed_by=by if signed else None,
        )
        for slot, on in zip(slots, dates, strict=True)
    ]


def photo(patient: Patient, by: User, on: dt.date, view: str = "frontal") -> PhotoSet:
    photo_set = PhotoSet.objects.create(patient=patient, visit_date=on, taken_by=by)
    p = Photo(
        photo_set=photo_set,
        view=view,
        original_sha256="0" * 64,
        original_format="JPEG",
        width=16,
        height=16,
        uploaded_by=by,
    )
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 170, 150)).save(buffer, "JPEG")
    p.image.save("photo.jpg", ContentFile(buffer.getvalue()), save=False)
    p.thumbnail.save("thumb.jpg", ContentFile(buffer.getvalue()), save=False)
    p.save()
    return photo_set


@dataclass
class Course:
    cast: Cast
    procedures: list[ProcedureRecord]
    baseline: ScarAssessment
    follow_up: ScarAssessment


BASELINE = {"cheek_left": {"rolling": 12}, "cheek_right": {"boxcar_shallow": 8}, "forehead": {}}
FOLLOW_UP = {"cheek_left": {"rolling": 6}, "cheek_right": {"boxcar_shallow": 8}}


def course(cast: Cast, *, extra_assessments: int = 0) -> Course:
    """Amina: baseline 90 days ago, three signed microneedling sessions, follow-up today."""
    baseline = assessment(cast.amina, cast.physician, days_ago(90), BASELINE)
    procedures = sessions(
        cast.amina,
        cast.physician,
        Modality.MICRONEEDLING,
        [days_ago(80), days_ago(50), days_ago(20)],
    )
    for i in range(extra_assessments):
        assessment(cast.amina, cast.physician, days_ago(70 - i), FOLLOW_UP)
    follow_up = assessment(cast.amina, cast.physician, timezone.localdate(), FOLLOW_UP)
    return Course(cast, procedures, baseline, follow_up)


def pga(cast: Cast, on: dt.date, bother: int) -> None:
    instrument = Instrument.objects.get(code="pga", clinic=None)
    assessment_services.pro_record(
        patient=cast.amina,
        instrument=instrument,
        by=cast.nurse,
        visit_date=on,
        answers={"bother": bother},
    )


def svf_given_to_amina(cast: Cast) -> tuple[ProductUnit, ProductAdministration]:
    world = build_lab_world(cast)
    unit = released_svf(world)
    administration = biologics_services.administration_record(
        clinic=cast.clinic_a,
        by=cast.nurse,
        din_text=unit.din_eye_readable,
        patient_identifier="A-0001",
        modality=None,
        route="Intradermal injection",
        volume_ml="2",
        sites="Left cheek",
    )
    unit.refresh_from_db()
    return unit, administration


def mild(on: dt.date | None = None, **changes: Any) -> services.Assessment:
    data: dict[str, Any] = {
        "onset_on": on or days_ago(3),
        "description": "Redness of both cheeks beyond a week.",
        "category": "prolonged_erythema",
        "severity": 1,
        "modality": "microneedling",
        "relatedness": "probable",
    }
    return services.Assessment(**(data | changes))


def serious_event(cast: Cast, patient: Patient | None = None) -> AdverseEvent:
    return services.adverse_event_record(
        patient=patient or cast.amina,
        by=cast.physician,
        assessment=mild(
            category="infection",
            severity=3,
            serious=True,
            description="Cellulitis of the cheek; admitted for IV antibiotics.",
        ),
    )
