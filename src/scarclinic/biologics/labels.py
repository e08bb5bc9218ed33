"""ISBT 128 style labels of a unit, as PDF (fpdf2) and PNG (Pillow): the DIN as a Code 128
barcode (python-barcode) with the eye-readable DIN, its flags and the check character boxed
(clinical reference §7), a QR code (segno), the product code and description, volume and
cells, storage, expiry, the regulatory status, and the statements that apply: "FOR
AUTOLOGOUS USE ONLY" with the patient's identity, "NOT EVALUATED FOR INFECTIOUS SUBSTANCES",
the biohazard legend for an ineligible donor. A demo FIN, a local test product code, an
exceptional release and a unit not released are said on the label in words.

Layout only: the ISBT 128 label design and its code tables are ICCBBA's and licensed; a
clinic validates its labels against its licence before clinical use.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import segno
from barcode import Code128
from barcode.writer import ImageWriter
from django.utils import timezone, translation
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from scarclinic.biologics.models import (
    DonorEligibility,
    ProductStatus,
    ProductUnit,
    RegulatoryClass,
    StorageCondition,
)
from scarclinic.clinical.isbt128 import Din

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
LABEL_MM = 102  # 4 x 4 inches, the usual size of a cellular therapy base label
DPI = 300
PX = round(LABEL_MM / 25.4 * DPI)
BIOHAZARD = "\u2623"


def _font_dir() -> Path | None:
    for directory in FONT_DIRS:
        if (directory / REGULAR).is_file() and (directory / BOLD).is_file():
            return directory
    return None


@dataclass(frozen=True)
class LabelData:
    """What a label says, taken from the unit once."""

    facility: str
    fin: str
    fin_is_demo: bool
    din: Din
    barcode_data: str
    product_code: str
    product_description: str
    code_is_local_test: bool
    product_type: str
    volume: str
    cells: str
    storage: str
    expires: str
    regulatory: str
    autologous: bool
    patient_lines: tuple[str, ...]
    statements: tuple[str, ...]
    biohazard: bool
    banners: tuple[str, ...] = field(default=())  # red: not released, exceptional release
    qr_text: str = ""


def _plain(value: Decimal) -> str:
    """4.00 -> '4', 2.50 -> '2.5'."""
    return format(value.normalize(), "f")


def label_data(product: ProductUnit, *, fin_is_demo: bool) -> LabelData:
    """The label's content, in English whatever the user's language: a label is read by
    whoever handles the unit, wherever it goes (ISBT 128 labels are English here)."""
    with translation.override("en"):
        return _label_data(product, fin_is_demo=fin_is_demo)


def _label_data(product: ProductUnit, *, fin_is_demo: bool) -> LabelData:
    """The label of a unit (collection, donor, recipient and product code loaded)."""
    din = Din(
        facility=product.din[:5],
        year=int(product.din[5:7]),
        sequence=int(product.din[7:]),
        flags=product.flags,
        check=product.check_character,
    )
    code = product.product_code
    statements: list[str] = []
    biohazard = False
    patient_lines: tuple[str, ...] = ()
    if product.is_autologous:
        patient = product.intended_recipient
        statements += ["FOR AUTOLOGOUS USE ONLY", "NOT EVALUATED FOR INFECTIOUS SUBSTANCES"]
        if patient is not None:
            patient_lines = (
                patient.full_name,
                f"MRN {patient.mrn}",
                f"Born {patient.date_of_birth:%Y-%m-%d}",
            )
    else:
        donor = product.collection.donor
        if donor is not None and donor.eligibility == DonorEligibility.INELIGIBLE:
            biohazard = True
            statements += [
                "BIOHAZARD",
                "WARNING: DONOR INELIGIBLE. Advise the patient of communicable disease risks.",
            ]
        elif donor is not None and donor.eligibility == DonorEligibility.INCOMPLETE:
            statements += [
                "NOT EVALUATED FOR INFECTIOUS SUBSTANCES",
                "Donor eligibility determination not complete",
            ]
    banners: list[str] = []
    if product.status != ProductStatus.RELEASED and product.status != ProductStatus.ISSUED:
        banners.append(f"{product.get_status_display().upper()}: NOT FOR CLINICAL USE")
    if product.exceptional_release:
        banners.append("EXCEPTIONAL RELEASE (medical director)")
    regulatory = str(RegulatoryClass(product.regulatory_class).label)
    if product.regulatory_class == RegulatoryClass.SECTION_351_IND:
        regulatory = f"INVESTIGATIONAL: {product.ind_number}"
        if product.protocol_name:
            regulatory += f", {product.protocol_name}"
    cells = (
        f"{_plain(product.cell_count_million)} x10^6 viable cells"
        if product.cell_count_million
        else ""
    )
    if product.platelet_count_10e9_per_l:
        cells = f"Platelets {_plain(product.platelet_count_10e9_per_l)} x10^9/L"
    expires = timezone.localtime(product.expires_at)
    eye = din.eye_readable()
    return LabelData(
        facility=product.clinic.name,
        fin=din.facility,
        fin_is_demo=fin_is_demo,
        din=din,
        barcode_data=din.barcode_data(),
        product_code=code.code if code else "",
        product_description=code.description if code else "",
        code_is_local_test=bool(code and code.is_local_test_code),
        product_type=product.get_product_type_display(),
        volume=f"{_plain(product.volume_ml)} mL",
        cells=cells,
        storage=str(StorageCondition(product.storage_condition).label),
        expires=f"{expires:%Y-%m-%d %H:%M} {expires.tzname() or ''}".strip(),
        regulatory=regulatory,
        autologous=product.is_autologous,
        patient_lines=patient_lines,
        statements=tuple(statements),
        biohazard=biohazard,
        banners=tuple(banners),
        qr_text=(
            f"DIN={eye};PC={code.code if code else ''};"
            f"EXP={expires.isoformat(timespec='minutes')};"
            f"AUTO={'Y' if product.is_autologous else 'N'}"
        ),
    )


def din_barcode_image(data: LabelData, *, height_mm: float = 12.0) -> Image.Image:
    """The Code 128 symbol of the DIN ('=' + DIN + flags), without human-readable text."""
    writer = ImageWriter()
    image: Image.Image = Code128(data.barcode_data, writer=writer).render(
        {
            # 0.254 mm: exactly 3 dots at 300 dpi, so every bar keeps its width in print.
            "module_width": 0.254,
            "module_height": height_mm,
            "quiet_zone": 2.5,
            "write_text": False,
            "dpi": DPI,
            "background": "white",
            "foreground": "black",
        }
    )
    return image.convert("L")


def qr_image(data: LabelData, *, scale: int = 6) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(data.qr_text, error="m").save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


# ------------------------------------------------------------------------------------------
# PNG


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    directory = _font_dir()
    if directory is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(directory / (BOLD if bold else REGULAR)), size)


def _mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:  # type: ignore[arg-type]
            line = candidate
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def label_png(data: LabelData) -> bytes:
    """The label as a 300 dpi PNG, 102 mm square."""
    image = Image.new("L", (PX, PX), 255)
    draw = ImageDraw.Draw(image)
    margin = _mm(3)
    half = PX // 2
    draw.rectangle([2, 2, PX - 3, PX - 3], outline=0, width=4)
    # Top line: facility and FIN
    top = _font(30, bold=True)
    draw.text((margin, margin), data.facility[:48], font=top, fill=0)
    fin_text = f"FIN {data.fin}" + (
        " · DEMO FIN, not assigned by ICCBBA" if data.fin_is_demo else ""
    )
    draw.text((margin, margin + 38), fin_text, font=_font(24), fill=0)
    y0 = margin + 78
    draw.line([margin, y0, PX - margin, y0], fill=0, width=3)
    # Upper left: the DIN
    barcode = din_barcode_image(data)  # pasted at its own size: never stretch bars
    image.paste(barcode, (margin, y0 + 10))
    y = y0 + 10 + barcode.height + 2
    din_bottom = y + 62
    din_font = _font(46, bold=True)
    din = data.din
    main = f"{din.facility} {din.year:02d} {din.sequence:06d}"
    draw.text((margin, y), main, font=din_font, fill=0)
    x = margin + int(draw.textlength(main, font=din_font)) + 10
    flags_font = _font(24)
    draw.text((x, y + 4), din.flags or "00", font=flags_font, fill=0)
    x += int(draw.textlength(din.flags or "00", font=flags_font)) + 10
    check_font = _font(40, bold=True)
    check = din.check or ""
    box = int(draw.textlength(check, font=check_font)) + 20
    draw.rectangle([x, y, x + box, y + 56], outline=0, width=4)
    draw.text((x + 10, y + 4), check, font=check_font, fill=0)
    # Upper right: product code and description
    right = half + _mm(2)
    y = y0 + 12
    draw.text((right, y), data.product_code or "No product code", font=_font(44, bold=True), fill=0)
    y += 56
    small = _font(24)
    description = data.product_description or data.product_type
    for line in _wrap(draw, description, small, PX - right - margin)[:3]:
        draw.text((right, y), line, font=small, fill=0)
        y += 30
    if data.code_is_local_test:
        draw.text((right, y), "LOCAL TEST CODE, not ICCBBA's", font=_font(24, bold=True), fill=0)
        y += 30
    y1 = max(y, din_bottom) + 10
    draw.line([margin, y1, PX - margin, y1], fill=0, width=3)
    # Middle: contents, storage, expiry, regulatory
    y = y1 + 10
    body = _font(28)
    for line in (
        data.product_type,
        f"{data.volume}" + (f" · {data.cells}" if data.cells else ""),
        f"Store: {data.storage}",
    ):
        for part in _wrap(draw, line, body, PX - 2 * margin)[:2]:
            draw.text((margin, y), part, font=body, fill=0)
            y += 34
    draw.text((margin, y + 4), f"EXPIRES {data.expires}", font=_font(38, bold=True), fill=0)
    y += 54
    for part in _wrap(draw, data.regulatory, _font(24), PX - 2 * margin)[:2]:
        draw.text((margin, y), part, font=_font(24), fill=0)
        y += 30
    y2 = y + 10
    draw.line([margin, y2, PX - margin, y2], fill=0, width=3)
    # Lower left: patient and statements; lower right: QR code
    qr = qr_image(data)
    qr_size = min(_mm(30), PX - y2 - margin - 10)
    qr = qr.resize((qr_size, qr_size), Image.Resampling.NEAREST)
    image.paste(qr, (PX - margin - qr_size, y2 + 10))
    text_width = PX - 3 * margin - qr_size
    y = y2 + 12
    bold = _font(30, bold=True)
    for statement in data.statements:
        if statement == "BIOHAZARD":
            symbol = _font(72)
            draw.text((margin, y - 8), BIOHAZARD, font=symbol, fill=0)
            offset = int(draw.textlength(BIOHAZARD, font=symbol)) + 12
            draw.text((margin + offset, y + 12), statement, font=_font(40, bold=True), fill=0)
            y += 76
            continue
        for part in _wrap(draw, statement, bold, text_width):
            draw.text((margin, y), part, font=bold, fill=0)
            y += 36
    for line in data.patient_lines:
        draw.text((margin, y), line, font=_font(30, bold=line == data.patient_lines[0]), fill=0)
        y += 36
    for banner in data.banners:
        for part in _wrap(draw, banner, bold, text_width):
            w = int(draw.textlength(part, font=bold))
            draw.rectangle([margin - 4, y - 2, margin + w + 8, y + 36], fill=0)
            draw.text((margin + 2, y), part, font=bold, fill=255)
            y += 42
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


# ------------------------------------------------------------------------------------------
# PDF


class _LabelPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(unit="mm", format=(LABEL_MM, LABEL_MM))
        directory = _font_dir()
        if directory is not None:
            self.add_font("DejaVu", "", str(directory / REGULAR))
            self.add_font("DejaVu", "B", str(directory / BOLD))
            self.family_name = "DejaVu"
        else:
            self.family_name = "Helvetica"
        self.set_margins(3, 3, 3)
        self.set_auto_page_break(False)

    def text_of(self, text: str) -> str:
        if self.family_name == "DejaVu":
            return text
        return text.replace(BIOHAZARD, "").encode("latin-1", "replace").decode("latin-1")

    def put(
        self, x: float, y: float, text: str, size: float, *, bold: bool = False, w: float = 0
    ) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.set_xy(x, y)
        self.cell(w, size * 0.45, self.text_of(text))


def _png_bytes(image: Image.Image) -> io.BytesIO:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def label_pdf(data: LabelData, *, compress: bool = True) -> bytes:
    """The label as a one-page PDF, 102 mm square."""
    pdf = _LabelPDF()
    pdf.set_compression(compress)
    pdf.set_title(f"Label {data.din.eye_readable()}")
    pdf.add_page()
    m, half = 3.0, LABEL_MM / 2
    pdf.rect(1, 1, LABEL_MM - 2, LABEL_MM - 2)
    pdf.put(m, m, data.facility[:48], 9, bold=True)
    fin = f"FIN {data.fin}" + (" · DEMO FIN, not assigned by ICCBBA" if data.fin_is_demo else "")
    pdf.put(m, m + 4.5, fin, 7)
    y0 = m + 9
    pdf.line(m, y0, LABEL_MM - m, y0)
    barcode = din_barcode_image(data)
    pdf.image(
        _png_bytes(barcode),
        x=m,
        y=y0 + 1,
        w=barcode.width / DPI * 25.4,
        h=barcode.height / DPI * 25.4,
    )
    din = data.din
    main = f"{din.facility} {din.year:02d} {din.sequence:06d}"
    y = y0 + 1.5 + barcode.height / DPI * 25.4
    pdf.set_font(pdf.family_name, "B", 12)
    pdf.put(m, y, main, 12, bold=True)
    x = m + pdf.get_string_width(main) + 1.5
    pdf.put(x, y + 0.6, din.flags or "00", 7)
    pdf.set_font(pdf.family_name, "", 7)
    x += pdf.get_string_width(din.flags or "00") + 1.5
    pdf.set_font(pdf.family_name, "B", 11)
    check_w = pdf.get_string_width(din.check or "") + 2.4
    pdf.rect(x, y - 0.6, check_w, 6.2)
    pdf.put(x + 1.2, y, din.check or "", 11, bold=True)
    right = half + 2
    pdf.put(right, y0 + 1.5, data.product_code or "No product code", 12, bold=True)
    pdf.set_xy(right, y0 + 8)
    pdf.set_font(pdf.family_name, "", 7)
    pdf.multi_cell(
        LABEL_MM - right - m,
        3.2,
        pdf.text_of(data.product_description or data.product_type),
        align="L",
    )
    y = max(pdf.get_y(), y0 + 8)
    if data.code_is_local_test:
        pdf.put(right, y + 0.5, "LOCAL TEST CODE, not ICCBBA's", 7, bold=True)
        y += 4
    y1 = max(y, y0 + 1.5 + barcode.height / DPI * 25.4 + 6.5) + 1.5
    pdf.line(m, y1, LABEL_MM - m, y1)
    pdf.set_xy(m, y1 + 1)
    pdf.set_font(pdf.family_name, "", 8)
    contents = f"{data.volume}" + (f" · {data.cells}" if data.cells else "")
    pdf.multi_cell(
        LABEL_MM - 2 * m,
        3.6,
        pdf.text_of(f"{data.product_type}\n{contents}\nStore: {data.storage}"),
        align="L",
    )
    pdf.set_x(m)
    pdf.set_font(pdf.family_name, "B", 10)
    pdf.cell(0, 5, pdf.text_of(f"EXPIRES {data.expires}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "", 7)
    pdf.multi_cell(LABEL_MM - 2 * m, 3.2, pdf.text_of(data.regulatory), align="L")
    y2 = pdf.get_y() + 1
    pdf.line(m, y2, LABEL_MM - m, y2)
    qr_size = min(28.0, LABEL_MM - y2 - m - 1)
    pdf.image(_png_bytes(qr_image(data)), x=LABEL_MM - m - qr_size, y=y2 + 1, w=qr_size, h=qr_size)
    width = LABEL_MM - 3 * m - qr_size
    pdf.set_xy(m, y2 + 1.5)
    pdf.set_font(pdf.family_name, "B", 8.5)
    for statement in data.statements:
        pdf.set_x(m)
        if statement == "BIOHAZARD":
            pdf.set_font(pdf.family_name, "B", 14)
            pdf.multi_cell(width, 6.5, pdf.text_of(f"{BIOHAZARD} {statement}"), align="L")
            pdf.set_font(pdf.family_name, "B", 8.5)
            continue
        pdf.multi_cell(width, 3.9, pdf.text_of(statement), align="L")
    for n, line in enumerate(data.patient_lines):
        pdf.set_x(m)
        pdf.set_font(pdf.family_name, "B" if n == 0 else "", 8.5)
        pdf.multi_cell(width, 3.9, pdf.text_of(line), align="L")
    pdf.set_font(pdf.family_name, "B", 8.5)
    for banner in data.banners:
        pdf.set_x(m)
        pdf.set_fill_color(0, 0, 0)
        pdf.set_text_color(255, 255, 255)
        pdf.multi_cell(width, 4.2, pdf.text_of(banner), fill=True, align="L")
        pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())
