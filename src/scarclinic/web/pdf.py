"""The page every PDF for a patient is set on (the consultation's options, the session handout,
the plan's cost estimate, the progress report), in English or Urdu.

Urdu is set right to left with text shaping (fpdf2 with HarfBuzz): Noto Naskh Arabic, shipped
in web/static/fonts with its licence (SIL OFL 1.1), for the Urdu script, DejaVu Sans for
Latin text within it (names, MRNs, treatment and drug names); English is set in DejaVu Sans
with Naskh as the fallback for an Urdu name. Naskh has no Latin letters, so without DejaVu
Sans on the system (fonts-dejavu-core) a PDF is English in the PDF core fonts, its text
reduced to Latin-1: a readable English document rather than an Urdu one with holes.

Build a document under ``translation.override(pdf.language)``: the fixed words come from the
app catalogues and the dates from the formats in web/formats."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Literal

from django.utils import formats, timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

LANGUAGES = ("en", "ur")
URDU_FONT = Path(__file__).resolve().parent / "static" / "fonts" / "NotoNaskhArabic-Regular.ttf"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
INK = (28, 36, 48)
MUTED = (91, 102, 117)
ACCENT = (15, 110, 110)
STOP = (164, 38, 44)
CAUTION = (138, 90, 0)
OK = (30, 107, 51)
RULE = (217, 222, 229)
_LATIN1_REPLACEMENTS = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "-",
    "\u2026": "...",
    "\u25b6": ">",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2192": "->",
    "\u00a0": " ",
}
# fontTools reports every glyph subset at INFO: not news for the clinic's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logger = logging.getLogger(__name__)
# Arabic-script letters and their presentation forms (Urdu is written in them).
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def find_unicode_font(dirs: tuple[Path, ...] = FONT_DIRS) -> Path | None:
    """The directory holding DejaVu Sans (regular, bold, oblique), or None."""
    for directory in dirs:
        if all((directory / name).is_file() for name in FONT_FILES.values()):
            return directory
    return None


def pdf_language(requested: str | None, *, default: str | None) -> str:
    """The language asked for (``?lang=``) when the PDFs are written in it, else ``default``
    (the patient's preferred language), else English: a bad value is never an error."""
    for language in (requested, default):
        if language == "ur":
            # Urdu needs DejaVu Sans for its Latin words: without it the PDF is English.
            return "ur" if find_unicode_font() is not None else "en"
        if language == "en":
            return "en"
    return "en"


class PatientPDF(FPDF):
    """A4 in ``language`` with a footer line and page numbers; see the module docstring for
    the fonts. ``language`` is what the document ends up in (English without DejaVu)."""

    def __init__(
        self,
        *,
        language: str,
        footer_text: str = "",
        font_dir: Path | None = None,
        unicode_font: bool = True,
        margin: float = 16,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(format="A4")
        directory = (font_dir or find_unicode_font()) if unicode_font else None
        self.unicode = directory is not None
        if directory is not None:
            for style, name in FONT_FILES.items():
                self.add_font("DejaVu", style, str(directory / name))
            self.add_font("Naskh", "", str(URDU_FONT))
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"
            if language == "ur":
                logger.warning("DejaVu Sans is missing (fonts-dejavu-core): PDF in English.")
        self.rtl = language == "ur" and self.unicode
        self.language = "ur" if self.rtl else "en"
        self.footer_text = footer_text
        # A paragraph's size and line height unless it says otherwise.
        self.body_size: float = 10
        self.leading: float = 5
        # The clinic's time zone: times and "today" are the clinic's, wherever the server is.
        self.zone = zone or timezone.get_current_timezone()
        self.set_margins(margin, 16, margin)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("scarclinic")
        self.set_lang(self.language)
        self.alias_nb_pages()

    # -- text -----------------------------------------------------------------------------

    def text_of(self, text: str) -> str:
        """``text`` as the current fonts can show it (Latin-1 with the core fonts)."""
        if self.unicode:
            return text
        for char, plain in _LATIN1_REPLACEMENTS.items():
            text = text.replace(char, plain)
        text = unicodedata.normalize("NFKC", text)
        return text.encode("latin-1", "replace").decode("latin-1")

    def use_font(self, size: float, style: str = "", text: str = "") -> None:
        """The body font at ``size`` for ``text``: Naskh right to left for Urdu (one weight,
        so bold is set larger instead), DejaVu (or Helvetica) left to right otherwise."""
        if self.rtl:
            self.set_font("Naskh", "", round(size * (1.2 if "B" in style else 1.1), 1))
            self.set_fallback_fonts(["DejaVu"])
            self.set_text_shaping(
                use_shaping_engine=True, direction="rtl", script="arab", language="urd"
            )
        elif self.unicode:
            self.set_font("DejaVu", style, size)
            self.set_fallback_fonts(["Naskh"])
            # Shaping joins the letters of an Urdu name in English text; plain Latin text
            # is left unshaped, which keeps it one searchable run and is faster.
            if _ARABIC.search(text):
                self.set_text_shaping(use_shaping_engine=True, direction="ltr")
            else:
                self.set_text_shaping(False)
        else:
            self.set_font(self.family, style, size)

    def _reset_font_state(self) -> None:
        # fpdf2 2.8 loses track of the font in the page's content stream after a fallback
        # fragment (Latin inside Urdu): the next paragraph would be drawn with no font or
        # misplaced. Switching fonts here makes the next one state its font again.
        if self.rtl:
            self.set_font("DejaVu", "", 8)

    @property
    def align(self) -> str:
        """Where a line of text starts: the right for Urdu."""
        return "R" if self.rtl else "L"

    # -- blocks ---------------------------------------------------------------------------

    def para(
        self,
        text: str,
        *,
        size: float | None = None,
        style: str = "",
        color: tuple[int, int, int] = INK,
        height: float | None = None,
        indent: float = 0,
    ) -> None:
        """A paragraph across the page (less ``indent`` on the side the text starts)."""
        size = size or self.body_size
        height = height or self.leading
        self.use_font(size, style, text)
        self.set_text_color(*color)
        # Naskh's tall ascenders and descenders need more leading than Latin text.
        line = round(height * (1.3 if self.rtl else 1), 2)
        self.set_x(self.l_margin + (0 if self.rtl else indent))
        self.multi_cell(
            self.epw - indent,
            line,
            self.text_of(text),
            align=self.align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self._reset_font_state()

    def heading(self, text: str, *, size: float = 13, color: tuple[int, int, int] = INK) -> None:
        """A section heading with a rule under it."""
        self.ln(2)
        self.para(text, size=size, style="B", color=color, height=7)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)

    def labelled(self, label: str, text: str, *, color: tuple[int, int, int] = INK) -> None:
        """A small muted label with its text under it, both indented."""
        self.para(label, size=9, style="B", color=MUTED, height=4.5, indent=4)
        self.para(text, size=9.5, color=color, height=4.6, indent=4)

    def grid(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
    ) -> None:
        """A table of one-line cells; columns run right to left in Urdu."""
        order = list(range(len(widths)))
        if self.rtl:
            order.reverse()
        start = self.l_margin + (self.epw - sum(widths) if self.rtl else 0)
        self.set_text_color(*MUTED)
        self.set_x(start)
        for i in order:
            self._cell(header[i], widths[i], size=9, style="B", height=6, border="B")
        self.ln(6)
        self.set_text_color(*INK)
        for row in rows:
            self.set_x(start)
            for i in order:
                self._cell(row[i], widths[i], size=9.5, height=5.5)
            self.ln(5.5 * (1.2 if self.rtl else 1))
        self._reset_font_state()
        self.ln(2)

    def _cell(
        self,
        text: str,
        width: float,
        *,
        size: float,
        height: float,
        style: str = "",
        border: Literal[0, 1] | str = 0,
    ) -> None:
        """One table cell whose text never runs into the next column: a smaller font first,
        then cut with an ellipsis."""
        text = self.text_of(text)
        self.use_font(size, style, text)
        room = width - 1.5
        while size > 7 and self.get_string_width(text) > room:
            size -= 0.5
            self.use_font(size, style, text)
        ellipsis = "\u2026" if self.unicode else "..."
        if self.get_string_width(text) > room:
            while text and self.get_string_width(text + ellipsis) > room:
                text = text[:-1]
            text += ellipsis
        self.cell(width, height * (1.2 if self.rtl else 1), text, border=border, align=self.align)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_text_color(*MUTED)
        self.use_font(8, text=self.footer_text)
        self.set_x(self.l_margin)
        self.cell(self.epw, 5, self.text_of(self.footer_text), align=self.align)
        # The page count is an alias replaced when the file is written: it is set without
        # shaping, in Western digits, on the side the text ends.
        self.set_font(self.family, "", 8)
        if self.unicode:
            self.set_text_shaping(False)
        number = f"{self.page_no()} / {{nb}}" if self.rtl else f"Page {self.page_no()} of {{nb}}"
        self.set_x(self.l_margin)
        self.cell(self.epw, 5, number, align="L" if self.rtl else "R")

    # -- dates ----------------------------------------------------------------------------

    def day(self, day: date) -> str:
        """A date: ISO in English (as the clinic's records show them), dd/mm/yyyy in Urdu,
        where the slashes keep the digits in order within right-to-left text (a hyphenated
        ISO date is reordered by the bidi algorithm)."""
        return formats.date_format(day, "SHORT_DATE_FORMAT") if self.rtl else day.isoformat()

    def when(self, moment: datetime) -> str:
        """A date and time in the clinic's time zone."""
        local = timezone.localtime(moment, self.zone)
        if self.rtl:
            return f"{local:%d/%m/%Y}، {local:%H:%M}"
        return f"{local:%A %d %B %Y}, {local:%H:%M}"

    def today(self) -> date:
        """Today at the clinic."""
        return timezone.localdate(timezone=self.zone)

    def number(self, value: Decimal | float, decimals: int | None = None) -> str:
        """A number with the language's grouping (lakhs in Urdu: 1,50,000)."""
        return formats.number_format(
            value, decimal_pos=decimals, use_l10n=True, force_grouping=True
        )
