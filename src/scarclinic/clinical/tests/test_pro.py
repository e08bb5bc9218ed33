from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.pro import questionnaire_problems, score_answers

ITEMS = [
    {"id": "a", "text": "First", "options": [{"value": v, "label": str(v)} for v in range(4)]},
    {"id": "b", "text": "Second", "options": [{"value": v, "label": str(v)} for v in range(4)]},
]


def test_sum_and_mean_scoring() -> None:
    assert score_answers(ITEMS, {"a": 3, "b": 2}, "sum") == Decimal(5)
    assert score_answers(ITEMS, {"a": 3, "b": 2}, "mean") == Decimal("2.50")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"a": 1}, "'b' is not answered"),
        ({"a": 1, "b": 9}, "'b': 9 is not one of"),
        ({"a": 1, "b": True}, "'b': True"),
        ({"a": 1, "b": 2, "c": 0}, "Unknown item(s): c"),
        ({"a": "1", "b": 2}, "'a': '1'"),
    ],
)
def test_an_incomplete_or_invalid_answer_set_is_refused_naming_the_item(
    answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score_answers(ITEMS, answers, "sum")


def test_definition_problems_are_named() -> None:
    assert questionnaire_problems([]) == ["A questionnaire needs at least one item."]
    bad = [
        {"id": "a", "text": "", "options": [{"value": 1}]},
        {"id": "a", "text": "x", "options": [{"value": 1}, {"value": 1}]},
    ]
    problems = questionnaire_problems(bad)
    assert "Item 'a' has no text." in problems
    assert "Item 'a' needs at least two answer options." in problems
    assert "Item id 'a' is used twice." in problems
    assert "Item 'a': option values must differ." in problems
    assert questionnaire_problems(ITEMS) == []


@given(st.lists(st.integers(0, 3), min_size=2, max_size=2))
def test_the_sum_lies_between_the_smallest_and_largest_possible(values: list[int]) -> None:
    score = score_answers(ITEMS, dict(zip("ab", values, strict=True)), "sum")
    assert 0 <= score <= 6
    assert score_answers(ITEMS, dict(zip("ab", values, strict=True)), "mean") * 2 == score
