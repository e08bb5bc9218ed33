"""The printable progress report for the patient: scores at baseline and now with the %
improvement per scale and per facial region, the sessions and products given, and the side
effects recorded. Built with fpdf2 like the consultation PDF (treatments/pdf.py, whose page
class and fonts it reuses: DejaVu Sans when the system has it, else the core fonts).
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from scarclinic.outcomes.models import AdverseEventStatus
from scarclinic.outcomes.progress import Progress
from scarclinic.treatments.pdf import CAUTION, MUTED, ConsultationPDF, find_unicode_font


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value) + 0:d}%"


def _num(value: float) -> str:
    return f"{value:g}"


def _table(
    pdf: ConsultationPDF, header: list[str], rows: list[list[str]], widths: list[float]
) -> None:
    pdf.set_font(pdf.family, "B", 9)
    pdf.set_text_color(*MUTED)
    for text, width in zip(header, widths, strict=True):
        pdf.cell(width, 6, pdf.text_of(text), border="B")
    pdf.ln(6)
    pdf.set_text_color(28, 36, 48)
    for row in rows:
        for text, width in zip(row, widths, strict=True):
            _fitted_cell(pdf, pdf.text_of(text), width)
        pdf.ln(5.5)
    pdf.ln(2)


def _fitted_cell(pdf: ConsultationPDF, text: str, width: float) -> None:
    """A table cell whose text never runs into the next column: a smaller font first, then
    cut with an ellipsis."""
    size = 9.5
    pdf.set_font(pdf.family, "", size)
    while size > 7 and pdf.get_string_width(text) > width - 1.5:
        size -= 0.5
        pdf.set_font(pdf.family, "", size)
    ellipsis = "..." if not pdf.unicode else "\u2026"
    if pdf.get_string_width(text) > width - 1.5:
        while text and pdf.get_string_width(text + ellipsis) > width - 1.5:
            text = text[:-1]
        text += ellipsis
    pdf.cell(width, 5.5, text)


def progress_pdf(
    progress: Progress,
    *,
    prepared_by: str,
    compress: bool = True,
    unicode_font: bool = True,
    font_dir: Path | None = None,
) -> bytes:
    """The patient's progress report. ``compress=False`` leaves the content streams readable
    (tests)."""
    patient = progress.patient
    today = timezone.localdate()
    directory = (font_dir or find_unicode_font()) if unicode_font else None
    pdf = ConsultationPDF(
        font_dir=directory,
        footer_text=_("%(clinic)s - progress report for %(name)s (%(mrn)s), %(date)s")
        % {
            "clinic": patient.clinic.name,
            "name": patient.full_name,
            "mrn": patient.mrn,
            "date": today.isoformat(),
        },
    )
    pdf.set_compression(compress)
    pdf.set_title(_("Progress report %(date)s") % {"date": today.isoformat()})
    pdf.set_author(patient.clinic.name)
    pdf.set_creator("scarclinic")
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.para(patient.clinic.name, size=10, color=MUTED)
    pdf.para(_("Your progress"), size=18, style="B", height=9)
    pdf.para(
        _("%(name)s · MRN %(mrn)s · date %(date)s\nPrepared by: %(by)s")
        % {
            "name": patient.full_name,
            "mrn": patient.mrn,
            "date": today.isoformat(),
            "by": prepared_by,
        },
        size=10,
    )

    pdf.heading(_("Your scores"))
    if progress.scales:
        rows = [
            [
                s.label,
                f"{_num(s.progress.baseline.score)} ({s.progress.baseline.on.isoformat()})",
                f"{_num(s.progress.latest.score)} ({s.progress.latest.on.isoformat()})",
                _pct(s.percent) if s.progress.has_follow_up else _("baseline only"),
            ]
            for s in progress.scales
        ]
        _table(
            pdf,
            [_("Scale"), _("First"), _("Latest"), _("Improvement")],
            rows,
            [62, 42, 42, 32],
        )
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
                    f"{p.on.isoformat()}: {_num(p.score)}" for p in s.progress.trajectory
                )
                pdf.para(f"{s.label}: {points}", size=8.5)
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
        _table(
            pdf,
            [_("Area"), _("Scars first"), _("Scars now"), _("Improvement")],
            rows,
            [62, 36, 36, 32],
        )

    pdf.heading(_("Your treatment"), size=12)
    treatments = [t for t in progress.timeline if t.kind in ("procedure", "product")]
    if treatments:
        for t in treatments:
            pdf.para(
                f"{t.on.isoformat()}  {t.title}" + (f" - {t.detail}" if t.detail else ""), size=9.5
            )
    else:
        pdf.para(_("No treatment session recorded yet."), size=9.5)

    events = [e for e in progress.adverse_events if e.status == AdverseEventStatus.RECORDED]
    pdf.heading(_("Side effects recorded"), size=12)
    if events:
        for e in events:
            outcome = e.get_outcome_display()
            if e.resolved_on:
                outcome += f" ({e.resolved_on.isoformat()})"
            pdf.para(
                f"{e.onset_on.isoformat()}  {e.get_category_display()} - "
                f"{e.get_severity_display()}; {outcome}",
                size=9.5,
                color=CAUTION if e.serious else (28, 36, 48),
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
    return bytes(pdf.output())
