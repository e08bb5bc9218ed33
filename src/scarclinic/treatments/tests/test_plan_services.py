"""Plans: made from a decision with the catalogue's defaults, changes recorded, states, cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments import services as consultation_services
from scarclinic.treatments.models import (
    AppointmentStatus,
    PlanChange,
    PlanStatus,
    SessionStatus,
    TreatmentSession,
)
from scarclinic.treatments.selectors.plans import plan_estimate, plan_page
from scarclinic.treatments.services import plans as services
from scarclinic.treatments.services import scheduling
from scarclinic.treatments.tests.plan_stories import (
    accepted_plan,
    at,
    clinic_a,
    next_weekday,
    ready_for_prp,
)
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_a_plan_made_from_the_decision_takes_the_option_chosen_and_the_catalogue_defaults(
    cast: Cast,
) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    decision = consultation_services.decision_record(
        patient=cast.amina, by=cast.physician, chosen="microneedling_prp"
    )
    today = timezone.localdate()
    plan = services.plan_create(
        patient=cast.amina,
        by=cast.physician,
        goal="Shallower scars",
        start_date=today,
        decision=decision,
    )
    (pm,) = plan.modalities.all()
    assert (pm.modality, pm.sessions, pm.interval_value, pm.interval_unit) == (
        "microneedling_prp",
        3,
        2,
        "weeks",
    )
    assert pm.protocol_source == "clinical reference §9" and not pm.differs_from_default
    assert plan.assessment == decision.assessment and plan.status == PlanStatus.PROPOSED
    dates = list(TreatmentSession.objects.filter(plan=plan).values_list("target_date", flat=True))
    assert dates == [today, today + dt.timedelta(weeks=2), today + dt.timedelta(weeks=4)]
    assert AuditEntry.objects.filter(object_type="treatments.treatmentplan", action="create")


def test_the_physicians_change_from_the_default_is_recorded_with_the_plan(cast: Cast) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    plan = services.plan_create(
        patient=cast.amina,
        by=cast.physician,
        goal="Shallower scars",
        start_date=timezone.localdate(),
        modalities=[
            services.ModalityChoice(Modality.MICRONEEDLING_PRP, sessions=4, interval_value=3)
        ],
        reason="Deep rolling scars",
    )
    change = PlanChange.objects.get(plan=plan, kind="changed")
    assert change.before["sessions"] == 3 and change.after == {
        "sessions": 4,
        "interval_value": 3,
        "interval_unit": "weeks",
        "first_offset_days": 0,
    }
    assert change.reason == "Deep rolling scars" and change.changed_by == cast.physician


def test_a_treatment_screening_defers_cannot_be_planned(cast: Cast) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    from scarclinic.patients.services import history_record

    history_record(patient=cast.amina, by=cast.nurse, pregnant_or_breastfeeding=True, fitzpatrick=4)
    cast.amina.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            patient=cast.amina,
            by=cast.physician,
            goal="Cells",
            start_date=timezone.localdate(),
            modalities=[services.ModalityChoice(Modality.STEM_CELL_SVF_INJECTION)],
        )
    assert "cannot be planned" in str(error.value)


def test_bad_input_names_its_field_and_changes_nothing(cast: Cast) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            patient=cast.amina,
            by=cast.physician,
            goal="",
            start_date=timezone.localdate() - dt.timedelta(days=1),
            modalities=[services.ModalityChoice(Modality.SUBCISION, sessions=2)],
        )
    assert set(error.value.message_dict) == {"goal", "start_date"}
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            patient=cast.amina,
            by=cast.physician,
            goal="Tethered scars",
            start_date=timezone.localdate(),
            modalities=[services.ModalityChoice(Modality.SUBCISION, sessions=2)],
        )
    assert "no interval" in error.value.message_dict["subcision__interval_value"][0]
    assert not TreatmentSession.objects.exists()


def test_a_nurse_cannot_prescribe_a_plan(cast: Cast) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    with pytest.raises(ValidationError):
        services.plan_create(
            patient=cast.amina,
            by=cast.nurse,
            goal="x",
            start_date=timezone.localdate(),
            modalities=[services.ModalityChoice(Modality.MICRONEEDLING)],
        )


def test_states_go_proposed_accepted_active_completed_and_stopping_needs_a_reason(
    cast: Cast,
) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    plan = services.plan_create(
        patient=cast.amina,
        by=cast.physician,
        goal="x",
        start_date=timezone.localdate(),
        modalities=[services.ModalityChoice(Modality.MICRONEEDLING)],
    )
    with pytest.raises(ValidationError, match="cannot become completed"):
        services.plan_set_status(plan=plan, by=cast.physician, status="completed")
    with pytest.raises(ValidationError, match="Say why"):
        services.plan_set_status(plan=plan, by=cast.physician, status="stopped")
    plan = services.plan_set_status(plan=plan, by=cast.physician, status="accepted")
    assert plan.accepted_estimate["total"] == "30000.00"  # 3 x PKR 10,000 (demo price)
    plan = services.plan_set_status(plan=plan, by=cast.physician, status="active")
    with pytest.raises(ValidationError, match="No session is done"):
        services.plan_set_status(plan=plan, by=cast.physician, status="completed")
    statuses = [c.after["status"] for c in PlanChange.objects.filter(plan=plan, kind="status")]
    assert statuses == ["accepted", "active"]


def test_stopping_a_plan_cancels_its_appointments_and_keeps_the_reason(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    plan = accepted_plan(cast)
    session = TreatmentSession.objects.filter(plan=plan).order_by("number").first()
    booking = scheduling.appointment_book(
        session=session,
        by=cast.frontdesk,
        starts_at=at(next_weekday(), 10),
        clinician=cast.physician,
        room=world.room1,
    )
    plan = services.plan_set_status(
        plan=plan, by=cast.physician, status="stopped", reason="Moved abroad"
    )
    booking.appointment.refresh_from_db()
    assert booking.appointment.status == AppointmentStatus.CANCELLED
    assert plan.stop_reason == "Moved abroad"
    assert set(TreatmentSession.objects.filter(plan=plan).values_list("status", flat=True)) == {
        SessionStatus.CANCELLED
    }


def test_changing_sessions_keeps_booked_ones_and_redates_the_rest(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    plan = accepted_plan(cast)
    first = TreatmentSession.objects.get(plan=plan, number=1)
    day = next_weekday(2)
    scheduling.appointment_book(
        session=first,
        by=cast.frontdesk,
        starts_at=at(day, 9),
        clinician=cast.physician,
        room=world.room1,
    )
    services.plan_change_modality(
        plan=plan,
        by=cast.physician,
        modality=Modality.MICRONEEDLING_PRP,
        sessions=4,
        interval_value=3,
        interval_unit="weeks",
        reason="Slower healing",
    )
    rows = list(
        TreatmentSession.objects.filter(plan=plan).exclude(status="cancelled").order_by("number")
    )
    assert [r.target_date for r in rows[1:]] == [day + dt.timedelta(weeks=3 * n) for n in (1, 2, 3)]
    scheduling.appointment_book(
        session=rows[1],
        by=cast.frontdesk,
        starts_at=at(rows[1].target_date, 9),
        clinician=cast.physician,
        room=world.room1,
    )
    with pytest.raises(ValidationError, match="at least"):
        services.plan_change_modality(
            plan=plan,
            by=cast.physician,
            modality=Modality.MICRONEEDLING_PRP,
            sessions=1,
            interval_value=3,
            interval_unit="weeks",
            reason="x",
        )


def test_the_estimate_is_sessions_times_the_price_in_force(cast: Cast) -> None:
    clinic_a(cast)
    ready_for_prp(cast)
    plan = accepted_plan(cast)
    estimate = plan_estimate(plan=plan)
    assert estimate.total == Decimal("54000") and estimate.has_demo  # 3 x PKR 18,000
    page = plan_page(user=cast.physician, plan_id=plan.pk)
    assert page.accepted_lines[-1].startswith("Total PKR 54,000")
