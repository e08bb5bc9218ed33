"""The benchmark's own machinery, at a tiny size: the network builder makes the counts it
promises through every database constraint and trigger, and each floor view makes exactly
the queries of its page (bench/floor.py), so ours / floor compares like with like.

No time is asserted here: speed is printed by ``python -m bench``."""

from __future__ import annotations

from typing import Any

import pytest

from scarclinic.accounts.models import Clinic
from scarclinic.assessments.models import RegionFinding, ScarAssessment
from scarclinic.biologics.models import ProductUnit
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import Appointment, ProcedureRecord
from scarclinic.web import demo
from scarclinic.web.demo_network import NetworkExists, build_network

PATIENTS = 60


@pytest.fixture
def network(db: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    # The demo's photo sets are image processing, not what this test is about.
    monkeypatch.setattr(demo, "seed_demo_photos", lambda **kwargs: 0)
    return build_network(patients=PATIENTS, seed=3)


def test_network_counts_constraints_and_floors(network: Any, settings: Any, tmp_path: Any) -> None:
    """One build (the expensive part), every check on it."""
    _the_network_has_the_promised_counts_of_every_kind()
    _bulk_products_went_through_the_status_machine_to_a_checked_administration()
    _appointments_of_a_lane_never_overlap()
    _a_second_build_into_the_same_database_is_refused()
    _every_floor_makes_the_same_queries_as_its_page(settings, tmp_path)


def _the_network_has_the_promised_counts_of_every_kind() -> None:
    assert Clinic.objects.count() == 10
    assert Patient.objects.count() == PATIENTS
    assert ScarAssessment.objects.count() == PATIENTS * 10
    assert ProcedureRecord.objects.count() == PATIENTS * 3
    assert ProductUnit.objects.count() == PATIENTS // 2
    # Every clinic has patients, and every bulk patient's record is whole.
    assert set(Patient.objects.values_list("clinic__code", flat=True)) == set(
        Clinic.objects.values_list("code", flat=True)
    )
    assert not Patient.objects.filter(current_history__isnull=True).exists()
    assert RegionFinding.objects.filter(assessment__patient__clinic__code="KHI").exists()


def _bulk_products_went_through_the_status_machine_to_a_checked_administration() -> None:
    # The bulk's DINs have sequence numbers from 500000 (the demo lab's start at 1).
    bulk = ProductUnit.objects.filter(din__regex=r"^.{7}5")
    assert bulk.exists()
    for unit in bulk.select_related("administration__bedside_check"):
        assert unit.status == "administered"
        administration = unit.administration
        assert administration.bedside_check.outcome == "passed"
        assert administration.bedside_check.patient_id == administration.patient_id
        assert unit.signatures.filter(action="release").exists()
        # The procedure record of the session names the administration it gave.
        assert administration.procedure_record.patient_id == administration.patient_id


def _appointments_of_a_lane_never_overlap() -> None:
    seen: dict[tuple[int, int], list[tuple[Any, Any]]] = {}
    for a in Appointment.objects.exclude(status="cancelled"):
        for key in ((0, a.clinician_id), (1, a.room_id)):
            for starts, ends in seen.get(key, []):
                assert a.ends_at <= starts or a.starts_at >= ends
            seen.setdefault(key, []).append((a.starts_at, a.ends_at))


def _a_second_build_into_the_same_database_is_refused() -> None:
    with pytest.raises(NetworkExists):
        build_network(patients=PATIENTS)


def _every_floor_makes_the_same_queries_as_its_page(settings: Any, tmp_path: Any) -> None:
    from bench import prepare

    settings.ROOT_URLCONF = "bench.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "bench.floor.RecordViewQueries"]
    settings.BENCH_FLOOR_DIR = str(tmp_path)
    pages = prepare.capture(str(tmp_path))
    assert {p["name"] for p in pages} >= {"search", "chart", "inventory", "lookback"}
    for page in pages:
        assert page["status"] == 200, page
        assert page["floor_status"] == 200, page
        assert page["floor_queries"] == page["queries"], page
        assert (tmp_path / f"{page['name']}.pickle").exists()


def test_a_conflict_that_began_hours_earlier_is_still_found(cast: Any) -> None:
    """The scheduling queries got a lower bound on starts_at (for the index; bench/ found
    them reading every past appointment): a booking overlapping the end of the longest
    appointment there can be (720 minutes) is still refused as a clash."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from scarclinic.treatments.models import Room
    from scarclinic.treatments.selectors.scheduling import busy, conflicts

    day = timezone.localdate() + timedelta(days=7)
    evening = datetime.combine(day, time(20, 0), tzinfo=timezone.get_current_timezone())
    room = Room.objects.create(clinic=cast.clinic_a, name="Room 1")
    long_one = Appointment.objects.create(
        clinic=cast.clinic_a,
        patient=cast.amina,
        modality="microneedling",
        clinician=cast.physician,
        room=room,
        starts_at=evening,
        ends_at=evening + timedelta(minutes=720),
        booked_by=cast.frontdesk,
        booked_at=evening - timedelta(days=30),
    )
    starts = evening + timedelta(hours=11, minutes=30)
    ends = starts + timedelta(minutes=30)
    found = conflicts(
        clinic_id=cast.clinic_a.pk,
        starts=starts,
        ends=ends,
        clinician_id=cast.nurse.pk,
        room_id=room.pk,
        device_id=None,
    )
    assert found["room"] == long_one
    assert busy(clinic_id=cast.clinic_a.pk, starts=starts, ends=ends) == [long_one]
    after = ends + timedelta(minutes=30)
    assert busy(clinic_id=cast.clinic_a.pk, starts=after, ends=after + timedelta(hours=1)) == []
