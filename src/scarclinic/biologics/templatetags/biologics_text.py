"""The clinical core's QC texts in the page's language (see :mod:`scarclinic.biologics.qc_text`)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from scarclinic.biologics import qc_text as texts
from scarclinic.clinical.qc import QcEvaluation, QcTest, TestEvaluation, Verdict

register = template.Library()


@register.filter
def qc_text(text: str) -> str:
    return texts.qc_text(str(text))


@register.filter
def qc_rule(test: QcTest) -> str:
    return texts.rule_text(test)


@register.filter
def qc_verdict(verdict: Verdict) -> str:
    return texts.verdict_text(verdict)


@register.filter
def qc_block(block: str) -> str:
    return texts.block_text(str(block))


@register.filter
def qc_summary(evaluation: QcEvaluation) -> str:
    return texts.summary_text(evaluation)


@register.filter
def qc_shown(test: TestEvaluation) -> str:
    return texts.shown_text(test)


@register.filter
def translated(text: str) -> str:
    """A fixed English value stored as it was chosen (a route), in the active language."""
    return gettext(str(text)) if str(text).strip() else str(text)
