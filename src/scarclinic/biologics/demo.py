"""Demo cell-lab data: harvests, blood draws and donor units, and product units in every
status (quarantine, released, rejected, issued, administered, discarded, recalled), with QC
results including failures, an exceptional release, a temperature excursion and a refused
bedside check. Made with the services, as the lab would make them.

Everything that would be licensed or assigned is visibly fake: the facility identification
number is DEMO1 (DEMO2, ... for further clinics) and marked as a demo FIN, and the product
description codes are local test codes (S99xx, "LOCAL TEST" in their description), not
ICCBBA's. Running it again at a clinic that has units creates nothing."""

from __future__ import annotations

import contextlib
import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.biologics import selectors, services
from scarclinic.biologics.models import (
    BiologicsSettings,
    Collection,
    ProductCode,
    ProductUnit,
    StorageLocation,
)
from scarclinic.clinical.qc import Acceptance
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    Patient,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.patients.services import consent_sign

DEMO_CODES = (
    ("S9901", "LOCAL TEST: SVF, fresh, in syringe", "svf"),
    ("S9902", "LOCAL TEST: ADSC, culture-expanded, cryopreserved", "adsc_cultured"),
    ("S9903", "LOCAL TEST: umbilical cord MSC, cryopreserved vial", "cord_msc"),
    ("S9904", "LOCAL TEST: cord blood cells, cryopreserved", "cord_blood"),
    ("S9905", "LOCAL TEST: PRP, fresh", "prp"),
)
DEMO_LOCATIONS = (
    ("LN2 tank 1", "ln2_vapour"),
    ("Freezer -80 °C A", "frozen"),
    ("Refrigerator 2-8 °C", "refrigerated"),
    ("Bench, room temperature", "room"),
)
SUPPLIER = "Demo Cord Bank (fictitious)"
DEMO_IND = "IND 000000 (demo)"
DEMO_IRB = "Demo IRB, protocol DEMO-CT-01"


@dataclass(frozen=True)
class _Bench:
    """What the demo's collections and units at one clinic share: the clinic, the lab
    technician who records them, the harvesting physician, the codes and the moment."""

    clinic: Clinic
    lab: User
    physician: User | None
    codes: dict[str, ProductCode]
    now: datetime

    def harvest(
        self, patient: Patient, *, ago: timedelta, site: str, volume_ml: Decimal
    ) -> Collection:
        return services.harvest_record(
            clinic=self.clinic,
            by=self.lab,
            patient=patient,
            collected_at=self.now - ago,
            harvest_site=site,
            volume_ml=volume_ml,
            performed_by=self.physician,
            note="Demo data",
        )

    def donor_receipt(
        self,
        *,
        donor: str,
        screening: list[dict[str, str]],
        screened_days_ago: int,
        material: str,
        lot: str,
        received_days_ago: int,
        shipping_temperature_c: str,
        minutes_out_of_storage: int,
    ) -> Collection:
        return services.donor_receipt_record(
            clinic=self.clinic,
            by=self.lab,
            donor_identifier=donor,
            supplier=SUPPLIER,
            eligibility="eligible",
            screening_results=screening,
            screening_date=timezone.localdate() - timedelta(days=screened_days_ago),
            material=material,
            supplier_lot=lot,
            received_at=self.now - timedelta(days=received_days_ago),
            shipping_temperature_c=Decimal(shipping_temperature_c),
            time_out_of_storage_minutes=minutes_out_of_storage,
            note="Demo data",
        )

    def unit(
        self, collection: Collection, product_type: str, *, expires_in: timedelta, **fields: Any
    ) -> ProductUnit:
        """A unit made by the lab technician, with the clinic's code for its product type."""
        return services.product_create(
            collection=collection,
            by=self.lab,
            product_type=product_type,
            product_code=self.codes.get(product_type),
            expires_at=self.now + expires_in,
            **fields,
        )

    def same_day_svf(
        self,
        collection: Collection,
        *,
        volume_ml: Decimal,
        cell_count_million: Decimal,
        dose_body_weight_kg: Decimal,
        expires_in: timedelta,
    ) -> ProductUnit:
        """Autologous SVF for use in the same surgical procedure."""
        return self.unit(
            collection,
            "svf",
            expires_in=expires_in,
            volume_ml=volume_ml,
            cell_count_million=cell_count_million,
            dose_body_weight_kg=dose_body_weight_kg,
            storage_condition="refrigerated",
            regulatory_class="same_surgical_procedure",
            manipulation="minimal",
        )

    def trial_unit(
        self,
        collection: Collection,
        product_type: str,
        *,
        volume_ml: Decimal,
        cell_count_million: Decimal,
        storage_condition: str,
        stability_after_thaw_hours: int,
        expires_in: timedelta,
        manipulation: str,
        **more: Any,
    ) -> ProductUnit:
        """A unit under the demo's (fictitious) IND and IRB approval."""
        return self.unit(
            collection,
            product_type,
            expires_in=expires_in,
            volume_ml=volume_ml,
            cell_count_million=cell_count_million,
            storage_condition=storage_condition,
            stability_after_thaw_hours=stability_after_thaw_hours,
            regulatory_class="351_ind",
            ind_number=DEMO_IND,
            irb_approval=DEMO_IRB,
            manipulation=manipulation,
            **more,
        )


def _settings(clinic: Clinic, director: User) -> None:
    if BiologicsSettings.objects.filter(clinic=clinic).exists():
        return
    taken = set(BiologicsSettings.objects.values_list("facility_identification_number", flat=True))
    number = next(n for n in range(1, 10) if f"DEMO{n}" not in taken)
    services.settings_update(
        clinic=clinic,
        by=director,
        facility_identification_number=f"DEMO{number}",
        fin_is_demo=True,
    )


def _csv(rows: list[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _codes(clinic: Clinic, director: User) -> dict[str, ProductCode]:
    if not ProductCode.objects.filter(clinic=clinic).exists():
        services.product_codes_load(
            clinic=clinic,
            by=director,
            csv_text=_csv([("code", "description", "product_type"), *DEMO_CODES]),
            licence_note="Demo data: local test codes, not from ICCBBA's licensed table",
            local_test_codes=True,
        )
    return {c.product_type: c for c in ProductCode.objects.filter(clinic=clinic)}


def _locations(clinic: Clinic, lab: User) -> dict[str, StorageLocation]:
    existing = {
        loc.storage_condition: loc for loc in selectors.storage_locations(clinic_id=clinic.pk)
    }
    for name, condition in DEMO_LOCATIONS:
        if condition not in existing:
            existing[condition] = services.storage_location_create(
                clinic=clinic, by=lab, name=name, storage_condition=condition
            )
    return existing


def _pass_all(unit: ProductUnit, lab: User, *, skip: tuple[str, ...] = ()) -> None:
    spec = selectors.qc_spec_in_force(clinic_id=unit.clinic_id, product_type=unit.product_type)
    for test in spec.spec.tests:
        if not test.required or test.code in skip:
            continue
        value: Any = None
        text, unit_text = "", test.unit
        if test.acceptance is Acceptance.NEGATIVE:
            text, unit_text = "Negative", ""
        elif test.acceptance is Acceptance.NO_GROWTH:
            text, unit_text = "No growth", ""
        elif test.acceptance is Acceptance.EQUALS:
            text, unit_text = test.expected, ""
        elif test.code == "endotoxin":
            value, unit_text = Decimal("0.4"), "EU/mL"
        elif test.code == "viability":
            value = Decimal("88.5")
        elif test.code == "cell_dose":
            value = unit.cell_count_million or Decimal(20)
        elif test.acceptance is Acceptance.MAX:
            value = Decimal("0.8")
        else:
            value = (test.minimum or Decimal(0)) + Decimal("2.5")
        services.qc_result_record(
            product=unit, by=lab, test_code=test.code, value=value, text=text, unit=unit_text
        )


def _suitable_patients(clinic: Clinic, patients: list[Patient]) -> list[Patient]:
    """Patients the cell-therapy rules would not stop: a history without the exclusions,
    a signed assessment."""
    signed = ScarAssessment.objects.filter(patient=OuterRef("pk"), status=AssessmentStatus.SIGNED)
    ids = [p.pk for p in patients if p.clinic_id == clinic.pk]
    return list(
        Patient.objects.filter(pk__in=ids, current_history__isnull=False)
        .filter(
            current_history__pregnant_or_breastfeeding=False,
            current_history__active_cancer=False,
            current_history__systemic_infection=False,
            current_history__anticoagulant_or_antiplatelet=False,
            current_history__bleeding_or_platelet_disorder=False,
            current_history__active_acne=False,
            current_history__skin_infection_in_treatment_area=False,
        )
        .filter(Exists(signed))
        .select_related("current_history")
        .order_by("mrn")
    )


def _consent(patient: Patient, procedure: str, nurse: User, rng: random.Random) -> None:
    if SignedConsent.objects.filter(
        patient=patient, procedure_type=procedure, withdrawn_at__isnull=True
    ).exists():
        return
    version = ConsentTemplateVersion.objects.filter(
        template__clinic_id=patient.clinic_id,
        template__procedure_type=procedure,
        status=TemplateStatus.ACTIVE,
    ).first()
    if version is None:
        return
    from scarclinic.web.demo import signature_png

    consent_sign(
        patient=patient,
        template_version=version,
        by=nurse,
        signer_name=patient.full_name,
        method="drawn",
        signature_png=signature_png(rng),
    )


@transaction.atomic
def seed_demo_biologics(
    *,
    clinic: Clinic,
    users: dict[str, User],
    patients: list[Patient],
    rng: random.Random,
) -> int:
    """Load the demo cell lab at a clinic; returns the number of units made (0 when the clinic
    already has units). ``users`` needs "lab", "director" (the second person who releases)
    and "nurse"; "physician" is named as the harvesting doctor when given."""
    if ProductUnit.objects.filter(clinic=clinic).exists():
        return 0
    lab, director, nurse = users["lab"], users["director"], users["nurse"]
    physician = users.get("physician")
    needed = (
        (lab, Perm.PRODUCT_PROCESS),
        (director, Perm.PRODUCT_SETTINGS),
        (nurse, Perm.PRODUCT_ADMINISTER),
    )
    if not all(has_perm_in(user, clinic.pk, perm) for user, perm in needed):
        return 0  # a clinic without a lab technician, a director and a nurse: no cell lab
    _settings(clinic, director)
    codes = _codes(clinic, director)
    places = _locations(clinic, lab)
    now = timezone.now()
    candidates = _suitable_patients(clinic, patients)
    others = [p for p in patients if p.clinic_id == clinic.pk and p not in candidates]
    pool = candidates + others
    if len(pool) < 2:
        return 0
    first, second = pool[0], pool[1]
    third = pool[2] if len(pool) > 2 else pool[0]
    made = 0
    bench = _Bench(clinic=clinic, lab=lab, physician=physician, codes=codes, now=now)

    # 1. Autologous SVF, released, issued and given: the whole way, for the first patient.
    harvest = bench.harvest(
        first, ago=timedelta(hours=5), site="Abdomen", volume_ml=Decimal(rng.randint(80, 160))
    )
    svf = bench.same_day_svf(
        harvest,
        volume_ml=Decimal(4),
        cell_count_million=Decimal(rng.randint(18, 40)),
        dose_body_weight_kg=Decimal(rng.randint(50, 80)),
        expires_in=timedelta(hours=20),
    )
    services.processing_step_record(
        product=svf,
        by=lab,
        step="centrifugation",
        performed_at=now - timedelta(hours=4),
        equipment="Centrifuge CF-01",
        reagents=[("Lactated Ringer's wash", f"LR-{rng.randint(1000, 9999)}")],
    )
    services.product_store(
        product=svf, by=lab, to_location=places["refrigerated"], rack="1", position="A1"
    )
    _pass_all(svf, lab)
    _release(svf, director)
    made += 1
    if _is_released(svf):
        services.product_issue(product=svf, by=lab, patient=first, handed_to=nurse)
        _consent(first, "cell_therapy", nurse, rng)
        # Should the demo patient's own rules stop it, the refused check is part of the demo.
        with contextlib.suppress(services.BedsideRefused):
            services.administration_record(
                clinic=clinic,
                by=nurse,
                din_text=svf.din,
                patient_identifier=first.mrn,
                modality=None,
                route="Intradermal injection",
                volume_ml=Decimal(4),
                sites="Both cheeks",
            )

    # 2. Autologous SVF in quarantine, sterility pending.
    harvest2 = bench.harvest(
        second, ago=timedelta(hours=2), site="Flanks", volume_ml=Decimal(rng.randint(80, 160))
    )
    svf2 = bench.same_day_svf(
        harvest2,
        volume_ml=Decimal(3),
        cell_count_million=Decimal(rng.randint(18, 40)),
        dose_body_weight_kg=Decimal(rng.randint(50, 80)),
        expires_in=timedelta(hours=22),
    )
    _pass_all(svf2, lab, skip=("sterility",))
    services.product_store(
        product=svf2, by=lab, to_location=places["refrigerated"], rack="1", position="A2"
    )
    made += 1

    # 3. Donor cord tissue, three vials: in stock, thawed and issued (with a refused
    #    wrong-patient check), and one kept after a short excursion.
    receipt = bench.donor_receipt(
        donor="DEMO-D-001",
        screening=[
            {"test": "HIV-1/2 antibody and NAT", "result": "non-reactive"},
            {"test": "HBsAg, anti-HBc", "result": "non-reactive"},
            {"test": "HCV antibody and NAT", "result": "non-reactive"},
            {"test": "Syphilis", "result": "non-reactive"},
        ],
        screened_days_ago=200,
        material="cord_tissue",
        lot="DEMO-LOT-001",
        received_days_ago=20,
        shipping_temperature_c="-165",
        minutes_out_of_storage=3,
    )
    vials = []
    for n in range(3):
        vial = bench.trial_unit(
            receipt,
            "cord_msc",
            volume_ml=Decimal(2),
            cell_count_million=Decimal(20),
            dose_body_weight_kg=Decimal(60),
            storage_condition="ln2_vapour",
            stability_after_thaw_hours=4,
            expires_in=timedelta(days=rng.randint(5, 400)),
            protocol_name="DEMO-CT-01 (fictitious)",
            manipulation="culture_expanded",
            culture_passage=3,
        )
        services.product_store(
            product=vial, by=lab, to_location=places["ln2_vapour"], rack="A", position=str(n + 1)
        )
        _pass_all(vial, lab)
        _release(vial, director)
        vials.append(vial)
        made += 1
    services.temperature_excursion_record(
        product=vials[2],
        by=lab,
        temperature_c=Decimal("-135"),
        duration_minutes=6,
        quarantine=False,
        note="Lid open during inventory; below -130 °C throughout: assessed as usable",
    )
    if _is_released(vials[1]):
        services.product_thaw(product=vials[1], by=lab)
        services.product_issue(product=vials[1], by=lab, patient=third, handed_to=nurse)
        wrong = next((p for p in pool if p.pk != third.pk), None)
        if wrong is not None:
            services.bedside_check(
                clinic=clinic, by=nurse, din_text=vials[1].din, patient_identifier=wrong.mrn
            )

    # 4. A second donor: mycoplasma positive, rejected.
    receipt2 = bench.donor_receipt(
        donor="DEMO-D-002",
        screening=[{"test": "HIV-1/2, HBV, HCV, syphilis", "result": "non-reactive"}],
        screened_days_ago=150,
        material="cord_tissue",
        lot="DEMO-LOT-002",
        received_days_ago=12,
        shipping_temperature_c="-170",
        minutes_out_of_storage=5,
    )
    bad = bench.trial_unit(
        receipt2,
        "cord_msc",
        volume_ml=Decimal(2),
        cell_count_million=Decimal(18),
        dose_body_weight_kg=Decimal(60),
        storage_condition="ln2_vapour",
        stability_after_thaw_hours=4,
        expires_in=timedelta(days=300),
        manipulation="culture_expanded",
        culture_passage=4,
    )
    _pass_all(bad, lab, skip=("mycoplasma",))
    services.qc_result_record(
        product=bad, by=lab, test_code="mycoplasma", text="Positive", method="PCR"
    )
    _reject(bad, director, "Mycoplasma positive (PCR)")
    made += 1

    # 5. Cord blood from a third donor: released, then the lot is recalled.
    receipt3 = bench.donor_receipt(
        donor="DEMO-D-003",
        screening=[{"test": "HIV-1/2, HBV, HCV, syphilis, HTLV", "result": "non-reactive"}],
        screened_days_ago=90,
        material="cord_blood",
        lot="DEMO-LOT-003",
        received_days_ago=8,
        shipping_temperature_c="-160",
        minutes_out_of_storage=2,
    )
    for n in range(2):
        unit = bench.trial_unit(
            receipt3,
            "cord_blood",
            volume_ml=Decimal(5),
            cell_count_million=Decimal(150),
            storage_condition="frozen",
            stability_after_thaw_hours=2,
            expires_in=timedelta(days=200),
            manipulation="minimal",
        )
        services.product_store(
            product=unit, by=lab, to_location=places["frozen"], rack="B", position=str(n + 1)
        )
        _pass_all(unit, lab)
        _release(unit, director)
        made += 1
    services.recall_initiate(
        clinic=clinic,
        by=director,
        reason="Supplier notice: lot DEMO-LOT-003 shipped outside its temperature range",
        lot="DEMO-LOT-003",
    )

    # 6. PRP drawn this morning, not used the same day: discarded.
    draw = services.blood_draw_record(
        clinic=clinic,
        by=lab,
        patient=second,
        collected_at=now - timedelta(minutes=40),
        volume_ml=Decimal(30),
        preparation_method="Demo kit, single spin 10 min",
        note="Demo data",
    )
    prp = services.product_create(
        collection=draw,
        by=lab,
        product_type="prp",
        product_code=codes.get("prp"),
        volume_ml=Decimal(4),
        platelet_count_10e9_per_l=Decimal(rng.randint(900, 1400)),
        storage_condition="room",
        expires_at=min(
            now + timedelta(hours=3),
            services.prp_expiry_limit(
                draw.collected_at, selectors.settings_for(clinic_id=clinic.pk)
            ),
        ),
        regulatory_class="not_hctp",
        manipulation="minimal",
    )
    services.qc_result_record(
        product=prp,
        by=lab,
        test_code="platelet_count",
        value=prp.platelet_count_10e9_per_l,
        unit="x10^9/L",
    )
    services.product_discard(product=prp, by=lab, reason="Session cancelled: not used the same day")
    made += 1

    # 7. Culture-expanded ADSC with a failing sterility result, and an SVF released
    #    exceptionally (sterility culture pending at same-day use) with the director.
    harvest3 = bench.harvest(third, ago=timedelta(days=21), site="Thighs", volume_ml=Decimal(100))
    adsc = bench.trial_unit(
        harvest3,
        "adsc_cultured",
        volume_ml=Decimal(2),
        cell_count_million=Decimal(30),
        dose_body_weight_kg=Decimal(58),
        storage_condition="ln2_vapour",
        stability_after_thaw_hours=4,
        expires_in=timedelta(days=180),
        manipulation="culture_expanded",
        culture_passage=2,
    )
    services.processing_step_record(
        product=adsc,
        by=lab,
        step="enzymatic_digestion",
        performed_at=now - timedelta(days=21),
        equipment="Biosafety cabinet BSC-2",
        reagents=[("Collagenase (demo)", "COL-DEMO-77")],
    )
    services.processing_step_record(
        product=adsc,
        by=lab,
        step="culture",
        performed_at=now - timedelta(days=20),
        equipment="Incubator INC-1",
        reagents=[
            ("Culture medium (demo)", "MED-DEMO-12"),
            ("Human platelet lysate (demo)", "HPL-DEMO-5"),
        ],
    )
    _pass_all(adsc, lab, skip=("sterility",))
    services.qc_result_record(
        product=adsc, by=lab, test_code="sterility", text="Growth: coagulase-negative staphylococci"
    )
    services.product_store(
        product=adsc, by=lab, to_location=places["ln2_vapour"], rack="Q", position="1"
    )
    made += 1
    harvest4 = bench.harvest(second, ago=timedelta(hours=3), site="Abdomen", volume_ml=Decimal(90))
    exceptional = bench.same_day_svf(
        harvest4,
        volume_ml=Decimal(3),
        cell_count_million=Decimal(22),
        dose_body_weight_kg=Decimal(64),
        expires_in=timedelta(hours=18),
    )
    _pass_all(exceptional, lab, skip=("sterility",))
    services.qc_result_record(
        product=exceptional, by=lab, test_code="gram_stain", text="Negative", method="Gram stain"
    )
    _release(
        exceptional,
        director,
        justification=(
            "Same-day autologous use: the sterility culture takes 7 days; gram stain negative. "
            "Result to be reviewed when the culture is final (demo)."
        ),
    )
    made += 1
    return made


def _release(unit: ProductUnit, director: User, *, justification: str = "") -> ProductUnit:
    """Sign a demo release as the demo director, with the demo password: the signature is
    checked like any other. A director with another password leaves the unit in quarantine
    (there is no way round the electronic signature, not even for demo data)."""
    from scarclinic.web.demo import DEMO_PASSWORD

    if not director.check_password(DEMO_PASSWORD):
        return unit
    return services.product_release(
        product=unit,
        by=director,
        password=DEMO_PASSWORD,
        meaning="approval" if not justification else "responsibility",
        justification=justification,
    )


def _is_released(unit: ProductUnit) -> bool:
    unit.refresh_from_db(fields=["status"])
    return unit.status == "released"


def _reject(unit: ProductUnit, director: User, reason: str) -> ProductUnit:
    from scarclinic.web.demo import DEMO_PASSWORD

    if not director.check_password(DEMO_PASSWORD):
        return unit
    return services.product_reject(product=unit, by=director, password=DEMO_PASSWORD, reason=reason)
