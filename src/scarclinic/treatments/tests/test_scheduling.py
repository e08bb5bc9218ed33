"""Scheduling: no double booking of a clinician, room or device, on SQLite (checked under the
write lock) and PostgreSQL (exclusion constraints, also under concurrent requests); moving
with and without the later sessions; free slots; iCalendar."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import (
    HOLDING_STATUSES,
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    SessionStatus,
    TreatmentSession,
)
from scarclinic.treatments.selectors import scheduling as selectors
from scarclinic.treatments.services import scheduling as services
from scarclinic.treatments.tests.plan_stories import (
    accepted_plan,
    at,
    clinic_a,
    next_weekday,
    ready_for_prp,
)
from tests.cast import Cast, build_cast

pytestmark = pytest.mark.django_db


def _sessions(plan: Any) -> list[TreatmentSession]:
    return list(
        TreatmentSession.objects.filter(plan=plan)
        .select_related("plan", "plan_modality")
        .order_by("number")
    )


def test_a_clinician_room_or_device_cannot_be_booked_twice_at_once(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    first, second, _ = _sessions(accepted_plan(cast))
    day = next_weekday()
    services.appointment_book(
        session=first,
        by=cast.frontdesk,
        starts_at=at(day, 10),
        clinician=cast.physician,
        room=world.room1,
        device=world.pen,
    )
    # Same clinician 10:30 (the first ends 11:00): refused, naming who is busy and when.
    with pytest.raises(ValidationError) as error:
        services.appointment_book(
            session=second,
            by=cast.frontdesk,
            starts_at=at(day, 10, 30),
            clinician=cast.physician,
            room=world.room2,
        )
    assert error.value.message_dict["clinician"] == [f"Physician is booked {day} 10:00-11:00."]
    with pytest.raises(ValidationError) as error:
        services.appointment_book(
            session=second,
            by=cast.frontdesk,
            starts_at=at(day, 10, 30),
            clinician=cast.nurse,
            room=world.room1,
        )
    assert set(error.value.message_dict) == {"room"}
    with pytest.raises(ValidationError) as error:
        services.appointment_book(
            session=second,
            by=cast.frontdesk,
            starts_at=at(day, 10, 30),
            clinician=cast.nurse,
            room=world.room2,
            device=world.pen,
        )
    assert set(error.value.message_dict) == {"device"}
    # Back to back is not a clash.
    services.appointment_book(
        session=second,
        by=cast.frontdesk,
        starts_at=at(day, 11),
        clinician=cast.physician,
        room=world.room1,
        device=world.pen,
    )
    assert Appointment.objects.count() == 2


def test_a_laser_session_needs_a_laser(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    from scarclinic.patients.services import history_record

    history_record(patient=cast.amina, by=cast.nurse, fitzpatrick=2)
    session = _sessions(accepted_plan(cast, modality=Modality.FRACTIONAL_ABLATIVE_LASER))[0]
    with pytest.raises(ValidationError) as error:
        services.appointment_book(
            session=session,
            by=cast.frontdesk,
            starts_at=at(next_weekday(), 9),
            clinician=cast.physician,
            room=world.laser_room,
        )
    assert error.value.message_dict["device"] == [
        "Fractional ablative laser (CO2 / erbium) needs a laser."
    ]


def test_only_the_front_desk_books_and_only_sessions_of_an_accepted_plan(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    session = _sessions(accepted_plan(cast))[0]
    with pytest.raises(ValidationError):
        services.appointment_book(
            session=session,
            by=cast.nurse,
            starts_at=at(next_weekday(), 9),
            clinician=cast.physician,
            room=world.room1,
        )
    from scarclinic.treatments.services import plans

    plans.plan_set_status(plan=session.plan, by=cast.physician, status="stopped", reason="No")
    with pytest.raises(ValidationError, match="stopped"):
        services.appointment_book(
            session=session,
            by=cast.frontdesk,
            starts_at=at(next_weekday(), 9),
            clinician=cast.physician,
            room=world.room1,
        )


def _book_all(cast: Cast, world: Any, plan: Any, day: dt.date) -> list[Appointment]:
    return [
        services.appointment_book(
            session=s,
            by=cast.frontdesk,
            starts_at=at(day + dt.timedelta(weeks=2 * n), 9),
            clinician=cast.physician,
            room=world.room1,
        ).appointment
        for n, s in enumerate(_sessions(plan))
    ]


def test_moving_a_session_leaves_the_later_ones_unless_asked_and_warns_below_the_minimum(
    cast: Cast,
) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    day = next_weekday(3)
    first, second, third = _book_all(cast, world, accepted_plan(cast), day)
    # Moving the second one a week earlier: 7 days after the first, under the 2-week minimum.
    moved = services.appointment_move(
        appointment=second, by=cast.frontdesk, starts_at=second.starts_at - dt.timedelta(weeks=1)
    )
    assert moved.moved == []
    assert any("shorter than the protocol minimum of 2 weeks" in w for w in moved.warnings)
    third.refresh_from_db()
    assert timezone.localtime(third.starts_at).date() == day + dt.timedelta(weeks=4)
    # Moving the first by two days with the later ones: all move, the gaps stay.
    shifted = services.appointment_move(
        appointment=first,
        by=cast.frontdesk,
        starts_at=first.starts_at + dt.timedelta(days=2),
        shift_later=True,
        reason="Patient travelling",
    )
    assert {a.pk for a in shifted.moved} == {second.pk, third.pk}
    third.refresh_from_db()
    assert timezone.localtime(third.starts_at).date() == day + dt.timedelta(weeks=4, days=2)


def test_a_shift_that_would_clash_moves_nothing(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    day = next_weekday(3)
    first, second, third = _book_all(cast, world, accepted_plan(cast), day)
    blocker = cast.bilal
    from scarclinic.treatments.models import Appointment as A

    A.objects.create(
        clinic=cast.clinic_a,
        patient=blocker,
        modality="microneedling",
        clinician=cast.physician,
        room=world.room2,
        starts_at=third.starts_at + dt.timedelta(days=1),
        ends_at=third.ends_at + dt.timedelta(days=1),
        booked_by=cast.frontdesk,
        booked_at=timezone.now(),
    )
    with pytest.raises(ValidationError, match="Shifting"):
        services.appointment_move(
            appointment=first,
            by=cast.frontdesk,
            starts_at=first.starts_at + dt.timedelta(days=1),
            shift_later=True,
        )
    first.refresh_from_db()
    assert timezone.localtime(first.starts_at).date() == day


def test_cancelling_frees_the_time_and_the_session_is_to_book_again(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    session = _sessions(accepted_plan(cast))[0]
    start = at(next_weekday(), 9)
    booked = services.appointment_book(
        session=session,
        by=cast.frontdesk,
        starts_at=start,
        clinician=cast.physician,
        room=world.room1,
    ).appointment
    services.appointment_cancel(appointment=booked, by=cast.frontdesk, reason="Unwell")
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    again = services.appointment_book(
        session=session,
        by=cast.frontdesk,
        starts_at=start,
        clinician=cast.physician,
        room=world.room1,
    )
    assert again.appointment.status == AppointmentStatus.BOOKED


def test_free_slots_skip_busy_times_and_sunday(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    sunday = timezone.localdate() + dt.timedelta(days=(6 - timezone.localdate().weekday()) or 7)
    monday = sunday + dt.timedelta(days=1)
    # Both clinicians busy 09:00-10:00 on Monday.
    for room in (world.room1, world.room2):
        Appointment.objects.create(
            clinic=cast.clinic_a,
            patient=cast.bilal,
            modality="microneedling",
            clinician=cast.physician if room == world.room1 else cast.nurse,
            room=room,
            starts_at=at(monday, 9),
            ends_at=at(monday, 10),
            booked_by=cast.frontdesk,
            booked_at=timezone.now(),
        )
    slots = selectors.free_slots(
        clinic_id=cast.clinic_a.pk,
        modality=Modality.MICRONEEDLING_PRP,
        on_or_after=sunday,
        limit=2,
    )
    assert [s.local_start for s in slots][0] == at(monday, 10)
    assert all(s.local_start.weekday() != 6 for s in slots)


# ------------------------------------------------------------------------------------------
# No overlap survives any sequence of book, move and cancel


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["book", "move", "cancel"]),
            st.integers(0, 5),  # which session / appointment
            st.integers(0, 15),  # start, in half hours from 09:00
            st.integers(0, 2),  # clinician / room choice
            st.booleans(),  # shift later
        ),
        min_size=1,
        max_size=14,
    )
)
def test_no_overlapping_bookings_survive_any_sequence_of_book_move_and_cancel(
    steps: list[tuple[str, int, int, int, bool]],
) -> None:
    with transaction.atomic():
        cast = build_cast()
        world = clinic_a(cast)
        ready_for_prp(cast)
        plan = accepted_plan(cast, sessions=4)
        other = Patient.objects.get(pk=cast.bilal.pk)
        other_sessions = []
        from scarclinic.treatments.tests.stories import signed_assessment

        signed_assessment(other, cast.physician)
        from scarclinic.patients.services import history_record

        history_record(patient=other, by=cast.nurse, fitzpatrick=3)
        from scarclinic.treatments.services import plans

        p2 = plans.plan_create(
            patient=Patient.objects.get(pk=other.pk),
            by=cast.physician,
            goal="x",
            start_date=timezone.localdate(),
            modalities=[plans.ModalityChoice(Modality.MICRONEEDLING, sessions=2)],
        )
        plans.plan_set_status(plan=p2, by=cast.physician, status="accepted")
        other_sessions = _sessions(p2)
        sessions = _sessions(plan) + other_sessions
        staff = [cast.physician, cast.nurse, cast.physician]
        rooms = [world.room1, world.room2, world.room1]
        day = next_weekday(2)
        for action, which, half_hours, pick, shift in steps:
            start = at(day, 9) + dt.timedelta(minutes=30 * half_hours)
            try:
                with transaction.atomic():
                    if action == "book":
                        session = sessions[which % len(sessions)]
                        session.refresh_from_db()
                        services.appointment_book(
                            session=session,
                            by=cast.frontdesk,
                            starts_at=start,
                            clinician=staff[pick],
                            room=rooms[(pick + which) % 3],
                        )
                    else:
                        live = list(Appointment.objects.filter(status="booked").order_by("pk"))
                        if not live:
                            continue
                        target = live[which % len(live)]
                        if action == "move":
                            services.appointment_move(
                                appointment=target,
                                by=cast.frontdesk,
                                starts_at=start,
                                shift_later=shift,
                            )
                        else:
                            services.appointment_cancel(
                                appointment=target, by=cast.frontdesk, reason="Test"
                            )
            except ValidationError:
                pass
            holding = list(Appointment.objects.filter(status__in=HOLDING_STATUSES))
            for a in holding:
                for b in holding:
                    if a.pk < b.pk and a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                        assert a.clinician_id != b.clinician_id, (a.pk, b.pk)
                        assert a.room_id != b.room_id, (a.pk, b.pk)
                        assert a.device_id is None or a.device_id != b.device_id
        transaction.set_rollback(True)


# ------------------------------------------------------------------------------------------
# PostgreSQL: the database itself refuses an overlap, even from concurrent bookings


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_refuses_an_overlapping_row_written_past_the_service(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    start = at(next_weekday(), 9)
    fields: dict[str, Any] = {
        "clinic": cast.clinic_a,
        "patient": cast.amina,
        "modality": "microneedling",
        "clinician": cast.physician,
        "booked_by": cast.frontdesk,
        "booked_at": timezone.now(),
    }
    Appointment.objects.create(
        room=world.room1, starts_at=start, ends_at=start + dt.timedelta(hours=1), **fields
    )
    with pytest.raises(IntegrityError, match="no_double_booking_clinician"), transaction.atomic():
        Appointment.objects.create(
            room=world.room2,
            starts_at=start + dt.timedelta(minutes=30),
            ends_at=start + dt.timedelta(minutes=90),
            **fields,
        )
    # A cancelled appointment holds nothing.
    Appointment.objects.filter(room=world.room1).update(status="cancelled")
    Appointment.objects.create(
        room=world.room2, starts_at=start, ends_at=start + dt.timedelta(hours=1), **fields
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_concurrent_bookings_of_the_same_time_leave_exactly_one() -> None:
    cast = build_cast()
    world = clinic_a(cast)
    ready_for_prp(cast)
    plan = accepted_plan(cast, sessions=6)
    sessions = _sessions(plan)
    start = at(next_weekday(), 11)
    barrier = threading.Barrier(len(sessions))
    results: list[str] = []
    errors: list[BaseException] = []

    def book(session: TreatmentSession, room: Any) -> None:
        try:
            barrier.wait()
            services.appointment_book(
                session=session,
                by=cast.frontdesk,
                starts_at=start,
                clinician=cast.physician,
                room=room,
            )
            results.append("booked")
        except ValidationError as exc:
            results.append(" ".join(m for ms in exc.message_dict.values() for m in ms))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    rooms = [world.room1, world.room2, world.laser_room]
    threads = [
        threading.Thread(target=book, args=(s, rooms[n % 3])) for n, s in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results.count("booked") == 1
    assert Appointment.objects.filter(status="booked").count() == 1
    assert all("booked" in r or "taken" in r for r in results)


# ------------------------------------------------------------------------------------------
# iCalendar


def test_the_plan_ics_has_the_appointments_in_the_clinics_time_zone(cast: Cast, login: Any) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    plan = accepted_plan(cast)
    day = next_weekday()
    _book_all(cast, world, plan, day)
    response = login(cast.frontdesk).get(f"/treatments/plans/{plan.pk}/plan.ics")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Karachi" in text
    assert f"DTSTART;TZID=Asia/Karachi:{day:%Y%m%d}T090000" in text
    assert text.count("BEGIN:VEVENT") == 3


def test_the_clinicians_feed_shows_initials_and_mrn_and_stops_when_revoked(cast: Cast) -> None:
    world = clinic_a(cast)
    ready_for_prp(cast)
    _book_all(cast, world, accepted_plan(cast), next_weekday())
    feed, token = services.feed_create(user=cast.physician, clinic=cast.clinic_a)
    assert CalendarFeed.objects.get().token_sha256 != token  # only a digest is kept
    client = Client()  # no sign-in: the token is the key
    text = client.get(f"/treatments/feed/{token}.ics").content.decode()
    assert "Microneedling with PRP · A.Q. A-0001" in text
    assert "Amina" not in text and "Qureshi" not in text
    services.feed_revoke(user=cast.physician, clinic=cast.clinic_a)
    assert client.get(f"/treatments/feed/{token}.ics").status_code == 404
    assert client.get("/treatments/feed/not-a-token.ics").status_code == 404
