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
    Verdict,
    default_spec,
)
from scarclinic.clinical.qc import (
    TestEvaluation as Evaluated,
)

# Units and codes that are symbols in every language.
SYMBOLS = {"%", "EU/kg", "EU/mL", "x10^9/L"}
DEFAULT_TESTS = [t for p in ProductType for t in default_spec(p).tests]

limits = st.none() | st.decimals(min_value=0, max_value=10_000, places=2)


@st.composite
def qc_tests(draw: st.DrawFn) -> QcTest:
    """A valid test of a specification (the core refuses a rule without its limit)."""
    acceptance = draw(st.sampled_from(Acceptance))
    low, high = sorted(draw(st.tuples(limits, limits)), key=lambda v: (v is None, v))
    if draw(st.booleans()):
        low, high = high, low
    if acceptance is Acceptance.MIN and low is None:
        low = Decimal(1)
    if acceptance is Acceptance.MAX and high is None:
        high = Decimal(1)
    if acceptance is Acceptance.RANGE and low is not None and high is not None and low > high:
        low, high = high, low
    return QcTest(
        code="t",
        name=draw(st.sampled_from([t.name for t in DEFAULT_TESTS] + ["The clinic's own test"])),
        unit=draw(st.sampled_from(["", "%", "x10^6 cells", "EU/kg"])),
        method="",
        acceptance=acceptance,
        required=draw(st.booleans()),
        minimum=low,
        maximum=high,
        expected=draw(st.sampled_from(["adherent", "demonstrated"])),
    )


evaluations = st.builds(
    QcEvaluation,
    spec_version=st.just("v1"),
    tests=st.lists(
        st.builds(Evaluated, test=qc_tests(), verdict=st.sampled_from(Verdict), reason=st.just("")),
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
@given(test=qc_tests())
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
        "v1", (Evaluated(marker, Verdict.FAIL, ""),), ("Donor eligibility: ineligible",)
    )
    with translation.override("ur"):
        summary = qc_text.summary_text(evaluation)
    assert summary == "اجراء کے قابل نہیں: CD90 مثبت خلیات: ناکام؛ عطیہ دہندہ کی اہلیت: نااہل۔"


def test_a_name_the_clinic_typed_is_shown_as_typed() -> None:
    with translation.override("ur"):
        assert qc_text.qc_text("Our own potency assay") == "Our own potency assay"
