"""The clinical core's texts in the active language.

The core (``scarclinic.clinical``) writes its reasons, notes and catalogue texts as messages
with typed parameters and knows only English; here they are translated with the clinical
catalogue (``clinical/locale``), and dates and numbers are written the active language's way.
Everything happens when called, under whatever language is active then (a request's, or a
``translation.override`` for a PDF in the patient's language).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext

from scarclinic.clinical.text import Message, Param, from_json, render, to_json


class _ActiveLanguage:
    def translate(self, text: str) -> str:
        # gettext("") is the catalogue's header, and blank separators need no translation.
        return gettext(text) if text.strip() else text

    def date(self, day: date) -> str:
        return formats.date_format(day, "SHORT_DATE_FORMAT")

    def number(self, value: int | float | Decimal) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(formats.number_format(value))


ACTIVE = _ActiveLanguage()


def clinical_text(value: Param) -> str:
    """A message, term or plain text of the clinical core, in the active language."""
    if isinstance(value, str):
        return ACTIVE.translate(value)
    return render(value, ACTIVE)


def message_json(message: Message) -> dict[str, Any]:
    """A message's template and typed parameters as JSON, to store beside its English."""
    return {"message": message.text, "params": {k: to_json(v) for k, v in message.params.items()}}


def stored_reason(fired: Mapping[str, Any]) -> str:
    """The reason of a stored fired rule in the active language.

    Records from before messages were stored have only the English ``reason``: it is what was
    shown, so it is shown as it is."""
    if "message" not in fired:
        return str(fired.get("reason", ""))
    params = {k: from_json(v) for k, v in (fired.get("params") or {}).items()}
    return clinical_text(Message(fired["message"], params))
