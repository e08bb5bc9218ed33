"""The plan tests' world: clinic A's rooms and devices, Amina ready for microneedling with PRP
(history, signed assessment, consents to microneedling and PRP, photographs today), and her
accepted plan."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from scarclinic.accounts.models import User
from scarclinic.assessments.models import Photo, PhotoSet
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.patients.services import consent_sign
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.demo_plans import seed_demo_postcare
from scarclinic.treatments.models import Device, DeviceKind, PlanStatus, Room, TreatmentPlan
from scarclinic.treatments.services import plans as plan_services
from scarclinic.treatments.tests.stories import signed_assessment
from scarclinic.web.demo import signature_png
from tests.cast import Cast
from tests.factories import ConsentTemplateFactory, ConsentTemplateVersionFactory

DRAWN = signature_png(random.Random(7))


@dataclass
class Clinic:
    room1: Room
    room2: Room
    laser_room: Room
    laser: Device
    pen: Device


def clinic_a(cast: Cast) -> Clinic:
    """Rooms, devices, demo prices and post-care wording at clinic A."""
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    seed_demo_postcare(clinic=cast.clinic_a)
    return Clinic(
        room1=Room.objects.create(clinic=cast.clinic_a, name="Room 1"),
        room2=Room.objects.create(clinic=cast.clinic_a, name="Room 2"),
        laser_room=Room.objects.create(clinic=cast.clinic_a, name="Laser room"),
        laser=Device.objects.create(clinic=cast.clinic_a, name="CO2 laser", kind=DeviceKind.LASER),
        pen=Device.objects.create(clinic=cast.clinic_a, name="Pen", kind=DeviceKind.MICRONEEDLING),
    )


def consent(patient: Patient, by: User, procedure_type: str) -> None:
    """A signed consent of the patient to a procedure type (a template is made if needed)."""
    from scarclinic.patients.models import ConsentTemplateVersion

    version = ConsentTemplateVersion.objects.filter(
        template__clinic_id=patient.clinic_id,
        template__procedure_type=procedure_type,
        status="active",
    ).first()
    if version is None:
        version = ConsentTemplateVersionFactory(
            template=ConsentTemplateFactory(
                clinic_id=patient.clinic_id,
                procedure_type=procedure_type,
                title=f"Consent to {procedure_type}",
            )
        )
    consent_sign(
        patient=patient,
        template_version=version,
        by=by,
        signer_name=patient.full_name,
        method="drawn",
        signature_png=DRAWN,
    )


def photos_today(patient: Patient, by: User) -> PhotoSet:
    photo_set = PhotoSet.objects.create(
        patient=patient, visit_date=timezone.localdate(), taken_by=by
    )
    photo = Photo(
        photo_set=photo_set,
        view="frontal",
        original_sha256="0" * 64,
        original_format="JPEG",
        width=16,
        height=16,
        uploaded_by=by,
    )
    # A real (tiny) image: the chart shows its thumbnail.
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 170, 150)).save(buffer, "JPEG")
    photo.image.save("photo.jpg", ContentFile(buffer.getvalue()), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(buffer.getvalue()), save=False)
    photo.save()
    return photo_set


def ready_for_prp(cast: Cast) -> Patient:
    """Amina with a signed assessment, consents to microneedling and PRP, photographs today.
    Her history (skin type IV, cold sores) allows microneedling with PRP with cautions."""
    signed_assessment(cast.amina, cast.physician)
    consent(cast.amina, cast.nurse, "microneedling")
    consent(cast.amina, cast.nurse, "prp")
    photos_today(cast.amina, cast.nurse)
    cast.amina.refresh_from_db()
    return cast.amina


def accepted_plan(
    cast: Cast,
    *,
    modality: Modality = Modality.MICRONEEDLING_PRP,
    start: dt.date | None = None,
    sessions: int | None = None,
) -> TreatmentPlan:
    plan = plan_services.plan_create(
        patient=cast.amina,
        by=cast.physician,
        goal="Shallower rolling and boxcar scars on both cheeks",
        start_date=start or timezone.localdate(),
        modalities=[plan_services.ModalityChoice(modality, sessions=sessions)],
    )
    return plan_services.plan_set_status(plan=plan, by=cast.physician, status=PlanStatus.ACCEPTED)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A time on a day in the clinic's time zone."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def next_weekday(days_ahead: int = 1) -> dt.date:
    """A working day (Monday to Saturday) at least ``days_ahead`` days from today."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() == 6:
        day += dt.timedelta(days=1)
    return day
