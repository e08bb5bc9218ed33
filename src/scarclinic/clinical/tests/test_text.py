"""The clinical core's texts: messages that render the old English exactly, survive JSON, and
have an Urdu translation in the clinical catalogue, with the same placeholders."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.candidacy import (
    DEFAULT_RULES,
    DEFAULT_THRESHOLDS,
    ScreeningInput,
    describe_span,
    span_between,
)
from scarclinic.clinical.evidence import CATALOGUE, EVIDENCE, Modality
from scarclinic.clinical.history import AcneSeverity, IsotretinoinStatus, MedicalHistory
from scarclinic.clinical.morphology import Morphology
from scarclinic.clinical.profile import Labs, ScarProfile
from scarclinic.clinical.recommend import COMBINATIONS, ClinicOutcome, recommend
from scarclinic.clinical.tests.legacy_reasons import LEGACY_CONDITIONS
from scarclinic.clinical.tests.test_candidacy import days, histories, labs_values, profiles
from scarclinic.clinical.text import (
    ENGLISH,
    Joined,
    Message,
    Param,
    Span,
    Term,
    from_json,
    render,
    texts,
    to_json,
)

CLINICAL = Path(__file__).resolve().parents[1]
CATALOGUE_PO = CLINICAL / "locale" / "ur" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (no Django: the clinical core's tests stay pure)."""
    entries = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            key = "".join(re.findall(r'"(.*)"', msgid.group(1)))
            value = "".join(re.findall(r'"(.*)"', msgstr.group(1)))
            entries[key.replace('\\"', '"')] = value.replace('\\"', '"')
    entries.pop("", None)
    return entries


URDU = _po(CATALOGUE_PO)


class _Urdu:
    """Renders with the catalogue; an untranslated text fails the test at once."""

    def translate(self, text: str) -> str:
        assert text in URDU, f"No Urdu for {text!r}"
        return URDU[text]

    def date(self, day: date) -> str:
        return day.strftime("%d/%m/%Y")

    def number(self, value: int | float | Decimal) -> str:
        return str(value)


URDU_FORMAT = _Urdu()


@st.composite
def screening_inputs(draw: st.DrawFn) -> ScreeningInput:
    history: MedicalHistory = draw(histories())
    history = replace(
        history,
        active_acne=draw(st.booleans()),
        acne_severity=draw(st.sampled_from(AcneSeverity)),
        keloid_tendency=draw(st.booleans()),
    )
    return ScreeningInput(history, draw(profiles), draw(labs_values), draw(days))


thresholds = st.fixed_dictionaries(
    {
        "isotretinoin_months": st.integers(0, 60),
        "platelet_min_10e9_per_l": st.sampled_from([100, 150.5, 80.0]),
        "fitzpatrick_caution_from": st.integers(1, 6),
        "pmma_collagen_age_over": st.integers(0, 120),
        "cell_therapy_min_grade": st.integers(1, 4),
    }
)


@settings(max_examples=150, deadline=None)
@given(screening_inputs(), thresholds)
def test_every_finding_renders_in_english_exactly_as_the_old_reason_did(
    given_input: ScreeningInput, overrides: dict[str, float]
) -> None:
    values = DEFAULT_RULES.with_changes(thresholds=overrides).effective_thresholds()
    assert set(LEGACY_CONDITIONS) == {r.id for r in DEFAULT_RULES.rules}
    for rule in DEFAULT_RULES.rules:
        new = rule.condition(given_input, values)
        old = LEGACY_CONDITIONS[rule.id](given_input, values)
        assert (new is None) == (old is None), rule.id
        if new is not None and old is not None:
            assert new.reason == old.reason, rule.id
            assert new.until == old.until, rule.id
            # ... and it has an Urdu translation with the same placeholders.
            assert "%(" not in render(new.text, URDU_FORMAT)


def test_the_isotretinoin_reason_keeps_its_dates_and_spans_typed() -> None:
    history = MedicalHistory(
        isotretinoin=IsotretinoinStatus.PAST, isotretinoin_last_dose=date(2025, 1, 15)
    )
    profile = ScarProfile({}, None, False, date(2025, 3, 1))
    rule = DEFAULT_RULES.rule("isotretinoin_recent_ablative")
    given_input = ScreeningInput(history, profile, Labs(), date(2025, 3, 1))
    finding = rule.condition(given_input, DEFAULT_RULES.effective_thresholds())
    assert finding is not None
    assert finding.params["last"] == date(2025, 1, 15)
    assert finding.params["until"] == date(2025, 7, 15)
    assert finding.params["remaining"] == Span(4, 14)
    assert finding.reason == (
        "Last isotretinoin dose on 2025-01-15 (1 month and 14 days ago); ablative laser "
        "treatment waits 6 months after it, until 2025-07-15: 4 months and 14 days more."
    )
    urdu = render(finding.text, URDU_FORMAT)
    assert "15/07/2025" in urdu and "4 مہینے اور 14 دن" in urdu
    assert not re.search(r"[A-Za-z]{3,}", urdu)  # no English words left


@given(days, days)
def test_a_span_reads_as_it_always_did(a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    span = span_between(start, end)
    assert describe_span(start, end) == render(span, ENGLISH)
    assert span.months >= 0 and 0 <= span.days < 31


messages = st.recursive(
    st.one_of(
        st.text(max_size=5).filter(lambda s: "%" not in s),
        st.integers(-1000, 1000),
        st.floats(allow_nan=False, allow_infinity=False),
        days,
        st.builds(Span, st.integers(0, 50), st.integers(0, 30)),
        st.builds(Term, st.sampled_from(["mild", "Rolling"]), st.booleans()),
    ),
    lambda inner: st.one_of(
        st.builds(
            Message,
            st.just("%(a)s / %(b)s"),
            st.fixed_dictionaries({"a": inner, "b": inner}),
        ),
        st.builds(Joined, st.tuples(inner, inner), st.sampled_from(["; ", " and ", " "])),
    ),
    max_leaves=6,
)


@settings(max_examples=80)
@given(messages)
def test_a_message_survives_json_with_its_types(value: Param) -> None:
    back = from_json(to_json(value))
    assert back == value
    assert render(back, ENGLISH) == render(value, ENGLISH)


# -- The catalogue ---------------------------------------------------------------------------


def _marked() -> set[str]:
    """Every literal the clinical core marks with gettext_noop, as xgettext would find them."""
    found = set()
    for module in CLINICAL.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "gettext_noop"
            ):
                argument = node.args[0]
                assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                found.add(argument.value)
    return found


def test_every_marked_text_has_an_urdu_translation_with_the_same_placeholders() -> None:
    marked = _marked()
    assert len(marked) > 200
    assert sorted(marked - set(URDU)) == []
    for msgid in marked:
        assert URDU[msgid].strip(), msgid
        assert set(PLACEHOLDER.findall(URDU[msgid])) == set(PLACEHOLDER.findall(msgid)), msgid


def _rule_and_catalogue_texts() -> list[Param]:
    found: list[Param] = []
    for rule in DEFAULT_RULES.rules:
        found += [Term(rule.title), Term(rule.action), Term(rule.explanation), Term(rule.source)]
    found += [Term(t.unit) for t in DEFAULT_THRESHOLDS]
    for entry in EVIDENCE:
        found.append(entry.summary_text)
        found += [Term(entry.level.label)]
    for info in CATALOGUE.values():
        found += [Term(info.label), Term(info.mechanism), Term(info.skin_type)]
        found += [Term(info.regulatory_status), Term(info.sessions.wording)]
        found += [info.sessions.text, info.downtime.text, info.evidence_summary_text]
        found += [Term(r.text) for r in (*info.common_risks, *info.serious_risks)]
    found += [Term(c.why) for c in COMBINATIONS]
    found += [Term(m.label, lower=True) for m in Morphology]
    return found


@pytest.mark.parametrize("text", _rule_and_catalogue_texts(), ids=lambda t: str(t)[:40])
def test_every_rule_and_catalogue_text_renders_in_urdu(text: Param) -> None:
    assert all(piece in URDU for piece in texts(text))
    urdu = render(text, URDU_FORMAT)
    assert urdu and "%(" not in urdu


@settings(max_examples=40, deadline=None)
@given(profiles, histories(), labs_values, days)
def test_every_option_text_of_a_comparison_renders_in_urdu(
    profile: ScarProfile, history: MedicalHistory, labs: Labs, on_date: date
) -> None:
    outcomes = {Modality.MICRONEEDLING: ClinicOutcome(12, 31.5, "ECCA", "after 6 months")}
    for option in recommend(profile, history, on_date, labs, clinic_outcomes=outcomes):
        pieces: list[Param] = [option.why_text, option.evidence_wording_text]
        pieces += [option.expected_result_text, *option.notes_text]
        if option.not_suitable_text is not None:
            pieces.append(option.not_suitable_text)
        for screening in option.screenings:
            pieces += [f.text for f in screening.fired]
        for piece in pieces:
            assert "%(" not in render(piece, URDU_FORMAT)
