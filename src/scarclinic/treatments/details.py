"""What was done at a session, as structured data per modality: one pydantic schema each.

The bounds below are typo guards (a depth of 25 mm, a 0 % peel), not clinical limits: the
clinical reference gives no dosing or settings, so nothing here says what is right for a
patient. Injection and filler sites use the face map's regions (clinical reference §1)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.morphology import FacialRegion

SCHEMA_VERSION = "1"
Text = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


AnaesthesiaKind = Literal["none", "topical", "local_infiltration", "nerve_block"]
Reaction = Literal[
    "none", "erythema", "oedema", "pinpoint_bleeding", "bruising", "pain", "vasovagal", "other"
]
REACTION_LABELS: dict[str, str] = {
    "none": "None",
    "erythema": "Redness (erythema)",
    "oedema": "Swelling (oedema)",
    "pinpoint_bleeding": "Pinpoint bleeding",
    "bruising": "Bruising",
    "pain": "Pain beyond the expected",
    "vasovagal": "Fainting or near-fainting",
    "other": "Other (say in the notes)",
}
ANAESTHESIA_LABELS: dict[str, str] = {
    "none": "None",
    "topical": "Topical cream",
    "local_infiltration": "Local infiltration",
    "nerve_block": "Nerve block",
}


class Anaesthesia(_Strict):
    kind: AnaesthesiaKind
    agent: Text = ""

    @model_validator(mode="after")
    def _agent_named(self) -> Anaesthesia:
        if self.kind != "none" and not self.agent:
            raise ValueError("Name the anaesthetic agent given.")
        return self


class Common(_Strict):
    """Every record: anaesthesia and the immediate reactions seen before the patient left."""

    anaesthesia: Anaesthesia
    immediate_reactions: list[Reaction] = Field(min_length=1)
    reaction_notes: Note = ""

    @model_validator(mode="after")
    def _reactions_consistent(self) -> Common:
        if "none" in self.immediate_reactions and len(self.immediate_reactions) > 1:
            raise ValueError("'None' cannot go with a reaction.")
        if "other" in self.immediate_reactions and not self.reaction_notes:
            raise ValueError("Describe the other reaction in the notes.")
        return self


class InjectionSite(_Strict):
    region: FacialRegion
    volume_ml: Decimal = Field(gt=0, le=20, decimal_places=2)
    cells_per_ml: float | None = Field(default=None, ge=0, le=1e11)


class CellInjection(Common):
    product_lot: Text = Field(min_length=1)
    needle_gauge: int = Field(ge=18, le=34)
    depth: Literal["intradermal", "subdermal", "subcutaneous"]
    sites: list[InjectionSite] = Field(min_length=1, max_length=20)


class Microneedling(Common):
    device: Text = Field(min_length=1)
    depth_mm: Decimal = Field(gt=0, le=5, decimal_places=2)
    passes: int = Field(ge=1, le=20)


class MicroneedlingPRP(Microneedling):
    prp_volume_ml: Decimal = Field(gt=0, le=100, decimal_places=1)
    prp_application: Literal["topical", "intradermal", "topical_and_intradermal"]


class TopicalCellProduct(Microneedling):
    product_lot: Text = Field(min_length=1)
    product_volume_ml: Decimal = Field(gt=0, le=100, decimal_places=1)


class Laser(Common):
    laser_type: Literal["co2", "erbium_yag", "non_ablative_1550", "other"]
    wavelength_nm: int = Field(ge=100, le=12000)
    fluence_j_cm2: Decimal | None = Field(default=None, gt=0, le=1000)
    energy_mj: Decimal | None = Field(default=None, gt=0, le=10000)
    density_percent: Decimal = Field(gt=0, le=100)
    passes: int = Field(ge=1, le=20)
    spot_size_mm: Decimal = Field(gt=0, le=50)

    @model_validator(mode="after")
    def _energy_given(self) -> Laser:
        if self.fluence_j_cm2 is None and self.energy_mj is None:
            raise ValueError("Give the fluence or the energy per pulse.")
        return self


class Peel(Common):
    agent: Text = Field(min_length=1)
    strength_percent: Decimal = Field(gt=0, le=100)
    contact_time_s: int = Field(ge=1, le=3600)
    regions: list[FacialRegion] = Field(min_length=1)


class FillerSite(_Strict):
    region: FacialRegion
    product: Text = Field(min_length=1)
    lot: Text = Field(min_length=1)
    volume_ml: Decimal = Field(gt=0, le=20, decimal_places=2)


class Filler(Common):
    sites: list[FillerSite] = Field(min_length=1, max_length=20)


class Subcision(Common):
    instrument: Text = Field(min_length=1)
    regions: list[FacialRegion] = Field(min_length=1)


class Punch(Common):
    technique: Literal["excision", "elevation", "graft"]
    punch_size_mm: Decimal = Field(gt=0, le=10)
    scars_treated: int = Field(ge=1, le=200)
    regions: list[FacialRegion] = Field(min_length=1)


SCHEMAS: dict[Modality, type[Common]] = {
    Modality.STEM_CELL_SVF_INJECTION: CellInjection,
    Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING: TopicalCellProduct,
    Modality.MICRONEEDLING_PRP: MicroneedlingPRP,
    Modality.MICRONEEDLING: Microneedling,
    Modality.FRACTIONAL_ABLATIVE_LASER: Laser,
    Modality.NON_ABLATIVE_FRACTIONAL_LASER: Laser,
    Modality.CHEMICAL_PEEL: Peel,
    Modality.TCA_CROSS: Peel,
    Modality.SUBCISION: Subcision,
    Modality.DERMAL_FILLER: Filler,
    Modality.PUNCH_EXCISION_ELEVATION: Punch,
}


def validate_details(modality: Modality, data: Any) -> dict[str, Any]:
    """The record's data checked against the modality's schema, as JSON-ready values.

    Raises :class:`DetailsInvalid` with one message per field ("sites.0.volume_ml": ...)."""
    schema = SCHEMAS[modality]
    try:
        parsed = schema.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "details"
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        raise DetailsInvalid(errors) from exc
    return parsed.model_dump(mode="json")


class DetailsInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# ------------------------------------------------------------------------------------------
# How the form shows each schema: plain fields, per-region rows, region choices.


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Literal["text", "decimal", "int", "choice"]
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    required: bool = True


_DEPTHS = (("intradermal", "Intradermal"), ("subdermal", "Subdermal"), ("subcutaneous", "Subcut."))


@dataclass(frozen=True)
class FormLayout:
    fields: tuple[FieldSpec, ...]
    site_fields: tuple[FieldSpec, ...] = ()  # one row per facial region, when it has sites
    regions: bool = False  # a list of regions treated


_MICRONEEDLING_FIELDS = (
    FieldSpec("device", "Device", "text"),
    FieldSpec("depth_mm", "Needle depth", "decimal", unit="mm"),
    FieldSpec("passes", "Passes", "int"),
)

LAYOUTS: dict[type[Common], FormLayout] = {
    CellInjection: FormLayout(
        fields=(
            FieldSpec("product_lot", "Product lot / identifier", "text"),
            FieldSpec("needle_gauge", "Needle gauge", "int", unit="G"),
            FieldSpec("depth", "Depth", "choice", _DEPTHS),
        ),
        site_fields=(
            FieldSpec("volume_ml", "Volume", "decimal", unit="mL"),
            FieldSpec("cells_per_ml", "Dose", "decimal", unit="cells/mL", required=False),
        ),
    ),
    TopicalCellProduct: FormLayout(
        fields=_MICRONEEDLING_FIELDS
        + (
            FieldSpec("product_lot", "Product lot / identifier", "text"),
            FieldSpec("product_volume_ml", "Product volume", "decimal", unit="mL"),
        )
    ),
    MicroneedlingPRP: FormLayout(
        fields=_MICRONEEDLING_FIELDS
        + (
            FieldSpec("prp_volume_ml", "PRP volume", "decimal", unit="mL"),
            FieldSpec(
                "prp_application",
                "PRP applied",
                "choice",
                (
                    ("topical", "Topically"),
                    ("intradermal", "Injected intradermally"),
                    ("topical_and_intradermal", "Both"),
                ),
            ),
        )
    ),
    Microneedling: FormLayout(fields=_MICRONEEDLING_FIELDS),
    Laser: FormLayout(
        fields=(
            FieldSpec(
                "laser_type",
                "Laser",
                "choice",
                (
                    ("co2", "CO2 (10,600 nm)"),
                    ("erbium_yag", "Erbium:YAG (2,940 nm)"),
                    ("non_ablative_1550", "Non-ablative 1,550 nm"),
                    ("other", "Other"),
                ),
            ),
            FieldSpec("wavelength_nm", "Wavelength", "int", unit="nm"),
            FieldSpec("fluence_j_cm2", "Fluence", "decimal", unit="J/cm²", required=False),
            FieldSpec("energy_mj", "Energy per pulse", "decimal", unit="mJ", required=False),
            FieldSpec("density_percent", "Density", "decimal", unit="%"),
            FieldSpec("passes", "Passes", "int"),
            FieldSpec("spot_size_mm", "Spot size", "decimal", unit="mm"),
        )
    ),
    Peel: FormLayout(
        fields=(
            FieldSpec("agent", "Agent", "text"),
            FieldSpec("strength_percent", "Strength", "decimal", unit="%"),
            FieldSpec("contact_time_s", "Contact time", "int", unit="s"),
        ),
        regions=True,
    ),
    Filler: FormLayout(
        fields=(),
        site_fields=(
            FieldSpec("product", "Product", "text"),
            FieldSpec("lot", "Lot", "text"),
            FieldSpec("volume_ml", "Volume", "decimal", unit="mL"),
        ),
    ),
    Subcision: FormLayout(fields=(FieldSpec("instrument", "Instrument", "text"),), regions=True),
    Punch: FormLayout(
        fields=(
            FieldSpec(
                "technique",
                "Technique",
                "choice",
                (("excision", "Excision"), ("elevation", "Elevation"), ("graft", "Graft")),
            ),
            FieldSpec("punch_size_mm", "Punch size", "decimal", unit="mm"),
            FieldSpec("scars_treated", "Scars treated", "int"),
        ),
        regions=True,
    ),
}


def layout_for(modality: Modality) -> FormLayout:
    return LAYOUTS[SCHEMAS[modality]]


def details_from_form(modality: Modality, post: Any) -> dict[str, Any]:
    """The schema's input from a submitted form (``post`` is a QueryDict or a mapping of
    lists): blank optional fields are left out, sites come from the per-region rows."""
    layout = layout_for(modality)

    def value(name: str) -> str:
        raw = post.get(name, "")
        return raw.strip() if isinstance(raw, str) else raw

    data: dict[str, Any] = {}
    for spec in layout.fields:
        raw = value(spec.name)
        if raw != "" or spec.required:
            data[spec.name] = raw
    if layout.site_fields:
        sites = []
        for region in FacialRegion:
            row = {s.name: value(f"site__{region.value}__{s.name}") for s in layout.site_fields}
            if any(v != "" for v in row.values()):
                site: dict[str, Any] = {"region": region.value}
                site |= {
                    k: v
                    for k, v in row.items()
                    if v != "" or next(s for s in layout.site_fields if s.name == k).required
                }
                sites.append(site)
        data["sites"] = sites
    if layout.regions:
        data["regions"] = list(post.getlist("regions")) if hasattr(post, "getlist") else []
    data["anaesthesia"] = {
        "kind": value("anaesthesia_kind") or "none",
        "agent": value("anaesthesia_agent"),
    }
    data["immediate_reactions"] = (
        list(post.getlist("immediate_reactions")) if hasattr(post, "getlist") else []
    )
    data["reaction_notes"] = value("reaction_notes")
    return data


@dataclass(frozen=True)
class SummaryLine:
    """One line of a record's summary: a label and a value in the active language, and what
    was typed (a device, an agent, notes), shown as it was written."""

    label: str
    value: str = ""
    typed: str = ""


def summary_lines(modality: Modality, details: dict[str, Any]) -> list[SummaryLine]:
    """The record's data as short lines for the session page; labels and choices are looked up
    in the catalogue when called, so they follow the active language."""
    if not details:
        return []
    layout = layout_for(modality)
    comma = gettext(", ")
    lines = []
    for spec in layout.fields:
        if details.get(spec.name) not in (None, ""):
            value = str(details[spec.name])
            if spec.kind == "text":
                lines.append(SummaryLine(gettext(spec.label), typed=value))
            else:
                choices = dict(spec.choices)
                shown = gettext(choices[value]) if value in choices else value
                lines.append(SummaryLine(gettext(spec.label), _with_unit(shown, spec.unit)))
    for site in details.get("sites", []):
        parts = [
            f"{gettext(s.label).lower()} {_with_unit(str(site[s.name]), s.unit)}"
            for s in layout.site_fields
            if site.get(s.name) not in (None, "")
        ]
        region = gettext(FacialRegion(site["region"]).label)
        lines.append(SummaryLine(region, comma.join(parts)))
    if details.get("regions"):
        regions = comma.join(gettext(FacialRegion(r).label) for r in details["regions"])
        lines.append(SummaryLine(gettext("Regions"), regions))
    anaesthesia = details.get("anaesthesia") or {}
    kind = ANAESTHESIA_LABELS.get(anaesthesia.get("kind", ""), "")
    lines.append(
        SummaryLine(
            gettext("Anaesthesia"), gettext(kind) if kind else "", anaesthesia.get("agent") or ""
        )
    )
    reactions = comma.join(
        gettext(REACTION_LABELS[r]) for r in details.get("immediate_reactions", [])
    )
    notes = details.get("reaction_notes") or ""
    lines.append(SummaryLine(gettext("Immediate reactions"), reactions, notes))
    return lines


def _with_unit(value: str, unit: str | None) -> str:
    return f"{value} {unit}" if unit else value
