"""The printable progress report for the patient, in English or Urdu: scores at baseline and
now with the % improvement per scale (and its chart, when the progress was built with
charts) and per facial region, the sessions and products given, and the side effects
recorded. Set on the shared patient page of web/pdf.py (fonts, direction, footer)."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from scarclinic.outcomes.models import AdverseEventStatus
from scarclinic.outcomes.progress import Progress
from scarclinic.web.pdf import CAUTION, INK, MUTED, PatientPDF

logger = logging.getLogger(__name__)
# The charts' <title> and <desc> (their text alternative) mean nothing in a PDF image.
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value) + 0:d}%"


def _num(value: float) -> str:
    return f"{value:g}"


def _svg_for_pdf(svg: str) -> bytes:
    """The page's chart as fpdf2 reads it: its SVG parser only follows ``url(#id)``
    references whose id is letters, digits and underscores (web/charts.py uses hyphens)."""

    def underscore(match: re.Match[str]) -> str:
        return match.group(0).replace("-", "_")

    svg = re.sub(r"url\(#[^)]+\)|\bid=\"[^\"]+\"|xlink:href=\"#[^\"]+\"", underscore, svg)
    return svg.encode()


def _chart(pdf: PatientPDF, svg: str) -> None:
    """The scale's chart across the page; a chart fpdf2 cannot draw is left out (the
    scores are in the table above it)."""
    if not svg or not pdf.unicode:
        return
    width = pdf.epw * 0.8
    if pdf.will_page_break(width / 7.0 * 3.6):  # web/charts.py draws 7 x 3.6 inches
        pdf.add_page()
    try:
        pdf.image(io.BytesIO(_svg_for_pdf(svg)), x=pdf.l_margin + pdf.epw * 0.1, w=width)
    except Exception:  # fpdf2's SVG support is partial; the report must still be made.
        logger.warning("A progress chart could not be drawn in the PDF.", exc_info=True)
    pdf.ln(2)


def progress_pdf(
    progress: Progress,
    *,
    prepared_by: str,
    language: str = "en",
    compress: bool = True,
    unicode_font: bool = True,
    font_dir: Path | None = None,
) -> bytes:
    """The patient's progress report in ``language`` (English without DejaVu Sans: see
    web/pdf.py). Build ``progress`` under the same ``translation.override`` for its labels.
    ``compress=False`` leaves the content streams readable (tests)."""
    pdf = PatientPDF(
        language=language,
        font_dir=font_dir,
        unicode_font=unicode_font,
        zone=progress.patient.clinic.zone,
    )
    with translation.override(pdf.language):
        _progress(pdf, progress, prepared_by=prepared_by)
        pdf.set_compression(compress)
        return bytes(pdf.output())


def _progress(pdf: PatientPDF, progress: Progress, *, prepared_by: str) -> None:
    patient = progress.patient
    today = pdf.day(pdf.today())
    pdf.footer_text = _("%(clinic)s - progress report for %(name)s (%(mrn)s), %(date)s") % {
        "clinic": patient.clinic.name,
        "name": patient.full_name,
        "mrn": patient.mrn,
        "date": today,
    }
    pdf.set_title(_("Progress report %(date)s") % {"date": today})
    pdf.set_author(patient.clinic.name)
    pdf.add_page()

    pdf.para(patient.clinic.name, size=10, color=MUTED)
    pdf.para(_("Your progress"), size=18, style="B", height=9)
    pdf.para(
        _("%(name)s · MRN %(mrn)s · date %(date)s\nPrepared by: %(by)s")
        % {"name": patient.full_name, "mrn": patient.mrn, "date": today, "by": prepared_by},
        size=10,
    )

    pdf.heading(_("Your scores"))
    if progress.scales:
        rows = [
            [
                s.label,
                f"{_num(s.progress.baseline.score)} ({pdf.day(s.progress.baseline.on)})",
                f"{_num(s.progress.latest.score)} ({pdf.day(s.progress.latest.on)})",
                _pct(s.percent) if s.progress.has_follow_up else _("baseline only"),
            ]
            for s in progress.scales
        ]
        pdf.grid([_("Scale"), _("First"), _("Latest"), _("Improvement")], rows, [62, 42, 42, 32])
        pdf.para(
            _(
                "Goodman & Baron and ECCA count scars, so a lower score is better; the "
                "improvement is the fall as a share of your first score. It describes your "
                "skin at these visits; it is not a promise of further change."
            ),
            size=8.5,
            color=MUTED,
        )
        for s in progress.scales:
            if len(s.progress.trajectory) > 2:
                points = ", ".join(
                    f"{pdf.day(p.on)}: {_num(p.score)}" for p in s.progress.trajectory
                )
                pdf.para(f"{s.label}: {points}", size=8.5)
        for s in progress.scales:
            _chart(pdf, s.chart_svg)
    else:
        pdf.para(_("No signed assessment or questionnaire yet."))

    if progress.regions is not None and progress.region_dates is not None:
        pdf.heading(_("By area of the face"), size=12)
        rows = [
            [
                label,
                str(r.baseline_count),
                str(r.current_count),
                _("new scars") if r.new_scars else _pct(r.percent_improvement),
            ]
            for label, r in progress.region_rows
        ]
        face = progress.regions.face
        rows.append(
            [
                _("Whole face"),
                str(face.baseline_count),
                str(face.current_count),
                _pct(face.percent_improvement),
            ]
        )
        pdf.grid(
            [_("Area"), _("Scars first"), _("Scars now"), _("Improvement")], rows, [62, 36, 36, 32]
        )

    pdf.heading(_("Your treatment"), size=12)
    treatments = [t for t in progress.timeline if t.kind in ("procedure", "product")]
    if treatments:
        for t in treatments:
            detail = f" - {t.detail}" if t.detail else ""
            pdf.para(f"{pdf.day(t.on)}  {t.title}{detail}", size=9.5)
    else:
        pdf.para(_("No treatment session recorded yet."), size=9.5)

    events = [e for e in progress.adverse_events if e.status == AdverseEventStatus.RECORDED]
    pdf.heading(_("Side effects recorded"), size=12)
    if events:
        for e in events:
            outcome = str(e.get_outcome_display())
            if e.resolved_on:
                outcome += f" ({pdf.day(e.resolved_on)})"
            pdf.para(
                f"{pdf.day(e.onset_on)}  {e.get_category_display()} - "
                f"{e.get_severity_display()}; {outcome}",
                size=9.5,
                color=CAUTION if e.serious else INK,
            )
    else:
        pdf.para(_("None recorded."), size=9.5)
    pdf.ln(3)
    pdf.para(
        _(
            "If you notice a new side effect, tell the clinic or report it from the patient "
            "portal. Bring this report to your next visit."
        ),
        size=8.5,
        color=MUTED,
    )
