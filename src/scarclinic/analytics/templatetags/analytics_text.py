"""The statistics core's texts on the analytics pages, in the reader's language."""

from __future__ import annotations

from django import template

from scarclinic.clinical.text import Param
from scarclinic.treatments.clinical_text import clinical_text

register = template.Library()


@register.filter
def clinical(value: Param) -> str:
    """A message of the clinical core (a note, a caveat, a forecast's basis) in the active
    language, its numbers and dates written that language's way."""
    return clinical_text(value)


@register.filter
def english_only(value: object) -> bool:
    """True for a text stored before its message was: it is shown as the English it is."""
    return isinstance(value, str)
