"""Request and response bodies of the cell-product API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from scarclinic.biologics.models import (
    DonorEligibility,
    DonorMaterial,
    Manipulation,
    ProcessingStepKind,
    RegulatoryClass,
    StorageCondition,
)
from scarclinic.clinical.qc import ProductType


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ClinicParam(Schema):
    clinic_id: int | None = None


# ------------------------------------------------------------------------------------------
# Collections


class HarvestIn(StrictSchema):
    clinic_id: int | None = None
    patient_id: int
    collected_at: datetime
    harvest_site: str = Field(..., min_length=1, max_length=100)
    volume_ml: Decimal
    performed_by_id: int | None = None
    procedure_reference: str = Field("", max_length=100)
    note: str = Field("", max_length=500)


class BloodDrawIn(StrictSchema):
    clinic_id: int | None = None
    patient_id: int
    collected_at: datetime
    volume_ml: Decimal
    preparation_method: str = Field(..., min_length=1, max_length=200)
    performed_by_id: int | None = None
    note: str = Field("", max_length=500)


class ScreeningResultIn(StrictSchema):
    test: str = Field(..., min_length=1, max_length=100)
    result: str = Field(..., min_length=1, max_length=100)


class DonorReceiptIn(StrictSchema):
    clinic_id: int | None = None
    donor_identifier: str = Field(..., min_length=1, max_length=64)
    supplier: str = Field(..., min_length=1, max_length=200)
    eligibility: DonorEligibility
    screening_results: list[ScreeningResultIn] = Field(default_factory=list, max_length=40)
    screening_date: date | None = None
    material: DonorMaterial
    supplier_lot: str = Field(..., min_length=1, max_length=64)
    received_at: datetime
    shipping_temperature_c: Decimal
    time_out_of_storage_minutes: int = Field(..., ge=0)
    condition_acceptable: bool = True
    note: str = Field("", max_length=500)


class DonorOut(Schema):
    id: int
    donor_identifier: str
    supplier: str
    eligibility: str
    screening_results: list[dict[str, Any]]
    screening_date: date | None


class CollectionOut(Schema):
    id: int
    clinic_id: int
    kind: str
    patient_id: int | None
    donor: DonorOut | None
    collected_at: datetime
    volume_ml: Decimal | None
    harvest_site: str
    preparation_method: str
    material: str
    supplier_lot: str
    shipping_temperature_c: Decimal | None
    time_out_of_storage_minutes: int | None
    condition_acceptable: bool


# ------------------------------------------------------------------------------------------
# Units


class ProductIn(StrictSchema):
    product_type: ProductType
    product_code: str | None = Field(None, max_length=5)
    volume_ml: Decimal
    cell_count_million: Decimal | None = None
    platelet_count_10e9_per_l: Decimal | None = None
    dose_body_weight_kg: Decimal | None = None
    storage_condition: StorageCondition
    stability_after_thaw_hours: int | None = None
    expires_at: datetime
    regulatory_class: RegulatoryClass
    ind_number: str = Field("", max_length=40)
    irb_approval: str = Field("", max_length=200)
    protocol_name: str = Field("", max_length=200)
    manipulation: Manipulation
    culture_passage: int | None = None
    flags: str = Field("00", min_length=2, max_length=2)
    note: str = Field("", max_length=500)


class TestOut(Schema):
    code: str
    name: str
    required: bool
    rule: str
    unit: str
    verdict: Literal["pass", "fail", "pending"]
    shown: str
    reason: str
    verified: bool
    source: str


class EvaluationOut(Schema):
    spec_version: str
    releasable: bool
    summary: str
    other_blocks: list[str]
    tests: list[TestOut]


class ProductOut(Schema):
    id: int
    clinic_id: int
    collection_id: int
    din: str
    din_eye_readable: str
    flags: str
    check_character: str
    product_code: str | None
    product_type: str
    is_autologous: bool
    intended_recipient_id: int | None
    volume_ml: Decimal
    cell_count_million: Decimal | None
    platelet_count_10e9_per_l: Decimal | None
    dose_body_weight_kg: Decimal | None
    storage_condition: str
    expires_at: datetime
    stability_after_thaw_hours: int | None
    thawed_at: datetime | None
    regulatory_class: str
    ind_number: str
    irb_approval: str
    manipulation: str
    status: str
    exceptional_release: bool
    location: str | None
    rack: str
    position: str


class ProductDetailOut(ProductOut):
    evaluation: EvaluationOut


class ReagentIn(StrictSchema):
    reagent: str = Field(..., min_length=1, max_length=200)
    lot: str = Field(..., min_length=1, max_length=64)


class ProcessingIn(StrictSchema):
    step: ProcessingStepKind
    performed_at: datetime | None = None
    equipment: str = Field("", max_length=200)
    reagents: list[ReagentIn] = Field(default_factory=list, max_length=20)
    description: str = Field("", max_length=500)


class ProcessingOut(Schema):
    id: int
    step: str
    performed_at: datetime
    equipment: str
    reagents: list[dict[str, str]]


class QcIn(StrictSchema):
    test_code: str = Field(..., min_length=1, max_length=40)
    value: Decimal | None = None
    text: str = Field("", max_length=200)
    unit: str = Field("", max_length=20)
    method: str = Field("", max_length=200)
    tested_at: datetime | None = None
    note: str = Field("", max_length=500)


class QcOut(Schema):
    id: int
    test_code: str
    value: Decimal | None
    text: str
    unit: str
    method: str
    tested_at: datetime
    evaluation: EvaluationOut


class ReleaseIn(StrictSchema):
    password: str = Field(..., max_length=200)
    meaning: Literal["approval", "responsibility"]
    justification: str = Field("", max_length=5000)
    director_id: int | None = None
    director_password: str = Field("", max_length=200)


class RejectIn(StrictSchema):
    password: str = Field(..., max_length=200)
    reason: str = Field(..., min_length=1, max_length=500)


class CustodyIn(StrictSchema):
    kind: Literal["store", "hand_over", "temperature_excursion", "thaw", "discard"]
    to_location_id: int | None = None
    rack: str = Field("", max_length=40)
    position: str = Field("", max_length=40)
    handed_to_id: int | None = None
    temperature_c: Decimal | None = None
    duration_minutes: int | None = None
    quarantine: bool = True
    note: str = Field("", max_length=500)


class IssueIn(StrictSchema):
    patient_id: int | None = None
    handed_to_id: int | None = None
    note: str = Field("", max_length=500)


class ReturnIn(StrictSchema):
    to_location_id: int | None = None
    rack: str = Field("", max_length=40)
    position: str = Field("", max_length=40)
    note: str = Field("", max_length=500)


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    by: str
    flag: str


class QueueItemOut(Schema):
    product_id: int
    din: str
    product_type: str
    product_type_label: str
    status: str
    stage: str
    stage_label: str
    waiting_for: list[str]
    expires_at: datetime
    exceptional_release: bool


# ------------------------------------------------------------------------------------------
# Bedside


class BedsideIn(StrictSchema):
    clinic_id: int | None = None
    din: str = Field(..., max_length=40)
    patient_identifier: str = Field(..., max_length=64)
    modality: str | None = Field(None, max_length=60)


class RefusalOut(Schema):
    code: str
    field: str
    message: str


class BedsideOut(Schema):
    check_id: int
    outcome: Literal["passed", "refused"]
    product_id: int | None
    patient_id: int | None
    modality: str | None
    refusals: list[RefusalOut]
    cautions: list[str]


class AdministrationIn(BedsideIn):
    route: str = Field(..., min_length=1, max_length=100)
    volume_ml: Decimal
    sites: str = Field("", max_length=300)
    note: str = Field("", max_length=500)


class AdministrationOut(Schema):
    id: int
    product_id: int
    patient_id: int
    bedside_check_id: int
    modality: str
    route: str
    sites: str
    volume_ml: Decimal
    consent_procedure: str
    exceptional_release: bool
    administered_by: str = Field(..., alias="administered_by.username")
    administered_at: datetime


# ------------------------------------------------------------------------------------------
# Lookback, recall


class LookbackParams(Schema):
    clinic_id: int | None = None
    donor_id: int | None = None
    collection_id: int | None = None
    lot: str | None = Field(None, max_length=64)
    din: str | None = Field(None, max_length=40)
    patient_id: int | None = None


class LookbackRowOut(Schema):
    product_id: int
    din: str
    product_type: str
    status: str
    exceptional_release: bool
    source: str
    donor_identifier: str | None
    supplier_lot: str
    reagent_lots: list[str]
    source_patient_id: int | None
    recipient_id: int | None
    recipient_mrn: str | None
    administered_at: datetime | None


class LookbackOut(Schema):
    scope: str
    description: str
    units: list[LookbackRowOut]
    recipient_ids: list[int]


class RecallIn(StrictSchema):
    clinic_id: int | None = None
    reason: str = Field(..., min_length=1, max_length=2000)
    donor_id: int | None = None
    collection_id: int | None = None
    lot: str = Field("", max_length=64)
    product_id: int | None = None


class RecallOut(Schema):
    id: int
    reason: str
    initiated_at: datetime
    units: list[dict[str, Any]]


# ------------------------------------------------------------------------------------------
# Settings, storage, codes, specifications


class SettingsIn(StrictSchema):
    clinic_id: int | None = None
    facility_identification_number: str = Field(..., min_length=1, max_length=5)
    fin_is_demo: bool = False
    expiring_soon_days: int = 7
    prp_use_within_hours: int | None = None


class SettingsOut(Schema):
    clinic_id: int
    facility_identification_number: str
    fin_is_demo: bool
    expiring_soon_days: int
    prp_use_within_hours: int | None


class LocationIn(StrictSchema):
    clinic_id: int | None = None
    name: str = Field(..., min_length=1, max_length=100)
    storage_condition: StorageCondition


class LocationOut(Schema):
    id: int
    name: str
    storage_condition: str
    is_active: bool


class SlotOut(Schema):
    rack: str
    position: str
    product_id: int
    din: str
    status: str


class StorageBoxOut(Schema):
    location: LocationOut
    units: list[SlotOut]


class CodesIn(StrictSchema):
    clinic_id: int | None = None
    csv: str = Field(..., max_length=2_000_000)
    licence_note: str = Field("", max_length=200)
    local_test_codes: bool = False


class CodeOut(Schema):
    code: str
    description: str
    product_type: str
    is_local_test_code: bool
    licence_note: str
    is_active: bool


class SpecTestOut(Schema):
    code: str
    name: str
    unit: str
    method: str
    acceptance: str
    required: bool
    minimum: str | None
    maximum: str | None
    expected: str
    source: str
    verified: bool


class SpecOut(Schema):
    product_type: str
    version: str
    number: int | None
    tests: list[SpecTestOut]


class SpecChangeIn(StrictSchema):
    clinic_id: int | None = None
    changes: dict[str, dict[str, Any]]
    reason: str = Field(..., min_length=1, max_length=500)
