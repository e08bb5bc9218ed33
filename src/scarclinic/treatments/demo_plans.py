"""Demo treatment plans: rooms and devices, post-care instructions (demo wording, English and
Urdu), plans made from the demo patients' assessments, their sessions booked without a clash,
and a few sessions already done with signed procedure records.

The post-care wording is general and marked as demo wording: it follows the aftercare list of
the seed clinic's article (../shared/seed/: sunscreen daily, staying hydrated, a gentle
skincare routine, a diet with vitamin C, protein and omega-3), plus when to call the clinic.
It names no number of days or hours: those are the clinic's to set. The reminder days of the
demo wording are placeholders for the demo, not advice."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import ScarAssessment
from scarclinic.assessments.selectors import latest_signed_assessment
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.details import validate_details
from scarclinic.treatments.models import (
    OPEN_PLAN_STATUSES,
    Appointment,
    AppointmentStatus,
    Device,
    DeviceKind,
    PlanModality,
    PlanStatus,
    PostCareTemplate,
    ProcedureRecord,
    ProcedureStatus,
    Room,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from scarclinic.treatments.protocol import protocol_default
from scarclinic.treatments.selectors import scheduling as scheduling_selectors
from scarclinic.treatments.selectors.consultation import consultation_build
from scarclinic.treatments.services import plans as plan_services
from scarclinic.treatments.services import postcare as postcare_services
from scarclinic.treatments.services import scheduling as scheduling_services

if TYPE_CHECKING:
    from scarclinic.analytics.demo_trajectories import DemoCourse

DEMO_ROOMS = ("Treatment room 1", "Treatment room 2", "Laser room")
DEMO_DEVICES = (
    ("Fractional CO2 laser", DeviceKind.LASER),
    ("Microneedling pen", DeviceKind.MICRONEEDLING),
    ("PRP centrifuge", DeviceKind.CENTRIFUGE),
)
DEMO_TITLE = {"en": "After your treatment (demo wording)", "ur": "علاج کے بعد (نمونے کی عبارت)"}
# (English, Urdu, reminder days): the seed article's aftercare list, in general words.
DEMO_ITEMS: tuple[tuple[str, str, list[int]], ...] = (
    (
        "Use sunscreen every day: it protects the new skin and helps stop marks from darkening.",
        "روزانہ سن اسکرین لگائیں: یہ نئی جلد کی حفاظت کرتی ہے اور نشانوں کو گہرا ہونے سے بچاتی ہے۔",
        [1, 7],
    ),
    (
        "Drink enough water through the day to keep your skin hydrated.",
        "جلد کو نم رکھنے کے لیے دن بھر مناسب مقدار میں پانی پئیں۔",
        [1],
    ),
    (
        "Keep to a gentle skincare routine and avoid harsh products that may irritate the skin.",
        "جلد کی نرمی سے دیکھ بھال کریں اور ایسی سخت مصنوعات سے پرہیز کریں جو جلد میں جلن پیدا کریں۔",
        [3],
    ),
    (
        "Eat foods rich in vitamin C, protein and omega-3 fatty acids to support skin repair.",
        "جلد کی بحالی میں مدد کے لیے وٹامن سی، پروٹین اور اومیگا تھری سے بھرپور غذا کھائیں۔",
        [],
    ),
    (
        "Follow the clinic's own advice for your treatment; call the clinic if you are worried "
        "about how your skin is healing.",
        "اپنے علاج کے لیے کلینک کی ہدایات پر عمل کریں؛ اگر جلد کے ٹھیک ہونے کے بارے میں فکر ہو تو کلینک کو فون کریں۔",
        [],
    ),
)
# Treatments the demo plans use, in order of preference; each must pass screening.
DEMO_MODALITIES = (
    Modality.MICRONEEDLING_PRP,
    Modality.TCA_CROSS,
    Modality.FRACTIONAL_ABLATIVE_LASER,
    Modality.MICRONEEDLING,
)
DEMO_PLAN_COUNT = 10
DEMO_DONE = 3  # plans whose first session is already done, with a signed record
# Valid example data per treatment (schemas in details.py): what a record of the demo holds.
DEMO_DETAILS: dict[Modality, dict[str, Any]] = {
    Modality.MICRONEEDLING_PRP: {
        "device": "Microneedling pen",
        "depth_mm": "1.5",
        "passes": 3,
        "prp_volume_ml": "4.0",
        "prp_application": "topical",
    },
    Modality.MICRONEEDLING: {"device": "Microneedling pen", "depth_mm": "1.5", "passes": 3},
    Modality.TCA_CROSS: {
        "agent": "TCA",
        "strength_percent": "70",
        "contact_time_s": 30,
        "regions": ["cheek_left", "cheek_right"],
    },
    Modality.FRACTIONAL_ABLATIVE_LASER: {
        "laser_type": "co2",
        "wavelength_nm": 10600,
        "energy_mj": "30",
        "density_percent": "10",
        "passes": 1,
        "spot_size_mm": "0.12",
    },
}
# The history of past courses (seed_demo_history) uses more treatments; valid example data.
DEMO_HISTORY_DETAILS: dict[Modality, dict[str, Any]] = DEMO_DETAILS | {
    Modality.STEM_CELL_SVF_INJECTION: {
        "product_lot": "DEMO-SVF (demo history: no product record)",
        "needle_gauge": 27,
        "depth": "intradermal",
        "sites": [
            {"region": "cheek_left", "volume_ml": "1.50"},
            {"region": "cheek_right", "volume_ml": "1.50"},
        ],
    },
    Modality.CHEMICAL_PEEL: {
        "agent": "Glycolic acid",
        "strength_percent": "35",
        "contact_time_s": 180,
        "regions": ["cheek_left", "cheek_right", "forehead"],
    },
    Modality.SUBCISION: {
        "instrument": "Nokor needle 18G",
        "regions": ["cheek_left", "cheek_right"],
    },
    Modality.DERMAL_FILLER: {
        "sites": [
            {
                "region": "cheek_left",
                "product": "Hyaluronic acid filler",
                "lot": "DEMO-HA",
                "volume_ml": "0.50",
            },
            {
                "region": "cheek_right",
                "product": "Hyaluronic acid filler",
                "lot": "DEMO-HA",
                "volume_ml": "0.50",
            },
        ]
    },
}


def _with(users: dict[str, User], clinic: Clinic, perm: Perm) -> User | None:
    return next((u for u in users.values() if has_perm_in(u, clinic.pk, perm)), None)


def seed_demo_postcare(*, clinic: Clinic) -> int:
    """Demo post-care templates for every treatment and both languages the clinic lacks."""
    have = set(PostCareTemplate.objects.filter(clinic=clinic).values_list("modality", "language"))
    made = 0
    for modality in Modality:
        for language in ("en", "ur"):
            if (modality.value, language) in have:
                continue
            postcare_services.postcare_template_save(
                clinic=clinic,
                by=None,
                modality=modality.value,
                language=language,
                title=DEMO_TITLE[language],
                items=[
                    {"text": en if language == "en" else ur, "remind_days": days}
                    for en, ur, days in DEMO_ITEMS
                ],
                is_demo=True,
            )
            made += 1
    return made


def _resources(clinic: Clinic) -> None:
    for name in DEMO_ROOMS:
        Room.objects.get_or_create(clinic=clinic, name=name)
    for name, kind in DEMO_DEVICES:
        Device.objects.get_or_create(clinic=clinic, name=name, defaults={"kind": kind})


def _suitable_modality(patient: Patient, rng: random.Random) -> Modality | None:
    consultation = consultation_build(patient=patient)
    if not consultation.is_ready:
        return None
    ok = [s.modality for s in consultation.screenings if s.is_suitable]
    choices = [m for m in DEMO_MODALITIES if m in ok]
    return rng.choice(choices[:2]) if choices else None


def _done_first_session(
    plan: TreatmentPlan, clinician: User, room: Room, nurse: User, when: datetime
) -> None:
    """Demo history: the first session happened ``when``, recorded and signed."""
    session = TreatmentSession.objects.select_related("plan_modality").get(
        plan=plan, number=1, plan_modality__position=0
    )
    modality = Modality(session.plan_modality.modality)
    device = (
        Device.objects.filter(clinic_id=plan.patient.clinic_id, kind=DeviceKind.LASER).first()
        if modality == Modality.FRACTIONAL_ABLATIVE_LASER
        else None
    )
    minutes = scheduling_selectors.duration_minutes(
        clinic_id=plan.patient.clinic_id, modality=modality
    )
    appointment = Appointment.objects.create(
        clinic_id=plan.patient.clinic_id,
        patient=plan.patient,
        session=session,
        modality=modality.value,
        clinician=clinician,
        room=room,
        device=device,
        starts_at=when,
        ends_at=when + timedelta(minutes=minutes),
        status=AppointmentStatus.COMPLETED,
        booked_by=nurse,
        booked_at=when - timedelta(days=10),
    )
    details = validate_details(
        modality,
        DEMO_DETAILS[modality]
        | {
            "anaesthesia": {"kind": "topical", "agent": "Topical anaesthetic cream"},
            "immediate_reactions": ["erythema"],
        },
    )
    day = timezone.localtime(when).date()
    ProcedureRecord.objects.create(
        session=session,
        appointment=appointment,
        patient=plan.patient,
        modality=modality.value,
        performed_on=day,
        performed_by=clinician,
        checklist=[
            {
                "key": "demo",
                "label": "Demo data",
                "passed": True,
                "detail": "Loaded with the demo data: no checklist was run for this record.",
                "refs": {},
            }
        ],
        checklist_by=nurse,
        checklist_at=when - timedelta(minutes=15),
        details=details,
        details_schema=f"{modality.value}/1",
        recorded_by=nurse,
        recorded_at=when + timedelta(minutes=minutes),
        status=ProcedureStatus.SIGNED,
        signed_at=when + timedelta(minutes=minutes + 5),
        signed_by=clinician,
    )
    session.status = SessionStatus.DONE
    session.target_date = day
    session.save(update_fields=["status", "target_date"])
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE, start_date=day)


@transaction.atomic
def seed_demo_plans(
    *, clinic: Clinic, users: dict[str, User], patients: list[Patient], rng: random.Random
) -> int:
    """Demo plans for some of ``patients`` (those with a signed assessment and a treatment
    screening allows), their sessions booked, the first session of a few already done.
    Idempotent: a clinic that has any plan gets no demo plans (rooms, devices and post-care
    templates are still completed). Returns the number of plans made."""
    _resources(clinic)
    seed_demo_postcare(clinic=clinic)
    # The demo history's past courses (completed or stopped) do not count: only open plans.
    if TreatmentPlan.objects.filter(patient__clinic=clinic, status__in=OPEN_PLAN_STATUSES).exists():
        return 0
    physician = _with(users, clinic, Perm.PLAN_PRESCRIBE)
    desk = _with(users, clinic, Perm.APPOINTMENT_BOOK)
    nurse = _with(users, clinic, Perm.CHECKLIST_RECORD) or physician
    if physician is None or desk is None or nurse is None:
        return 0
    room = Room.objects.filter(clinic=clinic).order_by("name").first()
    assert room is not None
    made = 0
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for patient in patients:
        if made >= DEMO_PLAN_COUNT:
            break
        if patient.clinic_id != clinic.pk or latest_signed_assessment(patient=patient) is None:
            continue
        if TreatmentPlan.objects.filter(patient=patient).exists():
            continue  # treated already: the demo history's assessments follow that course
        modality = _suitable_modality(patient, rng)
        if modality is None:
            continue
        done = made < DEMO_DONE
        try:
            plan = plan_services.plan_create(
                patient=patient,
                by=physician,
                goal=f"Fewer and shallower scars: {modality.label}, as screened today (demo plan).",
                start_date=today,
                modalities=[plan_services.ModalityChoice(modality)],
            )
            plan_services.plan_set_status(plan=plan, by=physician, status=PlanStatus.ACCEPTED)
        except ValidationError:
            continue
        if done:
            # The first session was three weeks ago at 10:00, one hour per patient.
            day = today - timedelta(days=21)
            when = datetime.combine(day, time(10 + made, 0), tzinfo=tz)
            _done_first_session(plan, physician, room, nurse, when)
        _book_all(plan, desk)
        made += 1
    audit_record(
        actor=users.get("director"),
        action=AuditAction.SEED,
        object_type="treatments.treatmentplan",
        clinic_id=clinic.pk,
        detail={"plans": made, "demo": True},
    )
    return made


def _book_all(plan: TreatmentPlan, desk: User) -> None:
    """Book every session to book at the first free slot on or after its target date."""
    for session in (
        TreatmentSession.objects.filter(plan=plan, status=SessionStatus.PLANNED)
        .select_related("plan", "plan_modality")
        .order_by("target_date", "number")
    ):
        modality = Modality(session.plan_modality.modality)
        slots = scheduling_selectors.free_slots(
            clinic_id=plan.patient.clinic_id,
            modality=modality,
            on_or_after=max(scheduling_selectors.earliest_day_for(session), session.target_date),
            limit=1,
            not_before=timezone.now() + timedelta(hours=1),
        )
        if not slots:
            continue
        slot = slots[0]
        scheduling_services.appointment_book(
            session=session,
            by=desk,
            starts_at=slot.starts_at,
            clinician=slot.clinician,
            room=slot.room,
            device=slot.device,
        )


def seed_demo_history(
    *,
    courses: Sequence[tuple[Patient, ScarAssessment, DemoCourse]],
    physician: User,
) -> int:
    """Past treatment courses of demo patients, in bulk: a completed plan (or one stopped
    early, for a drop-out) answering the patient's baseline assessment, its sessions, and a
    signed procedure record for every session done, so that the follow-up assessments made
    from the same trajectory (scarclinic.analytics.demo_trajectories) follow the procedures
    done. No appointments: these are history. Returns the number of procedure records."""
    if not courses:
        return 0
    now = timezone.now()
    tz = timezone.get_current_timezone()
    details = {
        m: (validate_details(m, d | _DEMO_COMMON), f"{m.value}/1")
        for m, d in DEMO_HISTORY_DETAILS.items()
    }
    plans: list[TreatmentPlan] = []
    for patient, baseline, course in courses:
        label = " + ".join(m.label for m in course.modalities)
        done = len({s.on for s in course.sessions})
        end = datetime.combine(course.end, time(17, 0), tzinfo=tz)
        plans.append(
            TreatmentPlan(
                patient=patient,
                assessment=baseline,
                goal=f"Fewer and shallower scars: {label} (demo history).",
                start_date=course.start,
                prescriber=physician,
                status=PlanStatus.STOPPED if course.dropped_out else PlanStatus.COMPLETED,
                stop_reason=(
                    f"The patient stopped after {done} visit(s) (demo history)."
                    if course.dropped_out
                    else ""
                ),
                created_at=datetime.combine(course.start, time(9, 0), tzinfo=tz)
                - timedelta(days=7),
                status_changed_at=end,
            )
        )
    TreatmentPlan.objects.bulk_create(plans, batch_size=1000)
    modalities: list[PlanModality] = []
    for plan, (_, _, course) in zip(plans, courses, strict=True):
        for position, m in enumerate(course.modalities):
            default = protocol_default(m)
            n = course.planned[m]
            weeks = course.interval_weeks[m]
            modalities.append(
                PlanModality(
                    plan=plan,
                    modality=m.value,
                    position=position,
                    sessions=n,
                    interval_value=max(weeks, 1) if n > 1 else None,
                    interval_unit="weeks",
                    default_sessions=default.sessions,
                    default_interval_value=default.interval.value if default.interval else None,
                    protocol_min_value=default.minimum.value if default.minimum else None,
                    protocol_max_value=default.maximum.value if default.maximum else None,
                    protocol_unit=default.minimum.unit if default.minimum else "weeks",
                    protocol_wording=default.wording[:300],
                    protocol_source=default.source or "",
                    protocol_verified=default.verified,
                )
            )
    PlanModality.objects.bulk_create(modalities, batch_size=1000)
    by_plan = {(pm.plan_id, pm.modality): pm for pm in modalities}
    sessions: list[TreatmentSession] = []
    records: list[tuple[TreatmentSession, Patient, date]] = []
    for plan, (patient, _, course) in zip(plans, courses, strict=True):
        done_on = {(s.modality, s.number): s.on for s in course.sessions}
        last = course.end
        for m in course.modalities:
            pm = by_plan[(plan.pk, m.value)]
            step = timedelta(weeks=course.interval_weeks[m])
            for number in range(1, course.planned[m] + 1):
                on = done_on.get((m, number))
                session = TreatmentSession(
                    plan=plan,
                    plan_modality=pm,
                    number=number,
                    target_date=on or last + step * number,
                    status=SessionStatus.DONE if on else SessionStatus.CANCELLED,
                )
                sessions.append(session)
                if on is not None:
                    records.append((session, patient, on))
    TreatmentSession.objects.bulk_create(sessions, batch_size=2000)
    procedures = []
    for session, patient, on in records:
        m = Modality(session.plan_modality.modality)
        data, schema = details[m]
        at = datetime.combine(on, time(11, 0), tzinfo=tz)
        procedures.append(
            ProcedureRecord(
                session=session,
                patient=patient,
                modality=m.value,
                performed_on=on,
                performed_by=physician,
                checklist=[
                    {
                        "key": "demo",
                        "label": "Demo data",
                        "passed": True,
                        "detail": "Loaded with the demo history: no checklist was run.",
                        "refs": {},
                    }
                ],
                checklist_by=physician,
                checklist_at=at - timedelta(minutes=15),
                details=data,
                details_schema=schema,
                recorded_by=physician,
                recorded_at=at + timedelta(minutes=45),
                status=ProcedureStatus.SIGNED,
                signed_at=min(at + timedelta(minutes=50), now),
                signed_by=physician,
            )
        )
    ProcedureRecord.objects.bulk_create(procedures, batch_size=2000)
    return len(procedures)


_DEMO_COMMON: dict[str, Any] = {
    "anaesthesia": {"kind": "topical", "agent": "Topical anaesthetic cream"},
    "immediate_reactions": ["erythema"],
}
