"""The clinical core's QC texts (``clinical/qc.py``) in the active language.

The core knows only English: the default specifications' test names, methods, units and
sources, the acceptance rules and the evaluation's summary. The lab's pages show them through
these functions, which look each text up in this app's catalogue when they are called (a name
the clinic typed into its own specification has no entry and is shown as typed). What is
signed and stored (a signature's evaluation, custody notes) keeps the core's English."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from scarclinic.clinical.qc import Acceptance, QcEvaluation, QcTest, TestEvaluation, Verdict

# The default specifications' texts, for the catalogue (``default_spec`` of every type).
QC_TEXTS = (
    gettext_noop("Viable cell dose"),
    gettext_noop("Automated or haemocytometer count of viable nucleated cells"),
    gettext_noop("Clinical reference §6 gives no figure: the clinic sets the limits"),
    gettext_noop("x10^6 cells"),
    gettext_noop("Viability"),
    gettext_noop("Trypan blue exclusion or 7-AAD flow cytometry"),
    gettext_noop(
        "Numeric SVF threshold, widely quoted but unverified (clinical reference §6): "
        "a clinic-configurable default"
    ),
    gettext_noop("Sterility (aerobic, anaerobic, fungal culture)"),
    gettext_noop("Culture, aerobic + anaerobic + fungal"),
    gettext_noop("Typical release tests of published protocols (clinical reference §6)"),
    gettext_noop("Gram stain (rapid)"),
    gettext_noop("Gram stain"),
    gettext_noop("Endotoxin"),
    gettext_noop("LAL (kinetic chromogenic); entered in EU/mL"),
    gettext_noop("Mycoplasma"),
    gettext_noop("PCR or culture"),
    gettext_noop("Flow cytometry"),
    gettext_noop("Dominici et al. Cytotherapy 2006;8:315-7 (clinical reference §6)"),
    gettext_noop(
        "Bourin et al. Cytotherapy 2013;15:641-8, IFATS/ISCT (clinical reference §6); the "
        "percentage cut-off reuses Dominici's (unverified for ASC): clinic-configurable"
    ),
    gettext_noop("Plastic adherence"),
    gettext_noop("Culture observation"),
    gettext_noop("adherent"),
    gettext_noop("Tri-lineage differentiation in vitro"),
    gettext_noop("Osteo-, adipo-, chondrogenic induction"),
    gettext_noop("demonstrated"),
    gettext_noop("Platelet count of the preparation"),
    gettext_noop("Haematology analyser"),
    gettext_noop("Clinical reference §6: platelet count of the preparation, if measured"),
    # Reasons outside the QC results (selectors.release_blocks).
    gettext_noop("Received in unacceptable condition"),
    gettext_noop("Expired"),
    # Qualitative results as the demo and most labs write them.
    gettext_noop("No growth"),
    gettext_noop("Negative"),
)
# "CD90 positive cells" ...: the marker is a code, the words around it are translated.
_POSITIVE_CELLS = " positive cells"
_DONOR_ELIGIBILITY = "Donor eligibility: "


def qc_text(text: str) -> str:
    """A text of the core (or a clinic's own, shown as typed) in the active language."""
    if not text.strip():
        return text
    if text.endswith(_POSITIVE_CELLS):
        return gettext("%(marker)s positive cells") % {"marker": text[: -len(_POSITIVE_CELLS)]}
    return gettext(text)


def _num(value: Decimal | None) -> str:
    return "?" if value is None else format(value.normalize(), "f")


def rule_text(test: QcTest) -> str:
    """The acceptance rule, as :attr:`QcTest.rule_text` says it, in the active language."""
    unit = f" {qc_text(test.unit)}" if test.unit else ""
    if test.acceptance is Acceptance.MIN:
        return f">= {_num(test.minimum)}{unit}"
    if test.acceptance is Acceptance.MAX:
        return f"<= {_num(test.maximum)}{unit}"
    if test.acceptance is Acceptance.RANGE:
        if test.minimum is None and test.maximum is None:
            return gettext("recorded (no limits set)")
        if test.minimum is None:
            return f"<= {_num(test.maximum)}{unit}"
        if test.maximum is None:
            return f">= {_num(test.minimum)}{unit}"
        return gettext("%(minimum)s to %(maximum)s%(unit)s") % {
            "minimum": _num(test.minimum),
            "maximum": _num(test.maximum),
            "unit": unit,
        }
    if test.acceptance is Acceptance.NEGATIVE:
        return gettext("negative")
    if test.acceptance is Acceptance.NO_GROWTH:
        return gettext("no growth")
    return f"= {qc_text(test.expected)}"


def verdict_text(verdict: Verdict) -> str:
    return {
        Verdict.PASS: gettext("pass"),
        Verdict.FAIL: gettext("fail"),
        Verdict.PENDING: gettext("pending"),
    }[verdict]


def block_text(block: str) -> str:
    """A reason outside the QC results that prevents a release (English as stored)."""
    if block.startswith(_DONOR_ELIGIBILITY):
        status = block[len(_DONOR_ELIGIBILITY) :]
        # The core writes the choice's label in lower case ("ineligible").
        status = gettext(status.capitalize()).lower()
        return gettext("Donor eligibility: %(status)s") % {"status": status}
    return qc_text(block)


def _blocking(test: TestEvaluation) -> str:
    if test.verdict is Verdict.FAIL:
        return gettext("%(test)s: failed") % {"test": qc_text(test.test.name)}
    return gettext("%(test)s: pending") % {"test": qc_text(test.test.name)}


def summary_text(evaluation: QcEvaluation) -> str:
    """The evaluation's summary, as :attr:`QcEvaluation.summary` says it."""
    if evaluation.releasable:
        return gettext("Every required test passed: releasable.")
    parts = [_blocking(t) for t in evaluation.blocking]
    parts += [block_text(b) for b in evaluation.extra_blocks]
    return gettext("Not releasable. %(reasons)s.") % {"reasons": gettext("; ").join(parts)}


def shown_text(test: TestEvaluation) -> str:
    """The result as the evaluation shows it, its unit or qualitative words translated."""
    result = test.result
    if result is None or not test.shown:
        return test.shown
    if test.test.is_qualitative:
        return qc_text(test.shown)
    if result.unit and test.shown.endswith(f" {result.unit}"):
        return f"{test.shown[: -len(result.unit)]}{qc_text(result.unit)}"
    return test.shown
