"""The clinical core's QC texts in the page's language (biologics/qc_text.py): in English they
say exactly what the core says; in Urdu no default text is left in English."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.biologics import qc_text
from scarclinic.clinical.qc import (
    Acceptance,
    ProductType,
    QcEvaluation,
    QcTest,
    TestEvaluation,
    Verdict,
    default_spec,
)

# Units and codes that are symbols in every language.
SYMBOLS = {"%", "EU/kg", "EU/mL", "x10^9/L"}
DEFAULT_TESTS = [t for p in ProductType for t in default_spec(p).tests]

limits = st.none() | st.decimals(min_value=0, max_value=10_000, places=2)
tests = st.builds(
    QcTest,
    code=st.just("t"),
    name=st.sampled_from([t.name for t in DEFAULT_TESTS] + ["The clinic's own test"]),
    unit=st.sampled_from(["", "%", "x10^6 cells", "EU/kg"]),
    method=st.just(""),
    acceptance=st.sampled_from(Acceptance),
    required=st.booleans(),
    minimum=limits,
    maximum=limits,
    expected=st.sampled_from(["adherent", "demonstrated"]),
)
evaluations = st.builds(
    QcEvaluation,
    spec_version=st.just("v1"),
    tests=st.lists(
        st.builds(TestEvaluation, test=tests, verdict=st.sampled_from(Verdict), reason=st.just("")),
        max_size=4,
    ).map(tuple),
    extra_blocks=st.lists(
        st.sampled_from(
            [
                "Donor eligibility: ineligible",
                "Donor eligibility: determination incomplete",
                "Received in unacceptable condition",
                "Expired",
            ]
        ),
        max_size=2,
    ).map(tuple),
)


@settings(max_examples=60)
@given(test=tests)
def test_the_rule_says_in_english_what_the_core_says(test: QcTest) -> None:
    with translation.override("en"):
        assert qc_text.rule_text(test) == test.rule_text


@settings(max_examples=60)
@given(evaluation=evaluations)
def test_the_summary_says_in_english_what_the_core_says(evaluation: QcEvaluation) -> None:
    with translation.override("en"):
        assert qc_text.summary_text(evaluation) == evaluation.summary


def test_every_text_of_the_default_specifications_has_an_urdu_translation() -> None:
    texts = {t.name for t in DEFAULT_TESTS} | {t.method for t in DEFAULT_TESTS}
    texts |= {t.source for t in DEFAULT_TESTS} | {t.expected for t in DEFAULT_TESTS}
    texts |= {t.unit for t in DEFAULT_TESTS}
    texts -= SYMBOLS | {""}
    with translation.override("ur"):
        untranslated = sorted(t for t in texts if qc_text.qc_text(t) == t)
    assert not untranslated


def test_a_blocked_unit_is_summed_up_in_urdu_with_the_markers_kept() -> None:
    marker = QcTest(
        code="cd90",
        name="CD90 positive cells",
        unit="%",
        method="",
        acceptance=Acceptance.MIN,
        minimum=Decimal(80),
    )
    evaluation = QcEvaluation(
        "v1", (TestEvaluation(marker, Verdict.FAIL, ""),), ("Donor eligibility: ineligible",)
    )
    with translation.override("ur"):
        summary = qc_text.summary_text(evaluation)
    assert summary == "اجراء کے قابل نہیں: CD90 مثبت خلیات: ناکام؛ عطیہ دہندہ کی اہلیت: نااہل۔"


def test_a_name_the_clinic_typed_is_shown_as_typed() -> None:
    with translation.override("ur"):
        assert qc_text.qc_text("Our own potency assay") == "Our own potency assay"
