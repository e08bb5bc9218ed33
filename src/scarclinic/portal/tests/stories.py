"""The portal tests' world: Amina (clinic A, portal sign-in "patient") with a plan of three
sessions of microneedling with PRP (the first done today, with post-care given, the second
booked, the third to book), a staff note on the procedure, a signed assessment, and a consent
sent to sign; Zara (clinic B) with the same kinds of objects, which Amina must never reach.

Rows are made with the services where they are cheap and directly otherwise (the procedure
record), so the world does not depend on the pre-procedure checklist."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import ConsentTemplateVersion, Patient, SignedConsent
from scarclinic.patients.services import consent_sign, history_record
from scarclinic.portal.models import ConsentRequest
from scarclinic.portal.services import consent_request_send
from scarclinic.treatments.demo_plans import seed_demo_postcare
from scarclinic.treatments.models import (
    Appointment,
    PlanStatus,
    PostCareGiven,
    PostCareTemplate,
    ProcedureAddendum,
    ProcedureRecord,
    Room,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from scarclinic.treatments.services import plans as plan_services
from scarclinic.treatments.tests.stories import signed_assessment
from scarclinic.web.demo import signature_png
from tests.cast import Cast

DRAWN = signature_png(random.Random(11))
STAFF_NOTE = "Staff only: patient anxious, consider a smaller area next time"


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@dataclass
class PortalStory:
    plan: TreatmentPlan
    done: TreatmentSession
    booked: Appointment
    given: PostCareGiven
    request: ConsentRequest
    zara_appointment: Appointment
    zara_given: PostCareGiven
    zara_request: ConsentRequest
    zara_consent: SignedConsent


def _plan(patient: Patient, by: User, room: Room) -> tuple[TreatmentPlan, list[TreatmentSession]]:
    plan = plan_services.plan_create(
        patient=patient,
        by=by,
        goal="Shallower scars",
        start_date=timezone.localdate(),
        modalities=[plan_services.ModalityChoice(Modality.MICRONEEDLING_PRP, sessions=3)],
    )
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE)
    plan.refresh_from_db()
    return plan, list(TreatmentSession.objects.filter(plan=plan).order_by("number"))


def _appointment(
    session: TreatmentSession, by: User, room: Room, start: dt.datetime
) -> Appointment:
    patient = session.plan.patient
    appointment = Appointment.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        session=session,
        modality=Modality.MICRONEEDLING_PRP.value,
        clinician=by,
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        booked_by=by,
        booked_at=timezone.now(),
    )
    TreatmentSession.objects.filter(pk=session.pk).update(status=SessionStatus.BOOKED)
    return appointment


def _done(session: TreatmentSession, by: User, appointment: Appointment) -> ProcedureRecord:
    record = ProcedureRecord.objects.create(
        session=session,
        appointment=appointment,
        patient=session.plan.patient,
        modality=Modality.MICRONEEDLING_PRP.value,
        performed_on=timezone.localdate(),
        performed_by=by,
        checklist=[],
        checklist_by=by,
        checklist_at=timezone.now(),
    )
    TreatmentSession.objects.filter(pk=session.pk).update(status=SessionStatus.DONE)
    Appointment.objects.filter(pk=appointment.pk).update(status="completed")
    return record


def _given(session: TreatmentSession, by: User, template: PostCareTemplate) -> PostCareGiven:
    return PostCareGiven.objects.create(
        session=session,
        patient=session.plan.patient,
        template=template,
        language=template.language,
        given_by=by,
        given_at=timezone.now(),
    )


def portal_story(cast: Cast) -> PortalStory:
    seed_demo_postcare(clinic=cast.clinic_a)
    seed_demo_postcare(clinic=cast.clinic_b)
    signed_assessment(cast.amina, cast.physician)
    signed_assessment(cast.zara, cast.outsider)
    history_record(patient=cast.zara, by=cast.outsider, change_note="Intake", fitzpatrick=3)
    room_a = Room.objects.create(clinic=cast.clinic_a, name="Room 1")
    room_b = Room.objects.create(clinic=cast.clinic_b, name="Room B")
    today = timezone.localdate()

    plan, (s1, s2, _s3) = _plan(cast.amina, cast.physician, room_a)
    first = _appointment(s1, cast.physician, room_a, at(today, 9))
    record = _done(s1, cast.physician, first)
    ProcedureAddendum.objects.create(
        record=record, written_by=cast.physician, written_at=timezone.now(), note=STAFF_NOTE
    )
    booked = _appointment(s2, cast.physician, room_a, at(today + dt.timedelta(days=28), 10))
    template = PostCareTemplate.objects.get(
        clinic=cast.clinic_a,
        modality=Modality.MICRONEEDLING_PRP.value,
        language="en",
        is_current=True,
    )
    given = _given(s1, cast.nurse, template)
    request = consent_request_send(
        patient=cast.amina, template=cast.prp_consent.template, by=cast.nurse
    )

    _zplan, (z1, _z2, _z3) = _plan(cast.zara, cast.outsider, room_b)
    zara_first = _appointment(z1, cast.outsider, room_b, at(today + dt.timedelta(days=2), 9))
    zara_template = PostCareTemplate.objects.get(
        clinic=cast.clinic_b,
        modality=Modality.MICRONEEDLING_PRP.value,
        language="en",
        is_current=True,
    )
    _done(z1, cast.outsider, zara_first)
    zara_given = _given(z1, cast.outsider, zara_template)
    zara_prp = ConsentTemplateVersion.objects.get(template__clinic=cast.clinic_b)
    zara_request = consent_request_send(
        patient=cast.zara, template=zara_prp.template, by=cast.outsider
    )
    zara_consent = consent_sign(
        patient=cast.zara,
        template_version=zara_prp,
        by=cast.outsider,
        signer_name="Zara Malik",
        method="drawn",
        signature_png=DRAWN,
    )
    return PortalStory(
        plan=plan,
        done=s1,
        booked=booked,
        given=given,
        request=request,
        zara_appointment=zara_first,
        zara_given=zara_given,
        zara_request=zara_request,
        zara_consent=zara_consent,
    )
