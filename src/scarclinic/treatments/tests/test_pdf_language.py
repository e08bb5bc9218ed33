"""The consultation's take-home PDF and the plan's cost estimate in the patient's language:
English or Urdu by the patient's preference, ``?lang=`` to choose the other, a bad ``?lang=``
ignored; the download audited with its language; another clinic's patient not found."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.patients.models import Patient
from scarclinic.treatments.tests.pdftext import inflated, pdf_text, pdf_title
from scarclinic.treatments.tests.plan_stories import accepted_plan, ready_for_prp
from scarclinic.web.pdf import LANGUAGES, find_unicode_font, pdf_language
from tests.cast import Cast

Login = Callable[[User], Client]
needs_dejavu = pytest.mark.skipif(
    find_unicode_font() is None, reason="Urdu PDFs need DejaVu Sans (fonts-dejavu-core)"
)
# (the patient's preferred language, the query string, the PDF's language)
CHOICES = [
    ("en", "", "en"),
    ("ur", "", "ur"),
    ("ur", "?lang=en", "en"),
    ("ur", "?lang=fr", "ur"),
]
CHOICE_IDS = ["english-default", "urdu-preferred", "english-asked", "bad-lang-ignored"]


def _prefers(patient: Patient, language: str) -> None:
    patient.preferred_language = language
    patient.save(update_fields=["preferred_language"])


def read(response: object) -> tuple[str, str, bool]:
    """The title, the text without spaces (shaped text is drawn glyph by glyph, Urdu in
    visual order) and whether Urdu letters are drawn in the shipped Urdu font."""
    content: bytes = response.content  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"  # type: ignore[index]
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    text = pdf_text(inflated(content)).replace(" ", "")
    urdu = b"NotoNaskhArabic" in content and re.search("[\u0600-\u06ff]", text) is not None
    return pdf_title(content), text, urdu


@given(
    requested=st.one_of(st.none(), st.text(max_size=5)),
    default=st.sampled_from(["en", "ur", "", "xx"]),
)
def test_the_pdf_language_is_the_one_asked_for_else_the_patients_else_english(
    requested: str | None, default: str
) -> None:
    language = pdf_language(requested, default=default)
    assert language in LANGUAGES
    if requested in LANGUAGES:
        assert language == requested or find_unicode_font() is None
    elif default in LANGUAGES:
        assert language == default or find_unicode_font() is None
    else:
        assert language == "en"


@needs_dejavu
@pytest.mark.django_db
@pytest.mark.parametrize(("preferred", "query", "expected"), CHOICES, ids=CHOICE_IDS)
def test_the_consultation_pdf_is_in_the_patients_language_or_the_one_asked_for(
    cast: Cast, login: Login, preferred: str, query: str, expected: str
) -> None:
    _prefers(cast.bilal, preferred)
    response = login(cast.physician).get(f"/consultation/patient/{cast.bilal.pk}/pdf/{query}")
    title, text, urdu = read(response)
    if expected == "ur":
        assert title.startswith("علاج کے اختیارات") and urdu
        assert "Beforewecancomparetreatments" not in text
    else:
        assert title.startswith("Treatment options") and not urdu
        assert "Beforewecancomparetreatments" in text
    assert "BilalAhmed" in text  # a Latin name stays Latin in Urdu text
    export = AuditEntry.objects.get(action="export", object_type="treatments.consultation")
    assert export.detail["language"] == expected
    assert response["Content-Disposition"].endswith(f'-{expected}.pdf"')


@needs_dejavu
@pytest.mark.django_db
@pytest.mark.parametrize(("preferred", "query", "expected"), CHOICES, ids=CHOICE_IDS)
def test_the_cost_estimate_is_in_the_patients_language_or_the_one_asked_for(
    cast: Cast, login: Login, preferred: str, query: str, expected: str
) -> None:
    ready_for_prp(cast)
    plan = accepted_plan(cast)
    _prefers(cast.amina, preferred)
    response = login(cast.physician).get(f"/treatments/plans/{plan.pk}/estimate.pdf{query}")
    title, text, urdu = read(response)
    if expected == "ur":
        assert title == f"علاج کا منصوبہ {plan.pk}: لاگت کا تخمینہ" and urdu
        for english in ("Costestimate", "Treatments", "Sessions", "Asaccepted", "Total"):
            assert english not in text, english
    else:
        assert title == f"Treatment plan {plan.pk}: cost estimate" and not urdu
        for english in ("Costestimate", "Treatments", "Sessions", "Asaccepted:", "Total"):
            assert english in text, english
    assert "MicroneedlingwithPRP" in text
    export = AuditEntry.objects.get(action="export", object_type="treatments.treatmentplan")
    assert export.detail == {"format": "pdf", "what": "estimate", "language": expected}


@pytest.mark.django_db
def test_another_clinics_patient_has_no_pdf_in_any_language(cast: Cast, login: Login) -> None:
    ready_for_prp(cast)
    plan = accepted_plan(cast)
    outsider = login(cast.outsider)
    for url in (
        f"/consultation/patient/{cast.amina.pk}/pdf/?lang=ur",
        f"/treatments/plans/{plan.pk}/estimate.pdf?lang=ur",
        f"/treatments/plans/{plan.pk}/estimate.pdf?lang=zz",
    ):
        assert outsider.get(url).status_code == 404, url
    assert not AuditEntry.objects.filter(action="export").exists()
