"""The cell lab's world for tests: the named cast plus a second lab technician (Saima, who
releases what Bilal-the-technician made), the clinic's FIN, storage, consents and a signed
assessment for Amina, and helpers that take a unit from harvest to release.

Built with the services, as the lab would; nothing here writes rows behind their back except
the signed assessment (the assessment services are tested elsewhere)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Role
from scarclinic.assessments.models import AssessmentStatus, RegionFinding, ScarAssessment
from scarclinic.biologics import selectors, services
from scarclinic.biologics.models import Collection, ProductUnit, StorageLocation
from scarclinic.clinical.qc import Acceptance, ProductType
from scarclinic.patients.models import ConsentTemplateVersion, Patient, SignedConsent
from scarclinic.patients.services import consent_sign
from scarclinic.web.demo import signature_png
from tests.cast import PASSWORD, Cast
from tests.factories import ConsentTemplateFactory, ConsentTemplateVersionFactory

FIN = "T9999"  # a made-up facility number for tests
DRAWN = signature_png(random.Random(3))


@dataclass
class LabWorld:
    cast: Cast
    lab2: User  # a second lab technician at clinic A
    freezer: StorageLocation  # LN2 vapour
    fridge: StorageLocation
    cell_consent: ConsentTemplateVersion  # cell therapy wording in use at clinic A
    zara_freezer: StorageLocation  # at clinic B

    @property
    def lab(self) -> User:
        return self.cast.lab

    @property
    def clinic(self) -> Any:
        return self.cast.clinic_a


def signed_assessment(patient: Patient, by: User, *, grade: int = 3) -> ScarAssessment:
    """A signed assessment with moderate mixed scars (what the candidacy rules read)."""
    assessment = ScarAssessment.objects.create(
        patient=patient,
        visit_date=timezone.localdate(),
        assessed_by=by,
        status=AssessmentStatus.SIGNED,
        qualitative_grade=grade,
        signed_at=timezone.now(),
        signed_by=by,
    )
    RegionFinding.objects.bulk_create(
        [
            RegionFinding(
                assessment=assessment, region="cheek_left", morphology="rolling", count=6
            ),
            RegionFinding(
                assessment=assessment, region="cheek_right", morphology="boxcar_shallow", count=4
            ),
        ]
    )
    return assessment


def sign(patient: Patient, version: ConsentTemplateVersion, by: User) -> SignedConsent:
    return consent_sign(
        patient=patient,
        template_version=version,
        by=by,
        signer_name=patient.full_name,
        method="drawn",
        signature_png=DRAWN,
    )


def build_lab_world(cast: Cast) -> LabWorld:
    lab2 = User.objects.create_user(
        username="lab2", password=PASSWORD, first_name="Saima", last_name="Lab"
    )
    Membership.objects.create(user=lab2, clinic=cast.clinic_a, role=Role.LAB)
    services.settings_update(
        clinic=cast.clinic_a, by=cast.director, facility_identification_number=FIN, fin_is_demo=True
    )
    freezer = services.storage_location_create(
        clinic=cast.clinic_a, by=cast.lab, name="LN2 tank 1", storage_condition="ln2_vapour"
    )
    fridge = services.storage_location_create(
        clinic=cast.clinic_a, by=cast.lab, name="Fridge 2", storage_condition="refrigerated"
    )
    cell = ConsentTemplateVersionFactory(
        template=ConsentTemplateFactory(
            clinic=cast.clinic_a, procedure_type="cell_therapy", title="Consent to cell therapy"
        ),
        body="Your own cells, or donor cells, will be injected. Investigational.",
    )
    sign(cast.amina, cell, cast.nurse)
    sign(cast.amina, cast.prp_consent, cast.nurse)
    signed_assessment(cast.amina, cast.physician)
    cast.amina.refresh_from_db()
    # Clinic B has its own lab set-up and an outsider-visible unit.
    lab_b = User.objects.create_user(username="lab.b", password=PASSWORD)
    Membership.objects.create(user=lab_b, clinic=cast.clinic_b, role=Role.LAB)
    director_b = User.objects.create_user(username="director.b", password=PASSWORD)
    Membership.objects.create(user=director_b, clinic=cast.clinic_b, role=Role.DIRECTOR)
    services.settings_update(
        clinic=cast.clinic_b,
        by=director_b,
        facility_identification_number="T9998",
        fin_is_demo=True,
    )
    zara_freezer = services.storage_location_create(
        clinic=cast.clinic_b, by=lab_b, name="B tank", storage_condition="ln2_vapour"
    )
    return LabWorld(cast, lab2, freezer, fridge, cell, zara_freezer)


def hours_from_now(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def harvest(world: LabWorld, patient: Patient | None = None, **changes: Any) -> Collection:
    data: dict[str, Any] = {
        "clinic": world.clinic,
        "by": world.lab,
        "patient": patient or world.cast.amina,
        "collected_at": timezone.now() - dt.timedelta(hours=2),
        "harvest_site": "Abdomen",
        "volume_ml": "120",
        "performed_by": world.cast.physician,
    }
    return services.harvest_record(**(data | changes))


def donor_receipt(world: LabWorld, **changes: Any) -> Collection:
    data: dict[str, Any] = {
        "clinic": world.clinic,
        "by": world.lab,
        "donor_identifier": "D-1001",
        "supplier": "CordBank Test Supplier",
        "eligibility": "eligible",
        "screening_results": [
            {"test": "HIV-1/2 antibody", "result": "non-reactive"},
            {"test": "HBsAg", "result": "non-reactive"},
        ],
        "screening_date": timezone.localdate() - dt.timedelta(days=30),
        "material": "cord_tissue",
        "supplier_lot": "LOT-A1",
        "received_at": timezone.now() - dt.timedelta(hours=1),
        "shipping_temperature_c": "-160",
        "time_out_of_storage_minutes": 4,
    }
    return services.donor_receipt_record(**(data | changes))


def blood_draw(world: LabWorld, patient: Patient | None = None) -> Collection:
    return services.blood_draw_record(
        clinic=world.clinic,
        by=world.lab,
        patient=patient or world.cast.amina,
        collected_at=timezone.now() - dt.timedelta(minutes=20),
        volume_ml="30",
        preparation_method="Double-spin, 10 min at 1500 g then 10 min at 3000 g",
    )


def svf_unit(world: LabWorld, collection: Collection | None = None, **changes: Any) -> ProductUnit:
    """A fresh SVF syringe (refrigerated, same-surgery exception, minimal manipulation)."""
    data: dict[str, Any] = {
        "collection": collection or harvest(world),
        "by": world.lab,
        "product_type": "svf",
        "volume_ml": "4",
        "cell_count_million": "25",
        "dose_body_weight_kg": "60",
        "storage_condition": "refrigerated",
        "expires_at": hours_from_now(24),
        "regulatory_class": "same_surgical_procedure",
        "manipulation": "minimal",
    }
    return services.product_create(**(data | changes))


def cord_unit(world: LabWorld, collection: Collection | None = None, **changes: Any) -> ProductUnit:
    """A frozen cord MSC vial, investigational under an IND."""
    data: dict[str, Any] = {
        "collection": collection or donor_receipt(world),
        "by": world.lab,
        "product_type": "cord_msc",
        "volume_ml": "2",
        "cell_count_million": "20",
        "dose_body_weight_kg": "60",
        "storage_condition": "ln2_vapour",
        "stability_after_thaw_hours": 4,
        "expires_at": timezone.now() + dt.timedelta(days=300),
        "regulatory_class": "351_ind",
        "ind_number": "IND 000000 (test)",
        "irb_approval": "Test IRB 2026-01",
        "manipulation": "culture_expanded",
        "culture_passage": 3,
    }
    return services.product_create(**(data | changes))


PASSING_TEXT = {Acceptance.NEGATIVE: "Negative", Acceptance.NO_GROWTH: "No growth"}


def passing_value(test: Any) -> tuple[Decimal | None, str, str]:
    """(value, text, unit) that passes a test of a specification."""
    if test.acceptance in PASSING_TEXT:
        return None, PASSING_TEXT[test.acceptance], ""
    if test.acceptance is Acceptance.EQUALS:
        return None, test.expected, ""
    if test.code == "endotoxin":
        return Decimal("0.5"), "", "EU/mL"
    low, high = test.minimum, test.maximum
    if test.acceptance is Acceptance.MAX:
        return Decimal(0), "", test.unit
    if low is not None and high is not None:
        return (low + high) / 2, "", test.unit
    if low is not None:
        return low + 1, "", test.unit
    return Decimal(10), "", test.unit


def pass_qc(world: LabWorld, product: ProductUnit, *, skip: tuple[str, ...] = ()) -> None:
    """Enter a passing result for every required test (but those skipped)."""
    spec = selectors.qc_spec_in_force(
        clinic_id=product.clinic_id, product_type=product.product_type
    )
    for test in spec.spec.tests:
        if not test.required or test.code in skip:
            continue
        value, text, unit = passing_value(test)
        services.qc_result_record(
            product=product, by=world.lab, test_code=test.code, value=value, text=text, unit=unit
        )


def release(world: LabWorld, product: ProductUnit, by: User | None = None) -> ProductUnit:
    return services.product_release(
        product=product, by=by or world.lab2, password=PASSWORD, meaning="approval"
    )


def released_svf(world: LabWorld, **changes: Any) -> ProductUnit:
    unit = svf_unit(world, **changes)
    pass_qc(world, unit)
    return release(world, unit)


def released_cord(world: LabWorld, **changes: Any) -> ProductUnit:
    unit = cord_unit(world, **changes)
    pass_qc(world, unit)
    return release(world, unit)


def product_types() -> list[str]:
    return [t.value for t in ProductType]
