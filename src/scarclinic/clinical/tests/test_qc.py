"""QC release specifications and their evaluation, tested from clinical reference §6."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.qc import (
    DEFAULT_SPECS,
    ENDOTOXIN_MAX_EU_PER_KG,
    Acceptance,
    DoseContext,
    ProductType,
    QcResult,
    QcSpec,
    QcTest,
    Verdict,
    asc_identity,
    default_spec,
    endotoxin_per_kg,
    evaluate,
    msc_identity,
)

D = Decimal
CORD = default_spec(ProductType.CORD_MSC)
DOSE = DoseContext(volume_ml=D(2), body_weight_kg=D(60))
DOMINICI_PASS = {
    "cd105_positive": 98,
    "cd73_positive": 99,
    "cd90_positive": 97,
    "cd45_positive": 0.5,
    "cd34_positive": 1,
    "cd14_or_cd11b_positive": 0.4,
    "cd79a_or_cd19_positive": 0.3,
    "hla_dr_positive": 1.2,
}


def passing_cord_results(**changes: QcResult) -> dict[str, QcResult]:
    results = {
        "cell_dose": QcResult("cell_dose", "x10^6 cells", D(20)),
        "viability": QcResult("viability", "%", D(92)),
        "sterility": QcResult("sterility", text="No growth"),
        "mycoplasma": QcResult("mycoplasma", text="Negative"),
        "endotoxin": QcResult("endotoxin", "EU/mL", D("0.5")),
    }
    results |= {code: QcResult(code, "%", D(str(v))) for code, v in DOMINICI_PASS.items()}
    return results | changes


def test_a_cord_msc_unit_with_every_required_result_passing_is_releasable() -> None:
    evaluation = evaluate(CORD, passing_cord_results(), dose=DOSE)
    assert evaluation.releasable
    assert evaluation.summary == "Every required test passed: releasable."
    # Characterisation tests are recorded, not required: still pending, not blocking.
    assert {t.test.code for t in evaluation.pending} == {
        "gram_stain",
        "plastic_adherence",
        "trilineage",
    }


def test_release_is_refused_while_sterility_is_pending() -> None:
    results = passing_cord_results()
    del results["sterility"]
    evaluation = evaluate(CORD, results, dose=DOSE)
    assert not evaluation.releasable
    (blocking,) = evaluation.blocking
    assert (blocking.test.code, blocking.verdict) == ("sterility", Verdict.PENDING)
    assert "Sterility" in evaluation.summary and "pending" in evaluation.summary


def test_growth_in_the_sterility_culture_fails_it() -> None:
    evaluation = evaluate(
        CORD,
        passing_cord_results(sterility=QcResult("sterility", text="Growth: S. epidermidis")),
        dose=DOSE,
    )
    assert [t.test.code for t in evaluation.failed] == ["sterility"]
    assert evaluation.has_failure and not evaluation.releasable


@pytest.mark.parametrize(
    ("viability", "verdict"), [(D(70), Verdict.PASS), (D("69.9"), Verdict.FAIL)]
)
def test_viability_passes_at_70_percent_and_fails_below(
    viability: Decimal, verdict: Verdict
) -> None:
    evaluation = evaluate(
        CORD, passing_cord_results(viability=QcResult("viability", "%", viability)), dose=DOSE
    )
    assert next(t for t in evaluation.tests if t.test.code == "viability").verdict is verdict


def test_endotoxin_in_eu_per_ml_is_converted_to_eu_per_kg_from_the_volume_and_weight() -> None:
    # 10 EU/mL x 20 mL / 50 kg = 4 EU/kg <= 5: pass; 15 EU/mL -> 6 EU/kg: fail.
    assert endotoxin_per_kg(D(10), D(20), D(50)) == D(4)
    dose = DoseContext(volume_ml=D(20), body_weight_kg=D(50))
    ok = evaluate(
        CORD, passing_cord_results(endotoxin=QcResult("endotoxin", "EU/mL", D(10))), dose=dose
    )
    bad = evaluate(
        CORD, passing_cord_results(endotoxin=QcResult("endotoxin", "EU/mL", D(15))), dose=dose
    )
    assert ok.releasable
    (endotoxin,) = bad.failed
    assert endotoxin.shown == "6 EU/kg (15 EU/mL x 20 mL / 50 kg)"


def test_endotoxin_in_eu_per_ml_stays_pending_without_the_body_weight() -> None:
    evaluation = evaluate(CORD, passing_cord_results(), dose=DoseContext(volume_ml=D(2)))
    (blocking,) = evaluation.blocking
    assert blocking.test.code == "endotoxin" and blocking.verdict is Verdict.PENDING
    assert "body weight" in blocking.reason


@settings(max_examples=200)
@given(
    st.decimals(min_value=0, max_value=1000, places=2),
    st.decimals(min_value=0, max_value=100, places=1),
    st.decimals(min_value=1, max_value=200, places=1),
)
def test_endotoxin_passes_exactly_when_eu_per_kg_is_at_most_five(
    eu_per_ml: Decimal, volume: Decimal, weight: Decimal
) -> None:
    evaluation = evaluate(
        CORD,
        passing_cord_results(endotoxin=QcResult("endotoxin", "EU/mL", eu_per_ml)),
        dose=DoseContext(volume_ml=volume, body_weight_kg=weight),
    )
    endotoxin = next(t for t in evaluation.tests if t.test.code == "endotoxin")
    expected = (
        Verdict.PASS if eu_per_ml * volume / weight <= ENDOTOXIN_MAX_EU_PER_KG else Verdict.FAIL
    )
    assert endotoxin.verdict is expected


def test_a_result_in_another_unit_is_not_compared_and_stays_pending() -> None:
    evaluation = evaluate(
        CORD, passing_cord_results(viability=QcResult("viability", "fraction", D("0.9"))), dose=DOSE
    )
    viability = next(t for t in evaluation.tests if t.test.code == "viability")
    assert viability.verdict is Verdict.PENDING and "unit" in viability.reason


def test_the_last_result_entered_for_a_test_is_the_one_that_counts() -> None:
    results = list(passing_cord_results().values()) + [QcResult("mycoplasma", text="Positive")]
    assert [t.test.code for t in evaluate(CORD, results, dose=DOSE).failed] == ["mycoplasma"]


def test_dominici_markers_need_95_percent_positive_and_at_most_2_percent_negative() -> None:
    assert msc_identity(
        {
            "CD105": 96,
            "CD73": 95,
            "CD90": 99,
            "CD45": 2,
            "CD34": 1,
            "CD14 or CD11b": 0,
            "CD79a or CD19": 0,
            "HLA-DR": 1,
        }
    ).meets
    verdict = msc_identity({"CD105": 94, "CD73": 99, "CD90": 99, "CD45": 3})
    assert not verdict.meets
    assert "CD105 94% is not >= 95 %" in verdict.reasons
    assert "CD45 3% is not <= 2 %" in verdict.reasons
    assert "HLA-DR not measured" in verdict.reasons


def test_bourin_asc_markers_include_cd36_positive_and_cd106_negative_and_are_unverified() -> None:
    spec = default_spec(ProductType.ADSC_CULTURED)
    codes = set(spec.codes)
    assert {"cd36_positive", "cd106_positive", "cd44_positive", "cd31_positive"} <= codes
    assert spec.test("cd106_positive").acceptance is Acceptance.MAX
    assert not spec.test("cd36_positive").verified
    assert not asc_identity(
        {
            "CD90": 99,
            "CD73": 99,
            "CD105": 99,
            "CD44": 99,
            "CD36": 99,
            "CD45": 1,
            "CD31": 1,
            "CD106": 40,
        }
    ).meets


def test_svf_numeric_thresholds_are_marked_unverified_and_cite_their_source() -> None:
    viability = default_spec(ProductType.SVF).test("viability")
    assert not viability.verified and "unverified" in viability.source
    assert default_spec(ProductType.CORD_MSC).test("viability").verified


def test_the_cell_dose_has_no_limits_until_the_clinic_sets_them() -> None:
    spec = default_spec(ProductType.SVF)
    dose = spec.test("cell_dose")
    assert (dose.minimum, dose.maximum, dose.rule_text) == (None, None, "recorded (no limits set)")
    set_ = spec.with_changes({"cell_dose": {"minimum": D(5), "maximum": D(50)}}, version="2")
    assert set_.test("cell_dose").rule_text == "5 to 50 x10^6 cells"
    low = evaluate(set_, {"cell_dose": QcResult("cell_dose", "x10^6 cells", D(4))})
    assert next(t for t in low.tests if t.test.code == "cell_dose").verdict is Verdict.FAIL


def test_a_specification_refuses_changes_that_make_no_sense() -> None:
    spec = default_spec(ProductType.CORD_MSC)
    with pytest.raises(ValueError, match="minimum is above the maximum"):
        spec.with_changes({"cell_dose": {"minimum": D(10), "maximum": D(1)}}, version="x")
    with pytest.raises(ValueError, match="Unknown tests"):
        spec.with_changes({"nonsense": {"required": False}}, version="x")
    with pytest.raises(ValueError, match="cannot change"):
        spec.with_changes({"viability": {"unit": "fraction"}}, version="x")
    with pytest.raises(ValueError, match="needs a minimum"):
        spec.with_changes({"viability": {"minimum": None}}, version="x")


def test_a_test_that_is_not_required_never_blocks_release() -> None:
    spec = QcSpec(
        ProductType.PRP,
        (QcTest("platelet_count", "Platelets", "x10^9/L", "", Acceptance.RANGE, required=False),),
    )
    assert evaluate(spec, {}).releasable


def test_a_specification_survives_a_round_trip_through_its_stored_form() -> None:
    for spec in DEFAULT_SPECS.values():
        again = QcSpec.from_data(spec.product_type, spec.to_data(), version=spec.version)
        assert again == spec


def test_other_reasons_block_release_even_when_every_test_passes() -> None:
    evaluation = evaluate(
        CORD, passing_cord_results(), dose=DOSE, extra_blocks=["Donor eligibility is incomplete"]
    )
    assert not evaluation.releasable
    assert "Donor eligibility is incomplete" in evaluation.summary


qualitative = st.sampled_from(["negative", "Negative", "not detected", "positive", "equivocal", ""])


@given(qualitative)
def test_only_a_negative_word_passes_a_negative_rule(text: str) -> None:
    evaluation = evaluate(CORD, {"mycoplasma": QcResult("mycoplasma", text=text)})
    verdict = next(t for t in evaluation.tests if t.test.code == "mycoplasma").verdict
    if not text:
        assert verdict is Verdict.PENDING
    else:
        assert (verdict is Verdict.PASS) == (text.lower() in {"negative", "not detected"})
