"""Texts of the clinical core that people read, kept translatable without Django.

A text is a message template with typed parameters (:class:`Message`): the core renders it in
English (:data:`ENGLISH`), the web layer renders the same message in the reader's language
with its own :class:`Formatter` (translated template, localised dates and numbers). Literal
texts are marked with :func:`gettext_noop` so that xgettext finds them; their translations are
in ``clinical/locale/``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Protocol


def gettext_noop(message: str) -> str:
    """Mark a text for translation (the xgettext keyword) and return it unchanged."""
    return message


# Separators of joined texts; translated like any other text ("; " is "؛ " in Urdu).
LIST_SEPARATOR = gettext_noop("; ")
AND_SEPARATOR = gettext_noop(" and ")
# Separators that are the same in every language: not looked up.
_PLAIN_SEPARATORS = frozenset({"", " ", " | ", " || ", " + "})


@dataclass(frozen=True)
class Term:
    """A translatable word or phrase used as a parameter (a grade, a scar type, a unit)."""

    text: str
    lower: bool = False  # lower-cased in English ("rolling (3)"); no effect on other scripts


@dataclass(frozen=True)
class Span:
    """Whole months and days between two dates, read as '1 month and 3 days'."""

    months: int
    days: int

    @property
    def message(self) -> Joined:
        parts: list[Param] = []
        if self.months:
            parts.append(
                Message(gettext_noop("1 month"))
                if self.months == 1
                else Message(gettext_noop("%(count)s months"), {"count": self.months})
            )
        if self.days or not self.months:
            parts.append(
                Message(gettext_noop("1 day"))
                if self.days == 1
                else Message(gettext_noop("%(count)s days"), {"count": self.days})
            )
        return Joined(tuple(parts), AND_SEPARATOR)


@dataclass(frozen=True)
class Joined:
    """Texts joined by a (translatable) separator."""

    parts: tuple[Param, ...]
    separator: str

    @property
    def english(self) -> str:
        return render(self, ENGLISH)

    def __str__(self) -> str:
        return self.english


@dataclass(frozen=True)
class Message:
    """A message template (``%(name)s`` placeholders) and its typed parameters."""

    text: str
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self.text == other.text and dict(self.params) == dict(other.params)

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def english(self) -> str:
        return render(self, ENGLISH)

    def __str__(self) -> str:
        return self.english


# A Decimal is a figure with its decimal places kept ("3.0"), localised like any number.
Param = str | int | float | Decimal | date | Term | Span | Joined | Message


class Formatter(Protocol):
    """How one language writes a translated text, a date and a number."""

    def translate(self, text: str) -> str: ...

    def date(self, day: date) -> str: ...

    def number(self, value: int | float | Decimal) -> str: ...


class _English:
    """The core's own wording: the text as written, ISO dates, numbers without trailing .0."""

    def translate(self, text: str) -> str:
        return text

    def date(self, day: date) -> str:
        return day.isoformat()

    def number(self, value: int | float | Decimal) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)


ENGLISH: Formatter = _English()


def render(value: Param, formatter: Formatter) -> str:
    """A message, or one parameter, written by ``formatter``."""
    if isinstance(value, Message):
        template = formatter.translate(value.text)
        if not value.params:
            return template
        return template % {k: render(v, formatter) for k, v in value.params.items()}
    if isinstance(value, Term):
        text = formatter.translate(value.text)
        return text.lower() if value.lower else text
    if isinstance(value, Joined):
        sep = (
            value.separator
            if value.separator in _PLAIN_SEPARATORS
            else formatter.translate(value.separator)
        )
        return sep.join(render(p, formatter) for p in value.parts)
    if isinstance(value, Span):
        return render(value.message, formatter)
    if isinstance(value, bool):
        raise TypeError("A message parameter cannot be a bool")
    if isinstance(value, date):
        return formatter.date(value)
    if isinstance(value, int | float | Decimal):
        return formatter.number(value)
    return value  # a plain string: a name, a code, a citation, kept as it is


def texts(value: Param) -> Iterator[str]:
    """Every translatable text inside a message: its template, terms and separators."""
    if isinstance(value, Message):
        yield value.text
        for param in value.params.values():
            yield from texts(param)
    elif isinstance(value, Term):
        yield value.text
    elif isinstance(value, Joined):
        if value.separator not in _PLAIN_SEPARATORS:
            yield value.separator
        for part in value.parts:
            yield from texts(part)
    elif isinstance(value, Span):
        yield from texts(value.message)


# --------------------------------------------------------------------------------------------
# JSON: stored screenings keep a message's template and parameters, typed


def to_json(value: Param) -> Any:
    """A parameter as JSON-safe data; dates and the other non-JSON types carry a type tag."""
    if isinstance(value, Message):
        return {
            "type": "message",
            "text": value.text,
            "params": {k: to_json(v) for k, v in value.params.items()},
        }
    if isinstance(value, Term):
        return {"type": "term", "text": value.text, "lower": value.lower}
    if isinstance(value, Joined):
        return {
            "type": "joined",
            "parts": [to_json(p) for p in value.parts],
            "separator": value.separator,
        }
    if isinstance(value, Span):
        return {"type": "span", "months": value.months, "days": value.days}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, Decimal):
        return {"type": "decimal", "value": str(value)}
    return value


def from_json(data: Any) -> Param:
    """The inverse of :func:`to_json`."""
    if isinstance(data, dict):
        kind = data["type"]
        if kind == "message":
            return Message(data["text"], {k: from_json(v) for k, v in data["params"].items()})
        if kind == "term":
            return Term(data["text"], bool(data.get("lower", False)))
        if kind == "joined":
            return Joined(tuple(from_json(p) for p in data["parts"]), data["separator"])
        if kind == "span":
            return Span(int(data["months"]), int(data["days"]))
        if kind == "date":
            return date.fromisoformat(data["value"])
        if kind == "decimal":
            return Decimal(data["value"])
        raise ValueError(f"Unknown message parameter type: {kind}")
    if isinstance(data, str | int | float) and not isinstance(data, bool):
        return data
    raise ValueError("A message parameter must be text, a number or a tagged object")
