"""The progress report in the patient's language: English or Urdu by the patient's preference,
``?lang=`` to choose the other, a bad ``?lang=`` ignored, the charts drawn; the download
audited with its language; another clinic's patient not found."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.outcomes.tests.stories import course
from scarclinic.treatments.tests.pdftext import inflated, pdf_text, pdf_title
from scarclinic.web.pdf import find_unicode_font
from tests.cast import Cast

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(find_unicode_font() is None, reason="Urdu PDFs need DejaVu Sans"),
]
Login = Callable[[User], Client]


@pytest.mark.parametrize(
    ("preferred", "query", "expected"),
    [("en", "", "en"), ("ur", "", "ur"), ("ur", "?lang=en", "en"), ("ur", "?lang=ur-PK", "ur")],
    ids=["english-default", "urdu-preferred", "english-asked", "bad-lang-ignored"],
)
def test_the_progress_report_is_in_the_patients_language_or_the_one_asked_for(
    cast: Cast, login: Login, preferred: str, query: str, expected: str
) -> None:
    course(cast)
    cast.amina.preferred_language = preferred
    cast.amina.save(update_fields=["preferred_language"])
    url = f"/outcomes/patient/{cast.amina.pk}/progress.pdf{query}"
    response = login(cast.physician).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    text = pdf_text(inflated(content)).replace(" ", "")
    urdu = b"NotoNaskhArabic" in content and re.search("[\u0600-\u06ff]", text) is not None
    if expected == "ur":
        assert pdf_title(content).startswith("پیش رفت رپورٹ") and urdu
        for english in ("Yourprogress", "Yourscores", "Improvement", "Sideeffects"):
            assert english not in text, english
    else:
        assert pdf_title(content).startswith("Progress report") and not urdu
        for english in ("Yourprogress", "Yourscores", "Improvement", "Sideeffects"):
            assert english in text, english
    assert "AminaQureshi" in text and "A-0001" in text
    # The scales' charts are drawn (fpdf2 renders the SVG's axis labels as text).
    assert b"/XObject" in content or text.count("ECCA") >= 2
    export = AuditEntry.objects.get(action="export", object_type="outcomes.progress_report")
    assert export.detail == {"format": "pdf", "language": expected}
    assert response["Content-Disposition"].endswith(f'-{expected}.pdf"')


def test_another_clinics_patient_has_no_progress_report_in_any_language(
    cast: Cast, login: Login
) -> None:
    response = login(cast.outsider).get(f"/outcomes/patient/{cast.amina.pk}/progress.pdf?lang=ur")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()
