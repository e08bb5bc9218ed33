"""Procedure records: the checklist gates the start; structured data per modality; signed by
the performing clinician; corrections as addenda."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import SignedConsent
from scarclinic.patients.services import consent_withdraw
from scarclinic.treatments.details import DetailsInvalid, validate_details
from scarclinic.treatments.models import (
    PlanStatus,
    ProcedureStatus,
    Screening,
    SessionStatus,
    TreatmentSession,
)
from scarclinic.treatments.selectors.procedures import checklist_evaluate
from scarclinic.treatments.services import procedures as services
from scarclinic.treatments.services import scheduling
from scarclinic.treatments.tests.plan_stories import (
    accepted_plan,
    at,
    clinic_a,
    consent,
    next_weekday,
    ready_for_prp,
)
from tests.cast import Cast

pytestmark = pytest.mark.django_db

PRP_DETAILS: dict[str, Any] = {
    "device": "Pen",
    "depth_mm": "1.5",
    "passes": 3,
    "prp_volume_ml": "4",
    "prp_application": "topical",
    "anaesthesia": {"kind": "topical", "agent": "Lidocaine cream"},
    "immediate_reactions": ["erythema", "pinpoint_bleeding"],
}


def _booked_session(
    cast: Cast, modality: Modality = Modality.MICRONEEDLING_PRP
) -> TreatmentSession:
    world = clinic_a(cast)
    ready_for_prp(cast)
    plan = accepted_plan(cast, modality=modality)
    session = TreatmentSession.objects.filter(plan=plan).order_by("number").first()
    assert session is not None
    scheduling.appointment_book(
        session=session,
        by=cast.frontdesk,
        starts_at=at(next_weekday(), 10),
        clinician=cast.physician,
        room=world.room1,
    )
    session.refresh_from_db()
    return session


def test_the_checklist_passes_with_consents_screening_and_photos_of_today(cast: Cast) -> None:
    session = _booked_session(cast)
    checklist = checklist_evaluate(session=session)
    assert [(i.key, i.passed) for i in checklist.items] == [
        ("appointment", True),
        ("consent", True),
        ("candidacy", True),
        ("photos", True),
    ]
    record = services.procedure_start(session=session, by=cast.nurse, confirmed=True)
    assert record.performed_by == cast.physician and record.checklist_by == cast.nurse
    assert record.screening is not None and record.screening.modality == "microneedling_prp"
    session.plan.refresh_from_db()
    assert session.plan.status == PlanStatus.ACTIVE
    caution = next(i for i in record.checklist if i["key"] == "candidacy")
    assert "antiviral" in caution["detail"].lower() or "Precautions" in caution["detail"]


def test_a_withdrawn_consent_stops_the_procedure_and_names_what_is_missing(cast: Cast) -> None:
    session = _booked_session(cast)
    prp = SignedConsent.objects.get(patient=cast.amina, procedure_type="prp")
    consent_withdraw(consent=prp, by=cast.nurse, reason="Changed her mind")
    with pytest.raises(ValidationError) as error:
        services.procedure_start(session=session, by=cast.nurse, confirmed=True)
    assert (
        "No consent in force for: Platelet-rich plasma." in error.value.message_dict["consent"][0]
    )
    consent(cast.amina, cast.nurse, "prp")
    assert services.procedure_start(session=session, by=cast.nurse, confirmed=True)


def test_without_photos_of_today_or_the_nurses_confirmation_nothing_starts(cast: Cast) -> None:
    session = _booked_session(cast)
    from scarclinic.assessments.models import Photo, PhotoSet

    Photo.objects.all().delete()
    PhotoSet.objects.all().delete()
    with pytest.raises(ValidationError) as error:
        services.procedure_start(session=session, by=cast.nurse, confirmed=False)
    assert set(error.value.message_dict) == {"photos", "confirmed"}
    assert not Screening.objects.filter(patient=cast.amina).exists()


def test_a_cell_product_waits_for_the_bedside_check(cast: Cast) -> None:
    from scarclinic.patients.services import history_record

    world = clinic_a(cast)
    ready_for_prp(cast)
    history_record(patient=cast.amina, by=cast.nurse, fitzpatrick=4)
    consent(cast.amina, cast.nurse, "cell_therapy")
    cast.amina.refresh_from_db()
    plan = accepted_plan(cast, modality=Modality.STEM_CELL_SVF_INJECTION)
    session = TreatmentSession.objects.get(plan=plan)
    scheduling.appointment_book(
        session=session,
        by=cast.frontdesk,
        starts_at=at(next_weekday(), 9),
        clinician=cast.physician,
        room=world.room1,
    )
    checklist = checklist_evaluate(session=session)
    bedside = next(i for i in checklist.items if i.key == "bedside")
    assert not bedside.passed and "bedside check" in bedside.detail
    with pytest.raises(ValidationError) as error:
        services.procedure_start(session=session, by=cast.nurse, confirmed=True)
    assert "bedside" in error.value.message_dict


def test_only_the_nurse_completes_the_checklist(cast: Cast) -> None:
    session = _booked_session(cast)
    with pytest.raises(ValidationError):
        services.procedure_start(session=session, by=cast.frontdesk, confirmed=True)


def test_what_was_done_is_validated_per_modality_with_the_field_named(cast: Cast) -> None:
    session = _booked_session(cast)
    record = services.procedure_start(session=session, by=cast.nurse, confirmed=True)
    bad = PRP_DETAILS | {"depth_mm": "25", "immediate_reactions": ["none", "bruising"]}
    with pytest.raises(ValidationError) as error:
        services.procedure_record_details(record=record, by=cast.nurse, details=bad)
    assert set(error.value.message_dict) == {"depth_mm", "immediate_reactions"} or (
        "depth_mm" in error.value.message_dict
    )
    record = services.procedure_record_details(record=record, by=cast.nurse, details=PRP_DETAILS)
    assert record.details["depth_mm"] == "1.5" and record.details_schema == "microneedling_prp/1"


def test_injection_sites_use_the_face_map_regions() -> None:
    data = {
        "product_lot": "LOT-1",
        "needle_gauge": 30,
        "depth": "intradermal",
        "sites": [{"region": "cheek_left", "volume_ml": "0.5", "cells_per_ml": 1e6}],
        "anaesthesia": {"kind": "none"},
        "immediate_reactions": ["none"],
    }
    assert validate_details(Modality.STEM_CELL_SVF_INJECTION, data)["sites"][0]["region"] == (
        "cheek_left"
    )
    with pytest.raises(DetailsInvalid) as error:
        validate_details(
            Modality.STEM_CELL_SVF_INJECTION,
            data | {"sites": [{"region": "elbow", "volume_ml": "0"}]},
        )
    assert {"sites.0.region", "sites.0.volume_ml"} <= set(error.value.errors)
    with pytest.raises(DetailsInvalid) as error:
        validate_details(Modality.FRACTIONAL_ABLATIVE_LASER, {"laser_type": "co2"})
    assert "wavelength_nm" in error.value.errors


def test_the_performing_clinician_signs_and_corrections_are_addenda(cast: Cast) -> None:
    session = _booked_session(cast)
    record = services.procedure_start(session=session, by=cast.nurse, confirmed=True)
    with pytest.raises(ValidationError, match="before signing"):
        services.procedure_sign(record=record, by=cast.physician)
    services.procedure_record_details(record=record, by=cast.nurse, details=PRP_DETAILS)
    from tests.factories import MembershipFactory, UserFactory

    other = UserFactory(username="dr.other")
    MembershipFactory(user=other, clinic=cast.clinic_a, role="physician")
    with pytest.raises(ValidationError, match="performing clinician"):
        services.procedure_sign(record=record, by=other)
    record = services.procedure_sign(record=record, by=cast.physician)
    assert record.status == ProcedureStatus.SIGNED
    session.refresh_from_db()
    assert session.status == SessionStatus.DONE
    with pytest.raises(ValidationError, match="addendum"):
        services.procedure_record_details(record=record, by=cast.nurse, details=PRP_DETAILS)
    addendum = services.procedure_add_addendum(
        record=record,
        by=cast.physician,
        note="Depth was 1.0 mm on the forehead",
        corrected_details=PRP_DETAILS | {"depth_mm": "1.0"},
    )
    record.refresh_from_db()
    assert record.details["depth_mm"] == "1.5" and addendum.corrected_details["depth_mm"] == "1.0"
