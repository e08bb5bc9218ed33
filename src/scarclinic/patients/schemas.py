from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from scarclinic.patients.models import (
    AcneSeverity,
    IsotretinoinStatus,
    Language,
    Sex,
    SignatureMethod,
    SignerRelation,
)


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class PatientIn(StrictSchema):
    clinic_id: int | None = Field(None, description="Needed only when you work in several clinics")
    mrn: str = Field(..., min_length=1, max_length=32)
    given_name: str = Field(..., min_length=1, max_length=100)
    family_name: str = Field(..., min_length=1, max_length=100)
    date_of_birth: date
    sex: Sex = Sex.UNKNOWN
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    address: str = ""
    preferred_language: Language = Language.ENGLISH


class PatientPatch(StrictSchema):
    mrn: str | None = Field(None, min_length=1, max_length=32)
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    sex: Sex | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = None
    preferred_language: Language | None = None


class PatientOut(Schema):
    id: int
    clinic_id: int
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    phone: str
    email: str
    preferred_language: str


class PatientDetailOut(PatientOut):
    age: int
    address: str
    alerts: list[str]


class HistoryIn(StrictSchema):
    change_note: str = Field("", max_length=300)
    active_acne: bool = False
    acne_severity: AcneSeverity = AcneSeverity.NONE
    skin_infection_in_treatment_area: bool = False
    isotretinoin: IsotretinoinStatus = IsotretinoinStatus.NEVER
    isotretinoin_last_dose: date | None = None
    pregnant_or_breastfeeding: bool = False
    anticoagulant_or_antiplatelet: bool = False
    bleeding_or_platelet_disorder: bool = False
    keloid_tendency: bool = False
    herpes_simplex_history: bool = False
    photosensitising_drugs: bool = False
    autoimmune_disease: bool = False
    active_cancer: bool = False
    systemic_infection: bool = False
    local_anaesthetic_allergy: bool = False
    allergies: list[str] = Field(default_factory=list, max_length=50)
    fitzpatrick: int | None = Field(None, ge=1, le=6)


class HistoryOut(Schema):
    version: int
    recorded_at: datetime
    recorded_by: str | None = Field(None, alias="recorded_by.username")
    change_note: str
    active_acne: bool
    acne_severity: str
    skin_infection_in_treatment_area: bool
    isotretinoin: str
    isotretinoin_last_dose: date | None
    pregnant_or_breastfeeding: bool
    anticoagulant_or_antiplatelet: bool
    bleeding_or_platelet_disorder: bool
    keloid_tendency: bool
    herpes_simplex_history: bool
    photosensitising_drugs: bool
    autoimmune_disease: bool
    active_cancer: bool
    systemic_infection: bool
    local_anaesthetic_allergy: bool
    allergies: list[str]
    fitzpatrick: int | None


class ConsentTemplateVersionOut(Schema):
    id: int
    procedure_type: str = Field(..., alias="template.procedure_type")
    title: str = Field(..., alias="template.title")
    version: int
    language: str
    status: str
    body: str


class ConsentIn(StrictSchema):
    template_version_id: int
    signer_name: str = Field(..., min_length=1, max_length=200)
    signer_relation: SignerRelation = SignerRelation.SELF
    method: SignatureMethod
    signature_png: str = Field("", max_length=300_000)
    typed_name: str = Field("", max_length=200)
    witness_id: int | None = None


class ConsentOut(Schema):
    id: int
    patient_id: int
    procedure_type: str
    title: str
    version_number: int
    language: str
    text_shown: str
    text_sha256: str
    signer_name: str
    signer_relation: str
    method: str
    signed_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str


class WithdrawIn(StrictSchema):
    reason: str = Field(..., min_length=1, max_length=500)
