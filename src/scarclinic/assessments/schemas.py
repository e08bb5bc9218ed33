from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import ConfigDict

Findings = dict[str, dict[str, int]]


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class AssessmentIn(StrictSchema):
    visit_date: date
    findings: Findings = Field(
        default_factory=dict,
        description="Counts per facial region and morphology, e.g. {'cheek_left': {'ice_pick': 4}}",
    )
    qualitative_grade: int | None = Field(None, ge=1, le=4)
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    active_acne: bool = False
    texture_notes: str = Field("", max_length=2000)
    keloid_area_cm2: Decimal = Field(Decimal(0), ge=0, le=9999, decimal_places=2)
    hypertrophic_over_two_years: bool = False
    sign: bool = False


class AddendumIn(StrictSchema):
    note: str = Field(..., min_length=1, max_length=4000)
    corrected_findings: Findings | None = None
    corrected_keloid_area_cm2: Decimal | None = Field(None, ge=0, le=9999, decimal_places=2)
    corrected_grade: int | None = Field(None, ge=1, le=4)


class AddendumOut(Schema):
    id: int
    written_at: datetime
    written_by: str = Field(..., alias="written_by.username")
    note: str
    corrected_findings: Findings | None
    corrected_grade: int | None
    goodman_baron_score: int | None
    ecca_score: int | None


class AssessmentOut(Schema):
    id: int
    patient_id: int
    visit_date: date
    status: str
    qualitative_grade: int | None
    fitzpatrick: int | None
    active_acne: bool
    texture_notes: str
    keloid_area_cm2: Decimal
    hypertrophic_over_two_years: bool
    goodman_baron_score: int | None
    ecca_score: int | None
    scale_versions: dict[str, str]
    findings: Findings
    signed_at: datetime | None
    addenda: list[AddendumOut]


class ScoreIn(StrictSchema):
    findings: Findings
    keloid_area_cm2: Decimal = Field(Decimal(0), ge=0, le=9999)
    hypertrophic_over_two_years: bool = False


class ScoreOut(Schema):
    goodman_baron: int
    ecca: int
    versions: dict[str, str]
    warnings: list[str]


class InstrumentOut(Schema):
    id: int
    code: str
    name: str
    description: str
    items: list[dict[str, object]]
    scoring: str
    builtin: bool


class ProIn(StrictSchema):
    instrument_id: int
    visit_date: date
    answers: dict[str, int]


class ProOut(Schema):
    id: int
    instrument_id: int
    instrument: str = Field(..., alias="instrument.code")
    visit_date: date
    answers: dict[str, int]
    score: Decimal
    source: str
