"""The lab's writes: receipt, units and their DINs, processing, QC, release by a second person
with an electronic signature, custody. Bad input names the field and saves nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.audit.models import AuditEntry
from scarclinic.biologics import selectors, services
from scarclinic.biologics.models import (
    Collection,
    CustodyEvent,
    Donor,
    ElectronicSignature,
    ProductCode,
    ProductStatus,
    ProductUnit,
    QcSpecification,
    ReagentUse,
)
from scarclinic.biologics.tests.stories import (
    FIN,
    LabWorld,
    blood_draw,
    cord_unit,
    donor_receipt,
    harvest,
    pass_qc,
    release,
    released_cord,
    released_svf,
    svf_unit,
)
from scarclinic.clinical.isbt128 import check_character, parse_din
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


def errors_of(call: Any, **kwargs: Any) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return set(caught.value.message_dict)


# ------------------------------------------------------------------------------------------
# Receipt and units


def test_units_get_consecutive_dins_of_the_clinics_fin_with_their_check_character(
    world: LabWorld,
) -> None:
    first, second = svf_unit(world), svf_unit(world)
    year = timezone.localdate().year % 100
    assert first.din == f"{FIN}{year:02d}000001" and second.din == f"{FIN}{year:02d}000002"
    assert first.check_character == check_character(first.din)
    assert parse_din(first.din_eye_readable).din == first.din
    assert first.status == ProductStatus.QUARANTINE and first.intended_recipient == world.cast.amina
    assert CustodyEvent.objects.filter(product=first, kind="received").exists()


def test_no_unit_can_be_made_before_the_fin_is_set(world: LabWorld) -> None:
    from scarclinic.biologics.models import BiologicsSettings

    BiologicsSettings.objects.filter(clinic=world.clinic).delete()
    assert errors_of(svf_unit, world=world) == {"facility_identification_number"}
    assert not ProductUnit.objects.exists()


def test_the_fin_cannot_change_once_dins_were_made_with_it(world: LabWorld) -> None:
    svf_unit(world)
    assert errors_of(
        services.settings_update,
        clinic=world.clinic,
        by=world.cast.director,
        facility_identification_number="A1234",
    ) == {"facility_identification_number"}


def test_a_harvest_with_bad_input_names_every_field_and_saves_nothing(world: LabWorld) -> None:
    assert errors_of(
        services.harvest_record,
        clinic=world.clinic,
        by=world.lab,
        patient=world.cast.zara,
        collected_at=timezone.now() + dt.timedelta(days=1),
        harvest_site="",
        volume_ml="-3",
    ) == {"patient", "collected_at", "harvest_site", "volume_ml"}
    assert not Collection.objects.exists()


def test_a_harvest_refuses_control_characters(world: LabWorld) -> None:
    assert errors_of(harvest, world=world, harvest_site="Abdo\x00men") == {"harvest_site"}


def test_donor_material_records_the_donor_lot_and_shipping_conditions(world: LabWorld) -> None:
    receipt = donor_receipt(world)
    donor = receipt.donor
    assert donor is not None and donor.eligibility == "eligible"
    assert (receipt.supplier_lot, receipt.shipping_temperature_c) == ("LOT-A1", Decimal("-160.0"))
    # The same donor again: reused, and a different eligibility is refused.
    again = donor_receipt(world, supplier_lot="LOT-A2")
    assert again.donor == donor and Donor.objects.count() == 1
    assert errors_of(donor_receipt, world=world, eligibility="ineligible") == {"eligibility"}


def test_an_eligible_donor_needs_screening_results_and_date(world: LabWorld) -> None:
    assert errors_of(
        donor_receipt,
        world=world,
        donor_identifier="D-9",
        screening_results=[],
        screening_date=None,
    ) == {"screening_results", "screening_date"}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"product_type": "prp"}, {"product_type"}),
        ({"volume_ml": "0"}, {"volume_ml"}),
        ({"expires_at": timezone.now() - dt.timedelta(hours=1)}, {"expires_at"}),
        ({"storage_condition": "ln2_vapour"}, {"stability_after_thaw_hours"}),
        ({"regulatory_class": "361", "manipulation": "enzymatic"}, {"regulatory_class"}),
        ({"regulatory_class": "351_ind"}, {"ind_number", "irb_approval"}),
        (
            {
                "manipulation": "culture_expanded",
                "regulatory_class": "351_ind",
                "ind_number": "IND 1",
                "irb_approval": "IRB",
            },
            {"culture_passage", "regulatory_class"},
        ),
        ({"flags": "0"}, {"flags"}),
    ],
)
def test_a_unit_with_impossible_facts_is_refused(
    world: LabWorld, changes: dict[str, Any], fields: set[str]
) -> None:
    collection = harvest(world)
    if changes.get("manipulation") == "culture_expanded":
        # same_surgical_procedure default + culture expansion: both the class and the passage.
        changes = changes | {"regulatory_class": "same_surgical_procedure"}
    assert errors_of(svf_unit, world=world, collection=collection, **changes) == fields
    assert not ProductUnit.objects.exists()


def test_the_same_surgery_exception_is_for_the_patients_own_minimally_manipulated_cells(
    world: LabWorld,
) -> None:
    assert errors_of(
        cord_unit, world=world, regulatory_class="same_surgical_procedure", manipulation="minimal"
    ) == {"regulatory_class"}


def test_prp_is_same_day_only(world: LabWorld) -> None:
    draw = blood_draw(world)
    fields = errors_of(
        services.product_create,
        collection=draw,
        by=world.lab,
        product_type="prp",
        volume_ml="4",
        storage_condition="room",
        expires_at=draw.collected_at + dt.timedelta(days=1, hours=1),
        regulatory_class="not_hctp",
        manipulation="minimal",
    )
    assert fields == {"expires_at"}


def test_a_product_code_must_be_the_clinics_and_for_the_type(world: LabWorld) -> None:
    services.product_codes_load(
        clinic=world.clinic,
        by=world.cast.director,
        csv_text="code,description,product_type\nS9903,LOCAL TEST cord,cord_msc\n",
        licence_note="",
        local_test_codes=True,
    )
    code = ProductCode.objects.get(code="S9903")
    assert errors_of(svf_unit, world=world, product_code=code) == {"product_code"}


def test_product_codes_load_from_csv_and_keep_their_meaning(world: LabWorld) -> None:
    load = services.product_codes_load
    new = load(
        clinic=world.clinic,
        by=world.cast.director,
        csv_text="code,description,product_type\nS1001,Licensed SVF,svf\nS1002,Licensed PRP,prp\n",
        licence_note="ICCBBA table v7.x (clinic licence)",
    )
    assert [c.code for c in new] == ["S1001", "S1002"] and not new[0].is_local_test_code
    # Loading the same again adds nothing; a changed meaning refuses the whole file.
    assert (
        load(
            clinic=world.clinic,
            by=world.cast.director,
            csv_text="code,description\nS1001,Licensed SVF\n",
            licence_note="v7",
        )
        == []
    )
    assert errors_of(
        load,
        clinic=world.clinic,
        by=world.cast.director,
        csv_text="code,description\nS1003,New\nS1001,Something else\n",
        licence_note="v8",
    ) == {"csv"}
    assert not ProductCode.objects.filter(code="S1003").exists()
    assert errors_of(
        load,
        clinic=world.clinic,
        by=world.cast.director,
        csv_text="code,description\nX1,Bad\n",
        licence_note="v8",
    ) == {"csv"}
    assert errors_of(
        load,
        clinic=world.clinic,
        by=world.cast.lab,
        csv_text="code,description\nS1004,x\n",
        licence_note="v8",
    ) == {"clinic"}


# ------------------------------------------------------------------------------------------
# Processing and QC


def test_processing_steps_keep_equipment_and_reagent_lots(world: LabWorld) -> None:
    unit = svf_unit(world)
    services.processing_step_record(
        product=unit,
        by=world.lab,
        step="enzymatic_digestion",
        equipment="BSC-2",
        reagents=[("Collagenase NB6", "L2291")],
    )
    assert ReagentUse.objects.get(product=unit).lot == "L2291"
    assert errors_of(
        services.processing_step_record,
        product=unit,
        by=world.lab,
        step="washing",
        reagents=[("Saline", "")],
    ) == {"reagents"}


def test_a_qc_result_needs_its_unit_and_a_value_of_the_right_kind(world: LabWorld) -> None:
    unit = svf_unit(world)
    record = services.qc_result_record
    assert errors_of(record, product=unit, by=world.lab, test_code="viability", value="90") == {
        "unit"
    }
    assert errors_of(record, product=unit, by=world.lab, test_code="sterility", value="1") == {
        "value",
        "text",
    }
    assert errors_of(record, product=unit, by=world.lab, test_code="nonsense", value="1") == {
        "test_code"
    }
    assert errors_of(
        record, product=unit, by=world.cast.nurse, test_code="viability", value="90", unit="%"
    ) == {"clinic"}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(viability=st.decimals(min_value=0, max_value=100, places=1))
def test_release_follows_the_viability_limit_of_the_specification(
    world: LabWorld, viability: Decimal
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit, skip=("viability",))
    services.qc_result_record(
        product=unit, by=world.lab, test_code="viability", value=viability, unit="%"
    )
    evaluation, _ = selectors.product_evaluation(unit)
    assert evaluation.releasable == (viability >= 70)


def test_a_failing_required_result_after_release_puts_the_unit_back_in_quarantine(
    world: LabWorld,
) -> None:
    unit = released_svf(world)
    services.qc_result_record(product=unit, by=world.lab, test_code="sterility", text="Growth")
    unit.refresh_from_db()
    assert unit.status == ProductStatus.QUARANTINE
    assert [i.stage for i in selectors.lab_queue(clinic_id=world.clinic.pk)] == ["qc_failed"]


# ------------------------------------------------------------------------------------------
# Release: a second person, an electronic signature


def test_release_is_refused_while_sterility_is_pending(world: LabWorld) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit, skip=("sterility",))
    with pytest.raises(ValidationError) as caught:
        release(world, unit)
    assert "Sterility" in caught.value.message_dict["qc"][0]
    unit.refresh_from_db()
    assert unit.status == ProductStatus.QUARANTINE and not ElectronicSignature.objects.exists()


def test_the_person_who_made_the_unit_cannot_release_it(world: LabWorld) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    assert errors_of(release, world=world, product=unit, by=world.lab) == {"signer"}


def test_release_needs_the_signers_own_password_and_a_stated_meaning(world: LabWorld) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    assert errors_of(
        services.product_release, product=unit, by=world.lab2, password="wrong", meaning=""
    ) == {"password", "meaning"}


def test_a_release_is_signed_with_name_time_meaning_and_the_qc_as_it_stood(
    world: LabWorld,
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    release(world, unit)
    signature = ElectronicSignature.objects.get(product=unit)
    assert (signature.action, signature.meaning, signature.signer) == (
        "release",
        "approval",
        world.lab2,
    )
    assert signature.signer_name == "Saima Lab" and signature.signer_role == "Cell-lab technician"
    assert signature.evaluation["releasable"] and len(signature.record_sha256) == 64
    assert AuditEntry.objects.filter(action="sign", object_id=str(unit.pk)).exists()


def test_an_exceptional_release_needs_a_justification_and_the_directors_signature(
    world: LabWorld,
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit, skip=("sterility",))
    reason = "Same-day autologous use; sterility culture takes 7 days, gram stain negative."
    assert errors_of(
        services.product_release,
        product=unit,
        by=world.lab2,
        password=PASSWORD,
        meaning="responsibility",
        justification=reason,
    ) == {"director"}
    assert errors_of(
        services.product_release,
        product=unit,
        by=world.lab2,
        password=PASSWORD,
        meaning="responsibility",
        justification=reason,
        director=world.cast.director,
        director_password="wrong",
    ) == {"director_password"}
    assert errors_of(
        services.product_release,
        product=unit,
        by=world.lab2,
        password=PASSWORD,
        meaning="responsibility",
        justification=reason,
        director=world.lab,
        director_password=PASSWORD,
    ) == {"director"}
    services.product_release(
        product=unit,
        by=world.lab2,
        password=PASSWORD,
        meaning="responsibility",
        justification=reason,
        director=world.cast.director,
        director_password=PASSWORD,
    )
    unit.refresh_from_db()
    assert unit.status == ProductStatus.RELEASED and unit.exceptional_release
    actions = set(ElectronicSignature.objects.filter(product=unit).values_list("action", flat=True))
    assert actions == {"exceptional_release", "director_cosignature"}
    assert "EXCEPTIONAL RELEASE" in CustodyEvent.objects.get(product=unit, kind="released").note


def test_a_justification_is_refused_when_the_unit_meets_its_specification(
    world: LabWorld,
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    assert errors_of(
        services.product_release,
        product=unit,
        by=world.cast.director,
        password=PASSWORD,
        meaning="approval",
        justification="Not needed but written anyway, long enough.",
    ) == {"justification"}


def test_a_donor_unit_of_an_incompletely_determined_donor_is_not_released_normally(
    world: LabWorld,
) -> None:
    unit = cord_unit(world, donor_receipt(world, donor_identifier="D-7", eligibility="incomplete"))
    pass_qc(world, unit)
    with pytest.raises(ValidationError) as caught:
        release(world, unit)
    assert "Donor eligibility" in caught.value.message_dict["qc"][0]


def test_a_rejected_unit_is_signed_and_can_only_be_discarded(world: LabWorld) -> None:
    unit = svf_unit(world)
    assert errors_of(
        services.product_reject, product=unit, by=world.lab2, password="x", reason=""
    ) == {"password", "reason"}
    services.product_reject(product=unit, by=world.lab2, password=PASSWORD, reason="Clotted")
    unit.refresh_from_db()
    assert unit.status == ProductStatus.REJECTED
    assert errors_of(
        services.product_issue, product=unit, by=world.lab, patient=world.cast.amina
    ) == {"status"}
    services.product_discard(product=unit, by=world.lab, reason="Rejected")


def test_a_changed_specification_is_a_new_version_and_applies_to_the_next_evaluation(
    world: LabWorld,
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    row = services.qc_spec_change(
        clinic=world.clinic,
        by=world.cast.director,
        product_type="svf",
        changes={"cell_dose": {"minimum": "30"}},
        reason="Our protocol's minimum dose",
    )
    assert (row.number, QcSpecification.objects.count()) == (1, 1)
    assert "Viable cell dose" in row.change
    evaluation, spec = selectors.product_evaluation(unit)
    assert spec.row == row and not evaluation.releasable  # 25 x10^6 cells < 30
    assert errors_of(
        services.qc_spec_change,
        clinic=world.clinic,
        by=world.lab,
        product_type="svf",
        changes={"cell_dose": {"minimum": "1"}},
        reason="x",
    ) == {"clinic"}
    assert errors_of(
        services.qc_spec_change,
        clinic=world.clinic,
        by=world.cast.director,
        product_type="svf",
        changes={"viability": {"minimum": "abc"}},
        reason="x",
    ) == {"viability.minimum"}


# ------------------------------------------------------------------------------------------
# Custody


def test_storage_must_match_the_units_temperature_and_a_position_holds_one_unit(
    world: LabWorld,
) -> None:
    vial, other = cord_unit(world), cord_unit(world)
    assert errors_of(
        services.product_store, product=vial, by=world.lab, to_location=world.fridge
    ) == {"to_location"}
    services.product_store(
        product=vial, by=world.lab, to_location=world.freezer, rack="A", position="1"
    )
    assert errors_of(
        services.product_store,
        product=other,
        by=world.lab,
        to_location=world.freezer,
        rack="A",
        position="1",
    ) == {"position"}
    assert errors_of(
        services.product_store, product=vial, by=world.lab, to_location=world.zara_freezer
    ) == {"to_location"}
    event = CustodyEvent.objects.filter(product=vial, kind="stored").get()
    assert (event.to_location, event.to_place) == (world.freezer, "rack A position 1")


def test_a_thawed_unit_is_never_frozen_again(world: LabWorld) -> None:
    vial = released_cord(world)
    services.product_thaw(product=vial, by=world.lab)
    assert errors_of(services.product_thaw, product=vial, by=world.lab) == {"status"}
    assert errors_of(
        services.product_store, product=vial, by=world.lab, to_location=world.freezer
    ) == {"to_location"}
    services.product_store(product=vial, by=world.lab, to_location=world.fridge)


def test_a_temperature_excursion_quarantines_a_released_unit_unless_assessed(
    world: LabWorld,
) -> None:
    vial = released_cord(world)
    services.temperature_excursion_record(
        product=vial, by=world.lab, temperature_c="-120", duration_minutes=12
    )
    vial.refresh_from_db()
    assert vial.status == ProductStatus.QUARANTINE
    kept = released_cord(world)
    assert errors_of(
        services.temperature_excursion_record,
        product=kept,
        by=world.lab,
        temperature_c="-140",
        duration_minutes=2,
        quarantine=False,
    ) == {"note"}


def test_issue_and_return_of_a_donor_unit(world: LabWorld) -> None:
    vial = released_cord(world)
    assert errors_of(services.product_issue, product=vial, by=world.lab) == {"patient"}
    services.product_issue(
        product=vial, by=world.lab, patient=world.cast.amina, handed_to=world.cast.nurse
    )
    vial.refresh_from_db()
    assert (vial.status, vial.intended_recipient) == (ProductStatus.ISSUED, world.cast.amina)
    services.product_return(product=vial, by=world.lab, to_location=world.freezer)
    vial.refresh_from_db()
    assert (vial.status, vial.intended_recipient, vial.location) == (
        ProductStatus.RELEASED,
        None,
        world.freezer,
    )


def test_an_autologous_unit_is_issued_only_for_its_own_patient(world: LabWorld) -> None:
    unit = released_svf(world)
    assert errors_of(
        services.product_issue, product=unit, by=world.lab, patient=world.cast.bilal
    ) == {"patient"}
    assert errors_of(
        services.product_hand_over, product=unit, by=world.lab, to=world.cast.outsider
    ) == {"handed_to"}


def test_every_custody_event_names_who_and_reads_as_one_timeline(world: LabWorld) -> None:
    vial = cord_unit(world)
    services.processing_step_record(product=vial, by=world.lab, step="formulation")
    services.product_store(
        product=vial, by=world.lab, to_location=world.freezer, rack="B", position="4"
    )
    pass_qc(world, vial)
    release(world, vial)
    services.product_hand_over(product=vial, by=world.lab, to=world.lab2)
    services.product_thaw(product=vial, by=world.lab2)
    services.product_issue(product=vial, by=world.lab2, patient=world.cast.amina)
    services.bedside_check(
        clinic=world.clinic, by=world.cast.nurse, din_text=vial.din, patient_identifier="A-0002"
    )
    entries = selectors.timeline(vial)
    kinds = [e.kind for e in entries]
    assert kinds[0] == "received" and kinds[-1] == "bedside_check"
    assert {
        "processed",
        "stored",
        "qc_result",
        "released",
        "handed_over",
        "thawed",
        "issued",
    } <= set(kinds)
    assert all(e.by for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert entries[-1].flag == "stop" and "REFUSED" in entries[-1].title
