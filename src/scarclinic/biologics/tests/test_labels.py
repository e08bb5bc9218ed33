"""Labels render as PDF and PNG, say what applies to the unit, and carry a scannable DIN.

The PNGs and PDFs are also written to var/screenshots/ (biologics-label-*), to be looked at."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from scarclinic.biologics import labels, services
from scarclinic.biologics.models import ProductCode
from scarclinic.biologics.tests.stories import (
    LabWorld,
    cord_unit,
    donor_receipt,
    released_cord,
    released_svf,
)
from scarclinic.clinical.isbt128 import parse_din
from scarclinic.treatments.tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db
OUT = Path(__file__).resolve().parents[4] / "var" / "screenshots"


def _codes(world: LabWorld) -> None:
    services.product_codes_load(
        clinic=world.clinic,
        by=world.cast.director,
        csv_text="code,description,product_type\n"
        "S9901,LOCAL TEST: SVF fresh in syringe,svf\n"
        "S9903,LOCAL TEST: cord MSC cryopreserved vial,cord_msc\n",
        licence_note="",
        local_test_codes=True,
    )


def _save(name: str, png: bytes, pdf: bytes) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"biologics-label-{name}.png").write_bytes(png)
    (OUT / f"biologics-label-{name}.pdf").write_bytes(pdf)


def test_an_autologous_label_names_the_patient_and_says_for_autologous_use_only(
    world: LabWorld,
) -> None:
    _codes(world)
    unit = released_svf(world, product_code=ProductCode.objects.get(code="S9901"))
    data = labels.label_data(unit, fin_is_demo=True)
    assert data.statements == ("FOR AUTOLOGOUS USE ONLY", "NOT EVALUATED FOR INFECTIOUS SUBSTANCES")
    assert data.patient_lines[:2] == ("Amina Qureshi", "MRN A-0001")
    assert data.barcode_data == f"={unit.din}00"
    assert parse_din(data.barcode_data).din == unit.din
    png, pdf = labels.label_png(data), labels.label_pdf(data, compress=False)
    _save("autologous", png, pdf)
    image = Image.open(io.BytesIO(png))
    assert image.size == (labels.PX, labels.PX) and image.info["dpi"][0] == pytest.approx(
        300, abs=0.01
    )
    text = pdf_text(pdf)
    for phrase in (
        "FOR AUTOLOGOUS USE ONLY",
        "NOT EVALUATED FOR INFECTIOUS SUBSTANCES",
        "Amina Qureshi",
        "MRN A-0001",
        "DEMO FIN",
        "LOCAL TEST CODE",
        "S9901",
        "EXPIRES",
        unit.din[:5],
        unit.check_character,
    ):
        assert phrase in text, phrase


def test_a_donor_unit_of_an_eligible_donor_carries_no_autologous_statement(
    world: LabWorld,
) -> None:
    _codes(world)
    unit = released_cord(world, product_code=ProductCode.objects.get(code="S9903"))
    data = labels.label_data(unit, fin_is_demo=True)
    assert data.statements == () and data.patient_lines == ()
    assert data.regulatory.startswith("INVESTIGATIONAL: IND")
    _save("donor", labels.label_png(data), labels.label_pdf(data, compress=False))


def test_an_ineligible_donors_unit_in_quarantine_shows_the_biohazard_and_not_for_use(
    world: LabWorld,
) -> None:
    unit = cord_unit(world, donor_receipt(world, donor_identifier="D-2", eligibility="ineligible"))
    data = labels.label_data(unit, fin_is_demo=False)
    assert "BIOHAZARD" in data.statements and data.biohazard
    assert data.banners == ("QUARANTINE: NOT FOR CLINICAL USE",)
    png, pdf = labels.label_png(data), labels.label_pdf(data, compress=False)
    _save("biohazard-quarantine", png, pdf)
    assert "BIOHAZARD" in pdf_text(pdf)
    assert "NOT FOR CLINICAL USE" in pdf_text(pdf)


def test_the_qr_code_and_the_barcode_are_real_images(world: LabWorld) -> None:
    unit = released_svf(world)
    data = labels.label_data(unit, fin_is_demo=True)
    barcode = labels.din_barcode_image(data)
    qr = labels.qr_image(data)
    # Both are black-and-white symbols with a quiet zone: the corners are white.
    for symbol in (barcode, qr):
        assert symbol.getpixel((0, 0)) == 255
        assert symbol.getextrema()[0] == 0
    assert unit.din in data.qr_text.replace(" ", "")
