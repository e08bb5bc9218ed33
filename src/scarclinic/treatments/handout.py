"""PDFs the patient takes home from the plan: the handout of a session (clinic, plan, next
appointment, post-care instructions) in English or Urdu, and the plan's cost estimate.

Urdu is set right to left with text shaping (fpdf2 with HarfBuzz): Noto Naskh Arabic, shipped
in web/static/fonts with its licence (SIL OFL 1.1), for the Urdu script, DejaVu Sans for
Latin text within it (names, MRNs, treatment names). Dates inside Urdu text are written
dd/mm/yyyy: the slash keeps the digits in order within right-to-left text."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from scarclinic.treatments.pdf import INK, MUTED, find_unicode_font
from scarclinic.treatments.selectors.plans import PlanPage, SessionRow
from scarclinic.treatments.selectors.postcare import Handout

URDU_FONT = (
    Path(__file__).resolve().parent.parent
    / "web"
    / "static"
    / "fonts"
    / ("NotoNaskhArabic-Regular.ttf")
)
ACCENT = (15, 110, 110)
# fontTools reports every glyph subset at INFO: not news for the clinic's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# The handout's own words, per language. Urdu: plain wording for patients; the clinic's
# instructions themselves come from its templates.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your treatment and aftercare",
        "patient": "Patient",
        "today": "This session",
        "session_of": "session {n} of {total}",
        "plan": "Your treatment plan",
        "booked": "booked",
        "to_book": "to be booked",
        "done": "done",
        "next": "Your next appointment",
        "no_next": "Not booked yet: the clinic will contact you to book it.",
        "instructions": "Aftercare instructions",
        "remind": "We will send you a reminder by email on day(s) {days} after this session.",
        "no_template": "The clinic has not written aftercare instructions for this treatment "
        "yet: ask the nurse before you leave.",
        "demo": "Demo wording, loaded with the demo data: the clinic replaces it with its own.",
        "worried": "If you are worried about anything after your treatment, call the clinic.",
        "version": "Instructions version {v}",
    },
    "ur": {
        "title": "آپ کا علاج اور بعد کی دیکھ بھال",
        "patient": "مریض",
        "today": "یہ سیشن",
        "session_of": "سیشن: {total} میں سے {n}",
        "plan": "آپ کے علاج کا منصوبہ",
        "booked": "طے شدہ",
        "to_book": "ابھی طے ہونا ہے",
        "done": "مکمل",
        "next": "آپ کی اگلی ملاقات",
        "no_next": "ابھی طے نہیں ہوئی: کلینک آپ سے رابطہ کرے گا۔",
        "instructions": "بعد کی دیکھ بھال کی ہدایات",
        "remind": "اس سیشن کے بعد ان دنوں ہم آپ کو ای میل سے یاد دلائیں گے: {days}",
        "no_template": "کلینک نے اس علاج کے لیے ابھی ہدایات درج نہیں کیں: جانے سے پہلے نرس سے پوچھیں۔",
        "demo": "نمونے کی عبارت (ڈیمو): کلینک اسے اپنی ہدایات سے بدل دے گا۔",
        "worried": "علاج کے بعد اگر آپ کو کوئی فکر ہو تو کلینک کو فون کریں۔",
        "version": "ہدایات کا ورژن {v}",
    },
}


def _day(day: date, language: str) -> str:
    return day.strftime("%d/%m/%Y") if language == "ur" else day.isoformat()


def _when(moment: datetime, language: str) -> str:
    local = timezone.localtime(moment)
    if language == "ur":
        return f"{local:%d/%m/%Y}، {local:%H:%M}"
    return f"{local:%A %d %B %Y}, {local:%H:%M}"


class HandoutPDF(FPDF):
    """A4 with DejaVu Sans for Latin and Noto Naskh Arabic for Urdu (right to left)."""

    def __init__(self, *, language: str, footer_text: str, font_dir: Path | None = None) -> None:
        super().__init__(format="A4")
        directory = font_dir or find_unicode_font()
        if directory is None:
            raise RuntimeError("DejaVu Sans is needed for the handout (fonts-dejavu-core).")
        self.add_font("DejaVu", "", str(directory / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(directory / "DejaVuSans-Bold.ttf"))
        self.add_font("Naskh", "", str(URDU_FONT))
        self.rtl = language == "ur"
        self.footer_text = footer_text
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)

    def _font(self, size: float, bold: bool = False) -> None:
        if self.rtl:
            # Naskh has one weight; headings are set larger instead of bold.
            self.set_font("Naskh", "", round(size * 1.15, 1))
            self.set_fallback_fonts(["DejaVu"])
            self.set_text_shaping(
                use_shaping_engine=True, direction="rtl", script="arab", language="urd"
            )
        else:
            self.set_font("DejaVu", "B" if bold else "", size)
            self.set_fallback_fonts(["Naskh"])
            self.set_text_shaping(use_shaping_engine=True, direction="ltr")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("DejaVu", "", 8)
        self.set_text_shaping(False)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.footer_text, align="L")
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="R")

    def para(
        self,
        text: str,
        *,
        size: float = 11,
        bold: bool = False,
        color: tuple[int, int, int] = INK,
        height: float = 6.5,
        indent: float = 0,
    ) -> None:
        self._font(size, bold)
        self.set_text_color(*color)
        line = round(height * (1.35 if self.rtl else 1), 2)
        if self.rtl:
            self.set_x(self.l_margin)
            self.multi_cell(
                self.epw - indent, line, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            # fpdf2 2.8 loses track of the font in the page's content stream after a fallback
            # fragment (Latin inside Urdu): the next paragraph would be drawn with no font or
            # misplaced. Switching fonts here makes the next one state its font again.
            self.set_font("DejaVu", "", 8)
        else:
            self.set_x(self.l_margin + indent)
            self.multi_cell(
                self.epw - indent, line, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )

    def heading(self, text: str) -> None:
        self.ln(3)
        self.para(text, size=13, bold=True, color=ACCENT, height=7)
        self.set_draw_color(217, 222, 229)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)


def _status_word(row: SessionRow, words: dict[str, str], language: str) -> str:
    if row.session.status == "done":
        return words["done"]
    if row.appointment is not None:
        return f"{words['booked']} {_when(row.appointment.starts_at, language)}"
    return f"{words['to_book']} ({_day(row.session.target_date, language)})"


def handout_pdf(handout: Handout, *, compress: bool = True) -> bytes:
    """The handout of one session in ``handout.language``."""
    h = handout
    language = h.language if h.language in WORDS else "en"
    words = WORDS[language]
    patient, clinic = h.patient, h.patient.clinic
    pdf = HandoutPDF(
        language=language,
        footer_text=f"{clinic.name} - {patient.mrn} - {h.on_date.isoformat()}",
    )
    pdf.set_compression(compress)
    pdf.set_title(f"Aftercare {h.on_date.isoformat()}")
    pdf.set_author(clinic.name)
    pdf.set_creator("scarclinic")
    pdf.set_lang("ur" if language == "ur" else "en")
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.para(", ".join(p for p in (clinic.name, clinic.city) if p), size=10, color=MUTED)
    pdf.para(words["title"], size=19, bold=True, height=9)
    pdf.para(f"{words['patient']}: {patient.full_name} ({patient.mrn})", size=11)

    pm = h.session.plan_modality
    pdf.heading(words["today"])
    this = h.this_row
    day = this.day if this else h.session.target_date
    count = words["session_of"].format(n=h.session.number, total=h.session_count)
    pdf.para(f"{pm.label} · {count} · {_day(day, language)}", size=11)

    pdf.heading(words["plan"])
    for row in h.rows:
        if row.session.status == "cancelled":
            continue
        label = row.session.plan_modality.label
        marker = "▶ " if row.session.pk == h.session.pk and not pdf.rtl else ""
        pdf.para(
            f"{marker}{label} {row.session.number}: {_status_word(row, words, language)}",
            size=10,
            indent=0 if pdf.rtl else 4,
        )

    pdf.heading(words["next"])
    nxt = h.next_row
    if nxt is not None and nxt.appointment is not None:
        pdf.para(
            f"{_when(nxt.appointment.starts_at, language)} · {nxt.session.plan_modality.label}",
            size=12,
            bold=True,
        )
    else:
        pdf.para(words["no_next"], size=11)

    pdf.heading(words["instructions"])
    template = h.template
    if template is None:
        pdf.para(words["no_template"], size=11)
    else:
        pdf.para(template.title, size=11, bold=True)
        for item in template.items:
            # fpdf2's bidi places a leading bullet at the wrong end of a right-to-left line:
            # Urdu instructions are set as separate paragraphs instead.
            if pdf.rtl:
                pdf.para(item["text"], size=11)
                pdf.ln(1)
            else:
                pdf.para(f"• {item['text']}", size=11, indent=4)
        days = template.remind_days
        if days:
            joined = "، ".join(str(d) for d in days) if pdf.rtl else ", ".join(map(str, days))
            pdf.ln(1)
            pdf.para(words["remind"].format(days=joined), size=10, color=MUTED)
        pdf.para(words["version"].format(v=template.version), size=8.5, color=MUTED)
        if template.is_demo:
            pdf.para(words["demo"], size=9, color=(138, 90, 0))
    pdf.ln(2)
    pdf.para(words["worried"], size=11, bold=True)
    return bytes(pdf.output())


def estimate_pdf(page: PlanPage, *, compress: bool = True) -> bytes:
    """The plan's cost estimate for the patient (English), with the sessions and dates."""
    plan = page.plan
    patient, clinic = plan.patient, plan.patient.clinic
    pdf = HandoutPDF(language="en", footer_text=f"{clinic.name} - {patient.mrn} - plan {plan.pk}")
    pdf.set_compression(compress)
    pdf.set_title(f"Treatment plan {plan.pk}: cost estimate")
    pdf.set_author(clinic.name)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.para(", ".join(p for p in (clinic.name, clinic.city) if p), size=10, color=MUTED)
    pdf.para("Your treatment plan and its cost", size=19, bold=True, height=9)
    pdf.para(f"Patient: {patient.full_name} ({patient.mrn})", size=11)
    pdf.para(
        f"Plan status: {plan.get_status_display()} · prescribed by "
        f"{plan.prescriber.get_full_name() or plan.prescriber.username} · first session "
        f"{plan.start_date.isoformat()}",
        size=10,
        color=MUTED,
    )
    pdf.heading("Goal")
    pdf.para(plan.goal, size=11)
    pdf.heading("Treatments")
    for pm in page.modalities:
        pdf.para(f"{pm.label}: {pm.sessions} session(s), {pm.interval_text}", size=11)
        pdf.para(f"Usual protocol: {pm.protocol_wording}", size=9, color=MUTED, indent=4)
    pdf.heading("Sessions")
    for row in page.rows:
        if row.session.status == "cancelled":
            continue
        pdf.para(
            f"{row.day.isoformat()} · {row.session.plan_modality.label} "
            f"{row.session.number}: {row.session.get_status_display().lower()}",
            size=10,
            indent=4,
        )
    pdf.heading("Cost estimate")
    if page.accepted_lines:
        pdf.para("As accepted:", size=10, color=MUTED)
        for text in page.accepted_lines:
            pdf.para(text, size=11, indent=4)
    else:
        for line in page.estimate.lines:
            pdf.para(f"{line.label}: {line.text}", size=11, indent=4)
        pdf.para(f"Total: {page.estimate.total_text}", size=12, bold=True)
        pdf.para(
            f"Prices of the clinic's list in force on {page.estimate.on_date.isoformat()}.",
            size=9,
            color=MUTED,
        )
    if page.estimate.has_demo:
        pdf.para("Demo prices, not a quote.", size=10, color=(138, 90, 0))
    pdf.para(
        "An estimate for the number of sessions planned: the plan may need more or fewer.",
        size=9,
        color=MUTED,
    )
    return bytes(pdf.output())
