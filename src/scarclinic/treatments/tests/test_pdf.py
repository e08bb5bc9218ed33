"""The take-home PDF: a valid PDF that carries the options, the evidence with its citations,
the costs, the screening, the date and the physician, with a Unicode font or the core fonts."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from scarclinic.clinical.candidacy import add_months
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments import pdf, selectors, services
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.tests.pdftext import pdf_text
from scarclinic.treatments.tests.stories import months_ago, patient_with
from scarclinic.web.pdf import PatientPDF
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(cast: Cast) -> selectors.Consultation:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=months_ago(timezone.localdate(), 4),
        bleeding_or_platelet_disorder=True,
    )
    services.decision_record(
        patient=patient, by=cast.physician, chosen="tca_cross", questions="Will it hurt?"
    )
    return selectors.consultation_build(patient=patient, with_decisions=True)


@pytest.mark.parametrize("unicode_font", [True, False], ids=["dejavu", "core-fonts"])
def test_the_pdf_names_every_option_with_evidence_costs_screening_date_and_physician(
    consultation: selectors.Consultation, unicode_font: bool
) -> None:
    if unicode_font and pdf.find_unicode_font() is None:
        pytest.skip("DejaVu Sans is not installed here")
    content = pdf.consultation_pdf(
        consultation, prepared_by="Dr Ayesha Khan", compress=False, unicode_font=unicode_font
    )
    assert content.startswith(b"%PDF-1.")
    assert content.rstrip().endswith(b"%%EOF")
    assert len(content) > 5_000
    pages = len(re.findall(rb"/Type /Page(?!s)", content))
    assert pages >= 2 and f"Page {pages} of {pages}" in pdf_text(content)
    text = pdf_text(content)
    for modality in Modality:
        assert modality.label in text, modality.label
    last_dose = consultation.history.isotretinoin_last_dose  # type: ignore[union-attr]
    until = add_months(last_dose, 6).isoformat()
    assert f"Fractional ablative laser (CO2 / erbium): deferred until {until}" in text
    assert "Microneedling with PRP: not suitable for you" in text
    assert "Source: Lee et al. Dermatol Surg 2002;28:1017-21." in text
    assert "Source: Alam et al. JAMA Dermatol 2014." in text
    assert "PKR 28,000 to PKR 42,000" in text  # TCA CROSS, 4-6 sessions x 7,000 (demo)
    assert "Prices marked as demo values are examples, not a quote." in text
    assert "INVESTIGATIONAL" in text and "Weak evidence" in text
    assert "No clinic data yet." in text
    assert f"date {consultation.on_date.isoformat()}" in text
    assert "Physician: Dr Ayesha Khan" in text
    assert "TCA CROSS (proposed start of a treatment plan)." in text
    assert "Your questions: Will it hurt?" in text
    assert consultation.rule_set_version in text


def test_the_compressed_pdf_is_smaller_and_still_a_pdf(
    consultation: selectors.Consultation,
) -> None:
    packed = pdf.consultation_pdf(consultation, prepared_by="Dr Khan")
    loose = pdf.consultation_pdf(consultation, prepared_by="Dr Khan", compress=False)
    assert packed.startswith(b"%PDF-") and b"/FlateDecode" in packed
    assert len(packed) < len(loose)


def test_the_core_fonts_replace_what_latin_1_cannot_show() -> None:
    document = PatientPDF(language="en", unicode_font=False)
    assert document.text_of("≥ 50% – ‘safe’ → done") == ">= 50% - 'safe' -> done"
    assert document.text_of("Ürdü ok") == "Ürdü ok"


def test_a_patient_not_ready_gets_a_pdf_that_says_what_is_missing(cast: Cast) -> None:
    c = selectors.consultation_build(patient=cast.bilal)
    text = pdf_text(pdf.consultation_pdf(c, prepared_by="Dr Khan", compress=False))
    assert "Before we can compare treatments" in text
    assert "No signed scar assessment" in text
