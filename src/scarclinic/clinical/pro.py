"""Scoring patient-reported questionnaires defined as data (items, options, a rule).

Licensed instruments (FACE-Q Acne, FASQoL, DLQI; CLINICAL.md section 5) are entered by a
clinic that holds the licence; this module only applies the scoring rule it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

ScoringRule = Literal["sum", "mean"]


def questionnaire_problems(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """What is wrong with a questionnaire definition; empty when it can be used."""
    problems: list[str] = []
    if not items:
        return ["A questionnaire needs at least one item."]
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            problems.append(f"Item {index} has no id.")
            continue
        if item_id in seen:
            problems.append(f"Item id {item_id!r} is used twice.")
        seen.add(item_id)
        if not str(item.get("text", "")).strip():
            problems.append(f"Item {item_id!r} has no text.")
        options = item.get("options")
        if not isinstance(options, list) or len(options) < 2:
            problems.append(f"Item {item_id!r} needs at least two answer options.")
            continue
        values = [o.get("value") if isinstance(o, Mapping) else None for o in options]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            problems.append(f"Item {item_id!r}: every option needs a whole-number value.")
        elif len(set(values)) != len(values):
            problems.append(f"Item {item_id!r}: option values must differ.")
    return problems


def score_answers(
    items: Sequence[Mapping[str, Any]], answers: Mapping[str, object], rule: ScoringRule
) -> Decimal:
    """The score of a complete set of answers. Raises ValueError naming the item for a
    missing answer, an unknown item or a value that is not one of the item's options."""
    by_id = {str(item["id"]): item for item in items}
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        raise ValueError(f"Unknown item(s): {', '.join(unknown)}")
    values: list[int] = []
    for item_id, item in by_id.items():
        if item_id not in answers:
            raise ValueError(f"Item {item_id!r} is not answered.")
        answer = answers[item_id]
        allowed = {o["value"] for o in item["options"]}
        if isinstance(answer, bool) or not isinstance(answer, int) or answer not in allowed:
            raise ValueError(f"Item {item_id!r}: {answer!r} is not one of its answers.")
        values.append(answer)
    total = Decimal(sum(values))
    if rule == "sum":
        return total
    if rule == "mean":
        return (total / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise ValueError(f"Unknown scoring rule {rule!r}.")
