"""Request and response bodies of the consultation API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from scarclinic.clinical.evidence import Modality


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class FiredRuleOut(Schema):
    rule_id: str
    title: str
    outcome: str
    reason: str
    explanation: str
    action: str
    until: date | None
    source: str
    verified: bool


class ScreeningOut(Schema):
    modality: str
    label: str
    status: str
    status_label: str
    reassess_on: date | None
    fired: list[FiredRuleOut]


class PatientScreeningOut(ScreeningOut):
    patient_id: int
    on_date: date
    rule_set_version: str
    assessment_id: int
    history_version: int


class EvidenceOut(Schema):
    id: str
    intervention: str
    effect: str
    measure: str
    design: str
    level: str
    level_label: str
    n: int | None
    n_unit: str
    citation: str
    note: str
    indirect: bool


class LabelledText(Schema):
    label: str
    text: str


class RisksOut(Schema):
    common: list[str]
    serious: list[str]


class OptionOut(Schema):
    key: str = Field(..., description='A modality, or modalities joined by "+"')
    label: str
    rank: int
    modalities: list[str]
    suitable: bool = Field(..., description="Screening allows it now (eligible or caution)")
    status: str
    status_label: str
    fit: str
    why: str
    not_suitable_reason: str | None
    reassess_on: date | None
    evidence: list[EvidenceOut]
    evidence_is_weak: bool
    evidence_wording: str
    investigational: bool
    regulatory: list[str]
    mechanisms: list[LabelledText]
    sessions: list[LabelledText]
    downtime: list[LabelledText]
    cost_from: Decimal | None
    cost_to: Decimal | None
    currency: str
    cost_text: str
    risks: RisksOut
    clinic_outcomes: list[str] = Field(..., description="Empty: no clinic data yet")
    screenings: list[ScreeningOut]
    notes: list[str]


class RecommendationsOut(Schema):
    patient_id: int
    on_date: date
    ready: bool
    missing: dict[str, str]
    rule_set_version: str
    assessment_id: int | None
    history_version: int | None
    fingerprint: str = Field(..., description="Send it back with a decision")
    notes: list[str]
    options: list[OptionOut]


class DecisionIn(StrictSchema):
    chosen: str = Field(..., max_length=200, description='An option key, or "none_yet"')
    questions: str = Field("", max_length=5000)
    fingerprint: str | None = Field(
        None, max_length=64, description="From the recommendations the patient was shown"
    )


class DecisionOut(Schema):
    id: int
    patient_id: int
    chosen_option: str
    chosen_label: str
    questions: str
    decided_at: datetime
    decided_by_id: int
    assessment_id: int
    history_version_id: int
    rule_set_version: str
    status: str
    options_shown: dict[str, Any]


class ThresholdOut(Schema):
    name: str
    value: float
    default: float
    unit: str
    minimum: float
    maximum: float
    whole: bool
    source: str


class RuleOut(Schema):
    id: str
    title: str
    modalities: list[str]
    outcome: str
    action: str
    explanation: str
    source: str
    verified: bool
    enabled: bool
    thresholds: list[str]


class RuleSettingsChangeOut(Schema):
    number: int
    version: str
    changed_at: datetime
    changed_by_id: int
    change: str
    reason: str


class RulesOut(Schema):
    clinic_id: int
    version: str
    base_version: str
    settings: RuleSettingsChangeOut | None
    rules: list[RuleOut]
    thresholds: list[ThresholdOut]


class RulesChangeIn(StrictSchema):
    clinic_id: int | None = None
    disable: list[str] = Field(default_factory=list, description="Rule ids to switch off")
    enable: list[str] = Field(default_factory=list, description="Rule ids to switch back on")
    thresholds: dict[str, float | None] = Field(
        default_factory=dict, description="Threshold name to value; null resets to the default"
    )
    reason: str = Field("", max_length=500)


class PriceOut(Schema):
    id: int
    clinic_id: int
    modality: str
    modality_label: str
    price_per_session: Decimal
    currency: str
    effective_from: date
    is_demo: bool
    in_force: bool


class PriceIn(StrictSchema):
    clinic_id: int | None = None
    modality: Modality
    price_per_session: Decimal = Field(..., description='One session, e.g. 15000 or "15000.00"')
    currency: str = Field("PKR", min_length=3, max_length=3)
    effective_from: date


class LabsIn(StrictSchema):
    platelet_count_10e9_per_l: Decimal | None = None
    haemoglobin_g_dl: Decimal | None = None
    measured_on: date | None = None
    smoker: bool = False
    expects_gradual_results: bool | None = None


class LabsOut(Schema):
    id: int
    patient_id: int
    platelet_count_10e9_per_l: Decimal | None
    haemoglobin_g_dl: Decimal | None
    measured_on: date | None
    smoker: bool
    expects_gradual_results: bool | None
    recorded_at: datetime
