"""The take-home PDF of a consultation: the options with their evidence and citations, costs,
the screening, the date and who prepared it.

DejaVu Sans (a Unicode font) is used when the system has it; otherwise the PDF core fonts,
with the text reduced to Latin-1. Urdu (right-to-left shaping) is a later issue.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from scarclinic.treatments.selectors.consultation import Consultation

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
INK = (28, 36, 48)
MUTED = (91, 102, 117)
STOP = (164, 38, 44)
CAUTION = (138, 90, 0)
OK = (30, 107, 51)
_LATIN1_REPLACEMENTS = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2192": "->",
    "\u00a0": " ",
}


def find_unicode_font(dirs: tuple[Path, ...] = FONT_DIRS) -> Path | None:
    """The directory holding DejaVu Sans (regular, bold, oblique), or None."""
    for directory in dirs:
        if all((directory / name).is_file() for name in FONT_FILES.values()):
            return directory
    return None


class ConsultationPDF(FPDF):
    def __init__(self, *, font_dir: Path | None, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.unicode = font_dir is not None
        if font_dir is not None:
            for style, name in FONT_FILES.items():
                self.add_font("DejaVu", style, str(font_dir / name))
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)

    def text_of(self, text: str) -> str:
        if self.unicode:
            return text
        for char, plain in _LATIN1_REPLACEMENTS.items():
            text = text.replace(char, plain)
        text = unicodedata.normalize("NFKC", text)
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.text_of(self.footer_text), align="L")
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # Small helpers: every paragraph is a full-width multi_cell starting at the left margin.
    def para(
        self,
        text: str,
        *,
        size: float = 10,
        style: str = "",
        color: tuple[int, int, int] = INK,
        height: float = 5,
        indent: float = 0,
    ) -> None:
        self.set_font(self.family, style, size)
        self.set_text_color(*color)
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent,
            height,
            self.text_of(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def heading(self, text: str, size: float = 14) -> None:
        self.ln(2)
        self.para(text, size=size, style="B", height=7)
        self.set_draw_color(217, 222, 229)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)

    def labelled(self, label: str, text: str, *, color: tuple[int, int, int] = INK) -> None:
        self.set_font(self.family, "B", 9)
        self.set_text_color(*MUTED)
        self.set_x(self.l_margin + 4)
        self.multi_cell(
            self.epw - 4, 4.5, self.text_of(label), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.para(text, size=9.5, color=color, height=4.6, indent=4)


_STATUS_COLOURS = {"eligible": OK, "caution": CAUTION, "defer": STOP, "contraindicated": STOP}


def _option(pdf: ConsultationPDF, o: dict[str, Any], number: int) -> None:
    pdf.ln(1)
    pdf.para(f"{number}. {o['label']}", size=12, style="B", height=6)
    status = o["status_label"]
    if o["reassess_on"]:
        status += f" - reassess on or after {o['reassess_on']}"
    tags = [status]
    if o["investigational"]:
        tags.append("INVESTIGATIONAL")
    tags.append("Weak evidence" if o["evidence_is_weak"] else "Stronger evidence")
    pdf.para(" | ".join(tags), size=9.5, style="B", color=_STATUS_COLOURS[o["status"]])
    pdf.para(o["why"], size=9, color=MUTED)
    if o["evidence"]:
        lines = []
        for e in o["evidence"]:
            size = f", n = {e['n']} {e['n_unit']}" if e["n"] else ""
            line = (
                f"- {e['effect']} ({e['measure']}). {e['intervention']}; {e['design']}{size}. "
                f"Source: {e['citation']}."
            )
            if e["note"]:
                line += f" {e['note']}"
            lines.append(line)
        pdf.labelled("Expected result (published)", "\n".join(lines))
    else:
        pdf.labelled("Expected result (published)", "No published result to quote.")
    pdf.labelled(
        "Strength of evidence",
        o["evidence_wording"],
        color=CAUTION if o["evidence_is_weak"] else INK,
    )
    pdf.labelled("This clinic's results", "; ".join(o["clinic_outcomes"]) or "No clinic data yet.")
    pdf.labelled("How it works", "\n".join(_per_part(o, "mechanisms")))
    pdf.labelled("Sessions", "\n".join(_per_part(o, "sessions")))
    pdf.labelled("Downtime", "\n".join(_per_part(o, "downtime")))
    pdf.labelled("Cost", o["cost_text"])
    pdf.labelled(
        "Risks",
        f"Common: {'; '.join(o['risks']['common'])}.\nSerious: {'; '.join(o['risks']['serious'])}.",
    )
    fired = [
        f"- {f['title']}: {f['explanation']}"
        + (f" Reassess on or after {f['until']}." if f["until"] else "")
        for s in o["screenings"]
        for f in s["fired"]
    ]
    pdf.labelled("Screening", "\n".join(fired) or "No screening rule applies.")
    for note in o["regulatory"]:
        pdf.para(note, size=8.5, color=MUTED, indent=4)


def _per_part(o: dict[str, Any], key: str) -> list[str]:
    parts = o[key]
    if len(parts) == 1:
        return [parts[0]["text"]]
    return [f"{p['label']}: {p['text']}" for p in parts]


def consultation_pdf(
    consultation: Consultation,
    *,
    prepared_by: str,
    compress: bool = True,
    unicode_font: bool = True,
    font_dir: Path | None = None,
) -> bytes:
    """The PDF for the patient to take home. DejaVu Sans from ``font_dir`` or the system when
    ``unicode_font``, else the core fonts; ``compress=False`` leaves the content streams
    readable (tests)."""
    c = consultation
    directory = (font_dir or find_unicode_font()) if unicode_font else None
    patient = c.patient
    pdf = ConsultationPDF(
        font_dir=directory,
        footer_text=(
            f"{patient.clinic.name} - treatment options for {patient.full_name} "
            f"({patient.mrn}), {c.on_date.isoformat()}"
        ),
    )
    pdf.set_compression(compress)
    pdf.set_title(f"Treatment options {c.on_date.isoformat()}")
    pdf.set_author(patient.clinic.name)
    pdf.set_creator("scarclinic")
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.para(patient.clinic.name, size=10, color=MUTED)
    pdf.para("Your treatment options for acne scars", size=18, style="B", height=9)
    pdf.para(
        f"{patient.full_name} · MRN {patient.mrn} · date {c.on_date.isoformat()}\n"
        f"Physician: {prepared_by}",
        size=10,
    )
    if not c.is_ready:
        pdf.heading("Before we can compare treatments")
        for message in c.missing.values():
            pdf.para(message)
        return bytes(pdf.output())
    assert c.assessment is not None and c.history is not None
    scars = ", ".join(f"{label.lower()} {n}" for label, n in c.scar_summary) or "none counted"
    grade = (
        f", Goodman & Baron grade {int(c.profile.grade)}" if c.profile and c.profile.grade else ""
    )
    pdf.para(
        f"Based on your scar assessment of {c.assessment.visit_date.isoformat()} ({scars}{grade}) "
        f"and your medical history (version {c.history.version}). Screening rules "
        f"{c.rule_set_version}.",
        size=9,
        color=MUTED,
    )
    pdf.para(
        "The figures are published results as reported, with the study behind each; they are "
        "what happened on average in those studies, not a promise for you. 'Weak evidence' "
        "means no randomised trial, systematic review or meta-analysis directly supports the "
        "treatment. Cell therapy for acne scars is investigational.",
        size=9,
    )
    for note in c.notes:
        pdf.para(note, size=9, color=CAUTION)

    pdf.heading("Options for your scars")
    cards = c.cards_for_the_scars
    if not cards:
        pdf.para("No treatment for your scars can go ahead today; the reasons follow.")
    for number, o in enumerate(cards, start=1):
        _option(pdf, o, number)

    if c.cards_not_now:
        pdf.heading("Not now")
        for o in c.cards_not_now:
            title = o["label"] + (
                f": deferred until {o['reassess_on']}"
                if o["status"] == "defer" and o["reassess_on"]
                else ": deferred"
                if o["status"] == "defer"
                else ": not suitable for you"
            )
            pdf.para(title, size=10.5, style="B", color=STOP)
            for s in o["screenings"]:
                for f in s["fired"]:
                    if f["outcome"] != "caution":
                        until = f" Reassess on or after {f['until']}." if f["until"] else ""
                        pdf.para(f"{f['title']}: {f['explanation']}{until}", size=9.5, indent=4)

    if c.cards_other:
        pdf.heading("Other treatments, not aimed at your scars", size=12)
        pdf.para(", ".join(o["label"] for o in c.cards_other) + ".", size=9.5)

    pdf.heading("Screening, treatment by treatment", size=12)
    for row in c.screening_rows:
        line = f"{row['label']}: {row['status_label']}"
        if row["reassess_on"]:
            line += f" (reassess on or after {row['reassess_on']})"
        pdf.para(line, size=9.5, color=_STATUS_COLOURS[row["status"]])

    decision = c.latest_decision
    if decision is not None and timezone.localtime(decision.decided_at).date() == c.on_date:
        pdf.heading("What we decided together", size=12)
        pdf.para(f"{decision.chosen_label} (proposed start of a treatment plan).", style="B")
        if decision.questions:
            pdf.para(f"Your questions: {decision.questions}", size=9.5)

    pdf.ln(3)
    pdf.para(
        "Costs are the clinic's price per session times the usual number of sessions; your "
        "plan may need more or fewer."
        + (" Prices marked as demo values are examples, not a quote." if c.has_demo_prices else ""),
        size=8.5,
        color=MUTED,
    )
    return bytes(pdf.output())
