"""Input checks shared by every service: text a person typed must be printable text."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError

# C0 controls but tab and newline, DEL and C1 controls. PostgreSQL refuses NUL outright; the
# others have no place in a name, an allergy or a note, and can hide text in the audit log.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def strip_control_characters(text: str) -> str:
    return _CONTROL.sub("", text)


def refuse_control_characters(fields: Mapping[str, object]) -> None:
    """Raise ValidationError naming every field (str, or list of str) holding a control
    character."""
    errors: dict[str, str] = {}
    for name, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, str) and has_control_characters(v) for v in values):
            errors[name] = "Contains a control character (such as NUL): remove it."
    if errors:
        raise ValidationError(errors)
