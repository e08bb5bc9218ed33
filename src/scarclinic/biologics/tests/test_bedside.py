"""The bedside check and the administration record: every forbidden administration is refused
with its reason and the refused attempt is kept; the database refuses the same rows when the
service is bypassed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from scarclinic.audit.models import AuditEntry
from scarclinic.biologics import services
from scarclinic.biologics.models import (
    BedsideCheck,
    ProductAdministration,
    ProductStatus,
    ProductUnit,
)
from scarclinic.biologics.tests.stories import (
    LabWorld,
    blood_draw,
    harvest,
    pass_qc,
    release,
    released_cord,
    released_svf,
    signed_assessment,
    svf_unit,
)
from scarclinic.patients.models import SignedConsent
from scarclinic.patients.services import consent_withdraw, history_record
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def administer(world: LabWorld, unit: ProductUnit, mrn: str = "A-0001", **changes: Any) -> Any:
    data: dict[str, Any] = {
        "clinic": world.clinic,
        "by": world.cast.nurse,
        "din_text": unit.din_eye_readable,
        "patient_identifier": mrn,
        "modality": None,
        "route": "Intradermal injection",
        "volume_ml": "2",
        "sites": "Left cheek",
    }
    return services.administration_record(**(data | changes))


def refused(world: LabWorld, unit: ProductUnit, mrn: str = "A-0001", **changes: Any) -> set[str]:
    """The codes of the refusal; asserts that nothing was administered and the check kept."""
    before = BedsideCheck.objects.filter(outcome="refused").count()
    given = ProductAdministration.objects.count()
    with pytest.raises(services.BedsideRefused) as caught:
        administer(world, unit, mrn, **changes)
    assert ProductAdministration.objects.count() == given
    assert BedsideCheck.objects.filter(outcome="refused").count() == before + 1
    check = caught.value.result.check
    assert check.outcome == "refused" and check.for_administration
    return {r["code"] for r in check.reasons}


def test_the_right_unit_for_the_right_patient_is_administered_once(world: LabWorld) -> None:
    unit = released_svf(world)
    administration = administer(world, unit)
    unit.refresh_from_db()
    assert unit.status == ProductStatus.ADMINISTERED
    assert (administration.patient, administration.consent_procedure) == (
        world.cast.amina,
        "cell_therapy",
    )
    assert administration.bedside_check.outcome == "passed"
    assert AuditEntry.objects.filter(
        object_type="biologics.productadministration", patient_id=world.cast.amina.pk
    ).exists()
    # A unit is given once: the second attempt is refused and recorded.
    assert refused(world, unit) == {"administered"}


def test_a_unit_in_quarantine_is_refused(world: LabWorld) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    assert refused(world, unit) == {"quarantine"}


def test_an_expired_unit_is_refused(world: LabWorld) -> None:
    unit = released_svf(world)
    ProductUnit.objects.filter(pk=unit.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert refused(world, unit) == {"expired"}


def test_a_recalled_unit_is_refused(world: LabWorld) -> None:
    unit = released_svf(world)
    services.recall_initiate(
        clinic=world.clinic, by=world.cast.director, reason="Supplier notice", product=unit
    )
    assert refused(world, unit) == {"recalled"}


def test_a_frozen_unit_not_thawed_and_one_thawed_too_long_ago_are_refused(
    world: LabWorld,
) -> None:
    unit = released_cord(world)
    assert refused(world, unit) == {"not_thawed"}
    services.product_thaw(product=unit, by=world.lab)
    ProductUnit.objects.filter(pk=unit.pk).update(
        thawed_at=timezone.now() - dt.timedelta(hours=4, minutes=1)
    )
    assert refused(world, unit) == {"thaw_stability"}


def test_another_patients_autologous_cells_are_refused(world: LabWorld) -> None:
    carol = eligible_patient(world)
    unit = released_svf(world)  # Amina's
    assert refused(world, unit, carol.mrn) == {"other_patient"}


def test_a_donor_unit_issued_for_one_patient_is_refused_for_another(world: LabWorld) -> None:
    carol = eligible_patient(world)
    unit = released_cord(world)
    services.product_thaw(product=unit, by=world.lab)
    services.product_issue(product=unit, by=world.lab, patient=world.cast.amina)
    assert refused(world, unit, carol.mrn) == {"other_patient"}
    assert administer(world, unit).patient == world.cast.amina


def test_without_a_consent_in_force_the_administration_is_refused(world: LabWorld) -> None:
    unit = released_svf(world)
    consent = SignedConsent.objects.get(patient=world.cast.amina, procedure_type="cell_therapy")
    consent_withdraw(consent=consent, by=world.cast.nurse, reason="Patient's wish")
    with pytest.raises(services.BedsideRefused) as caught:
        administer(world, unit)
    assert "withdrawn on" in caught.value.message_dict["consent"][0]
    # The PRP consent does not stand in for the cell therapy one.
    assert SignedConsent.objects.filter(patient=world.cast.amina, procedure_type="prp").exists()


def test_a_patient_for_whom_cell_therapy_is_deferred_is_refused(world: LabWorld) -> None:
    unit = released_svf(world)
    history_record(patient=world.cast.amina, by=world.cast.nurse, pregnant_or_breastfeeding=True)
    with pytest.raises(services.BedsideRefused) as caught:
        administer(world, unit)
    assert {r["code"] for r in caught.value.result.check.reasons} == {"defer"}
    assert "deferred" in caught.value.message_dict["candidacy"][0]


def test_prp_is_refused_when_the_platelets_contraindicate_it(world: LabWorld) -> None:
    from scarclinic.treatments.services import labs_record

    unit = prp_unit(world)
    labs_record(
        patient=world.cast.amina,
        by=world.cast.nurse,
        platelet_count_10e9_per_l="80",
        haemoglobin_g_dl="12",
        measured_on=timezone.localdate(),
    )
    codes = refused(world, unit, modality=None)
    assert codes == {"contraindicated"}


def test_a_patient_without_history_or_signed_assessment_cannot_be_checked(
    world: LabWorld,
) -> None:
    bilal = world.cast.bilal
    from scarclinic.biologics.tests.stories import sign

    sign(bilal, world.cell_consent, world.cast.nurse)
    unit = released_svf(world, collection=harvest(world, bilal))
    assert refused(world, unit, bilal.mrn) == {"no_history", "no_assessment"}


def test_a_mistyped_din_and_an_unknown_mrn_are_refused_and_kept(world: LabWorld) -> None:
    unit = released_svf(world)
    wrong_check = unit.din_eye_readable[:-1] + ("A" if unit.check_character != "A" else "B")
    assert refused(world, unit, din_text=wrong_check) == {"invalid_din"}
    assert refused(world, unit, "NO-SUCH-MRN") == {"patient_not_found"}
    kept = BedsideCheck.objects.filter(din_entered=wrong_check).get()
    assert kept.product is None and kept.patient == world.cast.amina


def test_another_clinics_unit_is_not_found(world: LabWorld) -> None:
    unit = released_svf(world)
    with pytest.raises(services.BedsideRefused) as caught:
        services.administration_record(
            clinic=world.cast.clinic_b,
            by=world.cast.outsider,
            din_text=unit.din,
            patient_identifier="B-0001",
            modality=None,
            route="Intradermal injection",
            volume_ml="1",
        )
    assert "not_found" in {r.code for r in caught.value.result.refusals}


def test_bad_input_is_refused_before_any_check_and_nothing_is_recorded(world: LabWorld) -> None:
    unit = released_svf(world)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        administer(world, unit, volume_ml="-1", route="")
    assert set(caught.value.message_dict) == {"volume_ml", "route"}
    assert not BedsideCheck.objects.exists()
    assert refused(world, unit, volume_ml="9") == {"volume"}


def test_a_bedside_check_alone_records_a_pass_with_the_cautions(world: LabWorld) -> None:
    unit = released_svf(world)
    result = services.bedside_check(
        clinic=world.clinic, by=world.cast.nurse, din_text=unit.din, patient_identifier="A-0001"
    )
    assert (
        result.passed and result.check.outcome == "passed" and not result.check.for_administration
    )
    assert not ProductAdministration.objects.exists()


def test_an_exceptionally_released_unit_is_flagged_at_the_bedside_and_on_the_record(
    world: LabWorld,
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit, skip=("sterility",))
    services.product_release(
        product=unit,
        by=world.cast.director,
        password="correct horse battery",
        meaning="responsibility",
        justification="Same-day autologous use; sterility culture pending, gram stain negative.",
    )
    result = services.bedside_check(
        clinic=world.clinic, by=world.cast.nurse, din_text=unit.din, patient_identifier="A-0001"
    )
    assert result.passed and any("EXCEPTIONAL RELEASE" in c for c in result.cautions)
    assert administer(world, unit).exceptional_release


# ------------------------------------------------------------------------------------------
# The database refuses what the service refuses


def eligible_patient(world: LabWorld) -> Any:
    from scarclinic.biologics.tests.stories import sign

    carol = PatientFactory(clinic=world.clinic, mrn="A-0003", given_name="Carol")
    history_record(patient=carol, by=world.cast.nurse, fitzpatrick=3)
    signed_assessment(carol, world.cast.physician)
    sign(carol, world.cell_consent, world.cast.nurse)
    sign(carol, world.cast.prp_consent, world.cast.nurse)
    carol.refresh_from_db()
    return carol


def prp_unit(world: LabWorld) -> ProductUnit:
    draw = blood_draw(world)
    limit = services.prp_expiry_limit(draw.collected_at, None)
    unit = services.product_create(
        collection=draw,
        by=world.lab,
        product_type="prp",
        volume_ml="4",
        storage_condition="room",
        expires_at=min(timezone.now() + dt.timedelta(hours=2), limit),
        regulatory_class="not_hctp",
        manipulation="minimal",
    )
    return release(world, unit)


def _passing_check(world: LabWorld, unit: ProductUnit, patient: Any) -> BedsideCheck:
    return BedsideCheck.objects.create(
        clinic=world.clinic,
        product=unit,
        din_entered=unit.din,
        patient=patient,
        patient_identifier_entered=patient.mrn,
        outcome="passed",
        checked_by=world.cast.nurse,
        checked_at=timezone.now(),
    )


def _raw_administration(
    world: LabWorld, unit: ProductUnit, patient: Any = None, **changes: Any
) -> None:
    patient = patient or world.cast.amina
    with transaction.atomic():
        ProductAdministration.objects.create(
            **(
                {
                    "product": unit,
                    "patient": patient,
                    "bedside_check": _passing_check(world, unit, patient),
                    "modality": "stem_cell_svf_injection",
                    "route": "Intradermal injection",
                    "volume_ml": Decimal(1),
                    "consent_procedure": "cell_therapy",
                    "administered_by": world.cast.nurse,
                    "administered_at": timezone.now(),
                }
                | changes
            )
        )


@pytest.mark.parametrize(
    "case",
    [
        "quarantine",
        "expired",
        "recalled",
        "not_thawed",
        "thawed_too_long",
        "other_patient",
        "no_consent",
        "wrong_consent",
        "no_passing_check",
        "twice",
    ],
)
def test_the_database_refuses_an_administration_the_service_would_refuse(
    world: LabWorld, case: str
) -> None:
    if case in ("not_thawed", "thawed_too_long"):
        unit = released_cord(world)
        if case == "thawed_too_long":
            services.product_thaw(product=unit, by=world.lab)
            ProductUnit.objects.filter(pk=unit.pk).update(
                thawed_at=timezone.now() - dt.timedelta(hours=5)
            )
    elif case == "quarantine":
        unit = svf_unit(world)
    else:
        unit = released_svf(world)
    patient, changes = world.cast.amina, {}
    if case == "expired":
        ProductUnit.objects.filter(pk=unit.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif case == "recalled":
        services.recall_initiate(
            clinic=world.clinic, by=world.cast.director, reason="x", product=unit
        )
    elif case == "other_patient":
        patient = eligible_patient(world)
    elif case == "no_consent":
        SignedConsent.objects.filter(patient=patient).update(withdrawn_at=timezone.now())
    elif case == "wrong_consent":
        changes = {"consent_procedure": "prp"}
    elif case == "twice":
        administer(world, unit)
    if case == "no_passing_check":
        check = _passing_check(world, unit, patient)
        BedsideCheck.objects.filter(pk=check.pk).update(
            outcome="refused", reasons=[{"code": "x", "field": "din", "message": "x"}]
        )
        changes = {"bedside_check": check}
    with pytest.raises(IntegrityError):
        _raw_administration(world, unit, patient, **changes)
    assert ProductAdministration.objects.filter(product=unit).count() == (
        1 if case == "twice" else 0
    )


def test_the_database_keeps_the_status_machine_and_needs_a_release_signature(
    world: LabWorld,
) -> None:
    unit = svf_unit(world)
    for jump in ("released", "issued", "administered"):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProductUnit.objects.filter(pk=unit.pk).update(status=jump)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductUnit.objects.filter(pk=unit.pk).update(exceptional_release=True)
    done = released_svf(world)
    administer(world, done)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductUnit.objects.filter(pk=done.pk).update(status="released")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductAdministration.objects.filter(product=done).update(volume_ml=Decimal(3))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductUnit.objects.create(
            **{
                f.attname: getattr(done, f.attname)
                for f in ProductUnit._meta.concrete_fields
                if f.attname != "id"
            }
            | {"din": "T999926999999", "status": "released"}
        )


def test_the_trigger_knows_the_same_status_machine_as_the_models() -> None:
    import importlib

    from scarclinic.biologics.models import TRANSITIONS

    migration = importlib.import_module("scarclinic.biologics.migrations.0002_interlock_triggers")
    assert set(migration.ALLOWED) == {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
