"""Quality-control release specifications for cell products, and their evaluation.

A specification is data: per product type, the tests, each with its unit, method, acceptance
rule and whether release needs it. :func:`evaluate` compares the results entered with the
specification and says, per test, pass / fail / pending, and whether the unit is releasable
(every required test has a passing result).

Every number cites clinical reference §6:
- MSC minimal criteria (Dominici et al. Cytotherapy 2006;8:315-7): >= 95% express CD105,
  CD73, CD90; <= 2% express CD45, CD34, CD14 or CD11b, CD79a or CD19, HLA-DR; plastic
  adherent; tri-lineage differentiation in vitro.
- Adipose SVF/ASC (Bourin et al. Cytotherapy 2013;15:641-8): cultured ASC are CD90, CD73,
  CD105, CD44 positive, CD45 and CD31 negative, CD36 positive and CD106 negative. The
  reference gives no percentages for these: the cut-offs below reuse Dominici's and are
  marked unverified (clinic-configurable). Numeric SVF thresholds (e.g. viability) are
  "widely quoted but unverified here": defaults, configurable, marked so.
- Typical release tests (published protocols): viability >= 70%; sterility no growth
  (aerobic, anaerobic, fungal; gram stain as a rapid test); mycoplasma negative; endotoxin
  <= 5 EU/kg of body weight for the dose, stored in EU/mL and computed from the volume and
  the body weight; identity by flow cytometry; cell dose within a minimum and a maximum
  (no figures given: the clinic sets them).
- PRP: the platelet count of the preparation (measured if possible; no acceptance limit).

Pure Python; the biologics app stores specifications and results and calls :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

DOMINICI = "Dominici et al. Cytotherapy 2006;8:315-7 (clinical reference §6)"
BOURIN = "Bourin et al. Cytotherapy 2013;15:641-8, IFATS/ISCT (clinical reference §6)"
RELEASE_TESTS = "Typical release tests of published protocols (clinical reference §6)"
UNVERIFIED_SVF = (
    "Numeric SVF threshold, widely quoted but unverified (clinical reference §6): "
    "a clinic-configurable default"
)
BOURIN_CUTOFF = (
    f"{BOURIN}; the percentage cut-off reuses Dominici's (unverified for ASC): clinic-configurable"
)
NO_FIGURE = "Clinical reference §6 gives no figure: the clinic sets the limits"

# Endotoxin limit per kg of body weight for the dose (clinical reference §6).
ENDOTOXIN_MAX_EU_PER_KG = Decimal(5)
EU_PER_ML = "EU/mL"
EU_PER_KG = "EU/kg"


class ProductType(StrEnum):
    """The kinds of cell product the lab makes or receives (DESIGN.md, issue 6)."""

    SVF = "svf"  # autologous stromal vascular fraction from lipoaspirate
    ADSC_CULTURED = "adsc_cultured"  # autologous adipose-derived stem cells, culture-expanded
    CORD_MSC = "cord_msc"  # allogeneic umbilical cord tissue MSC
    CORD_BLOOD = "cord_blood"  # allogeneic cord blood cells
    PRP = "prp"  # the patient's platelet-rich plasma, same day

    @property
    def label(self) -> str:
        return PRODUCT_TYPE_LABELS[self]


PRODUCT_TYPE_LABELS: dict[ProductType, str] = {
    ProductType.SVF: "Stromal vascular fraction (autologous)",
    ProductType.ADSC_CULTURED: "Adipose-derived stem cells, culture-expanded (autologous)",
    ProductType.CORD_MSC: "Umbilical cord MSC (allogeneic)",
    ProductType.CORD_BLOOD: "Cord blood cells (allogeneic)",
    ProductType.PRP: "Platelet-rich plasma (autologous)",
}


class Acceptance(StrEnum):
    """How a result is compared with its limit."""

    MIN = "min"  # value >= minimum
    MAX = "max"  # value <= maximum
    RANGE = "range"  # minimum <= value <= maximum (a missing bound is not checked)
    EQUALS = "equals"  # a qualitative result equals the expected text
    NEGATIVE = "negative"  # qualitative: "negative"
    NO_GROWTH = "no_growth"  # qualitative: "no growth"


QUALITATIVE = frozenset({Acceptance.EQUALS, Acceptance.NEGATIVE, Acceptance.NO_GROWTH})
NEGATIVE_WORDS = frozenset({"negative", "not detected", "none detected"})
NO_GROWTH_WORDS = frozenset({"no growth", "no growth detected", "sterile"})


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"


@dataclass(frozen=True)
class QcTest:
    """One test of a specification."""

    code: str
    name: str
    unit: str  # "" for qualitative results
    method: str
    acceptance: Acceptance
    required: bool = True
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    expected: str = ""  # for EQUALS
    source: str = RELEASE_TESTS
    verified: bool = True

    def __post_init__(self) -> None:
        if not self.code or not self.code.replace("_", "").isalnum():
            raise ValueError(f"A test code is letters, digits and '_' (got {self.code!r})")
        for name in ("minimum", "maximum"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                    raise ValueError(f"{self.code}: {name} must be a number")
                number = Decimal(str(value))
                if not number.is_finite():
                    raise ValueError(f"{self.code}: {name} must be a finite number")
                object.__setattr__(self, name, number)
        if self.acceptance is Acceptance.MIN and self.minimum is None:
            raise ValueError(f"{self.code}: a minimum rule needs a minimum")
        if self.acceptance is Acceptance.MAX and self.maximum is None:
            raise ValueError(f"{self.code}: a maximum rule needs a maximum")
        if (
            self.acceptance is Acceptance.RANGE
            and self.minimum is not None
            and self.maximum is not None
            and self.minimum > self.maximum
        ):
            raise ValueError(f"{self.code}: the minimum is above the maximum")
        if self.acceptance is Acceptance.EQUALS and not self.expected.strip():
            raise ValueError(f"{self.code}: an equals rule needs the expected result")

    @property
    def is_qualitative(self) -> bool:
        return self.acceptance in QUALITATIVE

    @property
    def units_accepted(self) -> tuple[str, ...]:
        """Units a result may be entered in: endotoxin also in EU/mL, converted per kg."""
        if self.unit == EU_PER_KG:
            return (EU_PER_ML, EU_PER_KG)
        return (self.unit,)

    @property
    def rule_text(self) -> str:
        """The acceptance rule in words, e.g. '>= 70 %'."""
        unit = f" {self.unit}" if self.unit else ""
        if self.acceptance is Acceptance.MIN:
            return f">= {_num(self.minimum)}{unit}"
        if self.acceptance is Acceptance.MAX:
            return f"<= {_num(self.maximum)}{unit}"
        if self.acceptance is Acceptance.RANGE:
            if self.minimum is None and self.maximum is None:
                return "recorded (no limits set)"
            if self.minimum is None:
                return f"<= {_num(self.maximum)}{unit}"
            if self.maximum is None:
                return f">= {_num(self.minimum)}{unit}"
            return f"{_num(self.minimum)} to {_num(self.maximum)}{unit}"
        if self.acceptance is Acceptance.NEGATIVE:
            return "negative"
        if self.acceptance is Acceptance.NO_GROWTH:
            return "no growth"
        return f"= {self.expected}"

    def to_data(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "method": self.method,
            "acceptance": self.acceptance.value,
            "required": self.required,
            "minimum": None if self.minimum is None else str(self.minimum),
            "maximum": None if self.maximum is None else str(self.maximum),
            "expected": self.expected,
            "source": self.source,
            "verified": self.verified,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> QcTest:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            unit=str(data.get("unit", "")),
            method=str(data.get("method", "")),
            acceptance=Acceptance(data["acceptance"]),
            required=bool(data.get("required", True)),
            minimum=None if data.get("minimum") is None else Decimal(str(data["minimum"])),
            maximum=None if data.get("maximum") is None else Decimal(str(data["maximum"])),
            expected=str(data.get("expected", "")),
            source=str(data.get("source", "")),
            verified=bool(data.get("verified", True)),
        )


def _num(value: Decimal | None) -> str:
    if value is None:
        return "?"
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class QcSpec:
    """The release specification of one product type."""

    product_type: ProductType
    tests: tuple[QcTest, ...]
    version: str = "default"

    def __post_init__(self) -> None:
        codes = [t.code for t in self.tests]
        if len(set(codes)) != len(codes):
            raise ValueError("Test codes of a specification must be unique")

    def test(self, code: str) -> QcTest:
        for t in self.tests:
            if t.code == code:
                return t
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.tests)

    def with_changes(self, changes: Mapping[str, Mapping[str, Any]], *, version: str) -> QcSpec:
        """A copy with tests changed: {code: {"required": bool, "minimum": x, "maximum": y,
        "expected": s}}. Raises ValueError for an unknown test or an impossible rule."""
        allowed = {"required", "minimum", "maximum", "expected", "method"}
        tests = []
        for t in self.tests:
            change = dict(changes.get(t.code, {}))
            unknown = set(change) - allowed
            if unknown:
                raise ValueError(f"{t.code}: cannot change {', '.join(sorted(unknown))}")
            tests.append(replace(t, **change))
        missing = set(changes) - set(self.codes)
        if missing:
            raise ValueError(f"Unknown tests: {', '.join(sorted(missing))}")
        return QcSpec(self.product_type, tuple(tests), version)

    def to_data(self) -> list[dict[str, Any]]:
        return [t.to_data() for t in self.tests]

    @classmethod
    def from_data(
        cls, product_type: ProductType, data: Iterable[Mapping[str, Any]], *, version: str
    ) -> QcSpec:
        return cls(product_type, tuple(QcTest.from_data(d) for d in data), version)


@dataclass(frozen=True)
class QcResult:
    """One result as entered: a number with its unit, or a qualitative text."""

    code: str
    unit: str = ""
    value: Decimal | None = None
    text: str = ""
    method: str = ""


@dataclass(frozen=True)
class DoseContext:
    """What the endotoxin limit per kg needs: the dose volume and the recipient's weight."""

    volume_ml: Decimal | None = None
    body_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class TestEvaluation:
    test: QcTest
    verdict: Verdict
    reason: str
    result: QcResult | None = None
    shown: str = ""  # the value compared, e.g. "3.2 EU/kg (0.8 EU/mL x 20 mL / 5 kg)"

    @property
    def blocks_release(self) -> bool:
        return self.test.required and self.verdict is not Verdict.PASS


@dataclass(frozen=True)
class QcEvaluation:
    """Every test of a specification against the results; releasable when every required test
    passes."""

    spec_version: str
    tests: tuple[TestEvaluation, ...]
    extra_blocks: tuple[str, ...] = field(default=())  # e.g. donor eligibility incomplete

    @property
    def releasable(self) -> bool:
        return not self.blocking and not self.extra_blocks

    @property
    def blocking(self) -> tuple[TestEvaluation, ...]:
        return tuple(t for t in self.tests if t.blocks_release)

    @property
    def failed(self) -> tuple[TestEvaluation, ...]:
        return tuple(t for t in self.tests if t.verdict is Verdict.FAIL)

    @property
    def pending(self) -> tuple[TestEvaluation, ...]:
        return tuple(t for t in self.tests if t.verdict is Verdict.PENDING)

    @property
    def has_failure(self) -> bool:
        return any(t.blocks_release and t.verdict is Verdict.FAIL for t in self.tests)

    @property
    def summary(self) -> str:
        if self.releasable:
            return "Every required test passed: releasable."
        parts = [
            f"{t.test.name}: {'failed' if t.verdict is Verdict.FAIL else 'pending'}"
            for t in self.blocking
        ]
        parts += list(self.extra_blocks)
        return "Not releasable. " + "; ".join(parts) + "."


def endotoxin_per_kg(eu_per_ml: Decimal, volume_ml: Decimal, body_weight_kg: Decimal) -> Decimal:
    """EU/kg for the dose: EU/mL x dose volume (mL) / body weight (kg), clinical reference §6."""
    if body_weight_kg <= 0:
        raise ValueError("The body weight must be above 0 kg")
    if volume_ml < 0 or eu_per_ml < 0:
        raise ValueError("The volume and the endotoxin concentration cannot be negative")
    return eu_per_ml * volume_ml / body_weight_kg


def _words(text: str) -> str:
    return " ".join(text.strip().lower().replace("-", " ").split())


def _evaluate_one(test: QcTest, result: QcResult | None, dose: DoseContext) -> TestEvaluation:
    if result is None:
        return TestEvaluation(test, Verdict.PENDING, "No result yet.")
    if test.is_qualitative:
        said = _words(result.text)
        if not said:
            return TestEvaluation(test, Verdict.PENDING, "The result has no text.", result)
        if test.acceptance is Acceptance.NEGATIVE:
            ok = said in NEGATIVE_WORDS
        elif test.acceptance is Acceptance.NO_GROWTH:
            ok = said in NO_GROWTH_WORDS
        else:
            ok = said == _words(test.expected)
        verdict = Verdict.PASS if ok else Verdict.FAIL
        reason = f"'{result.text.strip()}' against {test.rule_text}."
        return TestEvaluation(test, verdict, reason, result, result.text.strip())
    if result.value is None:
        return TestEvaluation(test, Verdict.PENDING, "The result has no value.", result)
    value = result.value
    shown = f"{_num(value)} {result.unit}".strip()
    if result.unit not in test.units_accepted:
        return TestEvaluation(
            test,
            Verdict.PENDING,
            f"Entered in {result.unit or 'no unit'}; the limit is in {test.unit}: "
            "enter the result in the specification's unit.",
            result,
            shown,
        )
    if test.unit == EU_PER_KG and result.unit == EU_PER_ML:
        if dose.volume_ml is None or dose.body_weight_kg is None or dose.body_weight_kg <= 0:
            return TestEvaluation(
                test,
                Verdict.PENDING,
                "EU/mL entered: the dose volume and the recipient's body weight are needed to "
                "compute EU/kg.",
                result,
                shown,
            )
        per_kg = endotoxin_per_kg(value, dose.volume_ml, dose.body_weight_kg)
        shown = (
            f"{_num(per_kg.quantize(Decimal('0.001')))} EU/kg ({_num(value)} EU/mL x "
            f"{_num(dose.volume_ml)} mL / {_num(dose.body_weight_kg)} kg)"
        )
        value = per_kg
    low, high = test.minimum, test.maximum
    if test.acceptance is Acceptance.MIN:
        high = None
    if test.acceptance is Acceptance.MAX:
        low = None
    ok = (low is None or value >= low) and (high is None or value <= high)
    verdict = Verdict.PASS if ok else Verdict.FAIL
    return TestEvaluation(test, verdict, f"{shown} against {test.rule_text}.", result, shown)


def evaluate(
    spec: QcSpec,
    results: Mapping[str, QcResult] | Sequence[QcResult],
    *,
    dose: DoseContext | None = None,
    extra_blocks: Iterable[str] = (),
) -> QcEvaluation:
    """Evaluate the results against a specification.

    ``results`` maps test codes to the result that counts (the latest), or is a sequence in
    the order entered, of which the last per test counts. Results for tests the specification
    does not have are ignored. ``extra_blocks`` are other reasons the unit cannot be released
    (e.g. the donor's eligibility is incomplete)."""
    if isinstance(results, Mapping):
        latest = dict(results)
    else:
        latest = {}
        for r in results:
            latest[r.code] = r
    context = dose or DoseContext()
    return QcEvaluation(
        spec_version=spec.version,
        tests=tuple(_evaluate_one(t, latest.get(t.code), context) for t in spec.tests),
        extra_blocks=tuple(extra_blocks),
    )


# --------------------------------------------------------------------------------------------
# Default specifications (clinical reference §6)


def _viability(*, verified: bool) -> QcTest:
    return QcTest(
        code="viability",
        name="Viability",
        unit="%",
        method="Trypan blue exclusion or 7-AAD flow cytometry",
        acceptance=Acceptance.MIN,
        minimum=Decimal(70),
        source=RELEASE_TESTS if verified else UNVERIFIED_SVF,
        verified=verified,
    )


def _cell_dose() -> QcTest:
    return QcTest(
        code="cell_dose",
        name="Viable cell dose",
        unit="x10^6 cells",
        method="Automated or haemocytometer count of viable nucleated cells",
        acceptance=Acceptance.RANGE,
        required=True,
        source=NO_FIGURE,
        verified=False,
    )


STERILITY = QcTest(
    code="sterility",
    name="Sterility (aerobic, anaerobic, fungal culture)",
    unit="",
    method="Culture, aerobic + anaerobic + fungal",
    acceptance=Acceptance.NO_GROWTH,
)
GRAM_STAIN = QcTest(
    code="gram_stain",
    name="Gram stain (rapid)",
    unit="",
    method="Gram stain",
    acceptance=Acceptance.NEGATIVE,
    required=False,
)
MYCOPLASMA = QcTest(
    code="mycoplasma",
    name="Mycoplasma",
    unit="",
    method="PCR or culture",
    acceptance=Acceptance.NEGATIVE,
)
ENDOTOXIN = QcTest(
    code="endotoxin",
    name="Endotoxin",
    unit=EU_PER_KG,
    method="LAL (kinetic chromogenic); entered in EU/mL",
    acceptance=Acceptance.MAX,
    maximum=ENDOTOXIN_MAX_EU_PER_KG,
)


def dominici_markers(*, required: bool = True) -> tuple[QcTest, ...]:
    """MSC identity by flow cytometry (Dominici 2006): >= 95% positive, <= 2% negative."""
    positive = tuple(
        QcTest(
            code=f"{m.lower()}_positive",
            name=f"{m} positive cells",
            unit="%",
            method="Flow cytometry",
            acceptance=Acceptance.MIN,
            minimum=Decimal(95),
            required=required,
            source=DOMINICI,
        )
        for m in ("CD105", "CD73", "CD90")
    )
    negative = tuple(
        QcTest(
            code=code,
            name=f"{label} positive cells",
            unit="%",
            method="Flow cytometry",
            acceptance=Acceptance.MAX,
            maximum=Decimal(2),
            required=required,
            source=DOMINICI,
        )
        for code, label in (
            ("cd45_positive", "CD45"),
            ("cd34_positive", "CD34"),
            ("cd14_or_cd11b_positive", "CD14 or CD11b"),
            ("cd79a_or_cd19_positive", "CD79a or CD19"),
            ("hla_dr_positive", "HLA-DR"),
        )
    )
    # Characterisation of the cells rather than a per-lot release test: recorded, not required.
    other = (
        QcTest(
            code="plastic_adherence",
            name="Plastic adherence",
            unit="",
            method="Culture observation",
            acceptance=Acceptance.EQUALS,
            expected="adherent",
            required=False,
            source=DOMINICI,
        ),
        QcTest(
            code="trilineage",
            name="Tri-lineage differentiation in vitro",
            unit="",
            method="Osteo-, adipo-, chondrogenic induction",
            acceptance=Acceptance.EQUALS,
            expected="demonstrated",
            required=False,
            source=DOMINICI,
        ),
    )
    return positive + negative + other


def bourin_markers(*, required: bool = True) -> tuple[QcTest, ...]:
    """Cultured ASC identity (Bourin 2013): CD90, CD73, CD105, CD44, CD36 positive; CD45, CD31,
    CD106 negative. Percentages are Dominici's, unverified for ASC: configurable."""
    positive = tuple(
        QcTest(
            code=f"{m.lower()}_positive",
            name=f"{m} positive cells",
            unit="%",
            method="Flow cytometry",
            acceptance=Acceptance.MIN,
            minimum=Decimal(95),
            required=required,
            source=BOURIN_CUTOFF,
            verified=False,
        )
        for m in ("CD90", "CD73", "CD105", "CD44", "CD36")
    )
    negative = tuple(
        QcTest(
            code=f"{m.lower()}_positive",
            name=f"{m} positive cells",
            unit="%",
            method="Flow cytometry",
            acceptance=Acceptance.MAX,
            maximum=Decimal(2),
            required=required,
            source=BOURIN_CUTOFF,
            verified=False,
        )
        for m in ("CD45", "CD31", "CD106")
    )
    return positive + negative


def _platelets() -> QcTest:
    return QcTest(
        code="platelet_count",
        name="Platelet count of the preparation",
        unit="x10^9/L",
        method="Haematology analyser",
        acceptance=Acceptance.RANGE,
        required=False,
        source="Clinical reference §6: platelet count of the preparation, if measured",
        verified=False,
    )


DEFAULT_SPECS: dict[ProductType, QcSpec] = {
    # Fresh SVF: numeric thresholds unverified (clinical reference §6); identity, where done,
    # by the ASC markers (not required for a fresh, uncultured fraction).
    ProductType.SVF: QcSpec(
        ProductType.SVF,
        (
            _cell_dose(),
            _viability(verified=False),
            STERILITY,
            GRAM_STAIN,
            ENDOTOXIN,
        ),
    ),
    ProductType.ADSC_CULTURED: QcSpec(
        ProductType.ADSC_CULTURED,
        (
            _cell_dose(),
            _viability(verified=True),
            STERILITY,
            GRAM_STAIN,
            MYCOPLASMA,
            ENDOTOXIN,
            *bourin_markers(),
        ),
    ),
    ProductType.CORD_MSC: QcSpec(
        ProductType.CORD_MSC,
        (
            _cell_dose(),
            _viability(verified=True),
            STERILITY,
            GRAM_STAIN,
            MYCOPLASMA,
            ENDOTOXIN,
            *dominici_markers(),
        ),
    ),
    ProductType.CORD_BLOOD: QcSpec(
        ProductType.CORD_BLOOD,
        (_cell_dose(), _viability(verified=True), STERILITY, GRAM_STAIN),
    ),
    ProductType.PRP: QcSpec(ProductType.PRP, (_platelets(),)),
}


def default_spec(product_type: ProductType) -> QcSpec:
    return DEFAULT_SPECS[product_type]


# --------------------------------------------------------------------------------------------
# Identity by markers, on its own (Dominici / Bourin)


@dataclass(frozen=True)
class IdentityVerdict:
    meets: bool
    reasons: tuple[str, ...]


def msc_identity(percent_positive: Mapping[str, Decimal | float | int]) -> IdentityVerdict:
    """Whether flow cytometry results meet Dominici's marker criteria. Keys are marker names
    ('CD105', 'CD14 or CD11b', ...); a missing marker fails the criteria."""
    return _identity(dominici_markers(), percent_positive)


def asc_identity(percent_positive: Mapping[str, Decimal | float | int]) -> IdentityVerdict:
    """Whether flow cytometry results meet the Bourin ASC markers (with Dominici's cut-offs)."""
    return _identity(bourin_markers(), percent_positive)


def _identity(
    tests: tuple[QcTest, ...], percent_positive: Mapping[str, Decimal | float | int]
) -> IdentityVerdict:
    reasons = []
    for test in tests:
        if test.unit != "%":
            continue
        marker = test.name.removesuffix(" positive cells")
        raw = percent_positive.get(marker)
        if raw is None:
            reasons.append(f"{marker} not measured")
            continue
        verdict = _evaluate_one(
            test, QcResult(test.code, "%", Decimal(str(raw))), DoseContext()
        ).verdict
        if verdict is not Verdict.PASS:
            reasons.append(f"{marker} {Decimal(str(raw))}% is not {test.rule_text}")
    return IdentityVerdict(not reasons, tuple(reasons))
