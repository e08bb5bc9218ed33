"""One patient's progress: figures from the clinical core, the chart, the regions, the
timeline in date order, photos, the fixed query count, the audit, and the PDF report."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.assessments.models import PhotoConsentGrant
from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.outcomes import percent_improvement
from scarclinic.outcomes import pdf, services
from scarclinic.outcomes.progress import progress_for
from scarclinic.outcomes.tests.stories import course, days_ago, mild, pga, photo
from scarclinic.treatments.tests.pdftext import pdf_text
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_progress_takes_its_figures_from_the_clinical_core(cast: Cast) -> None:
    c = course(cast)
    result = progress_for(patient=cast.amina, user=cast.physician, role="physician")
    gb = next(s for s in result.scales if s.key == "goodman_baron_quantitative")
    expected = percent_improvement(c.baseline.goodman_baron_score, c.follow_up.goodman_baron_score)
    assert gb.percent == pytest.approx(expected)
    assert gb.progress.latest.sessions_before == 3
    ecca = next(s for s in result.scales if s.key == "ecca")
    assert ecca.percent == pytest.approx(
        percent_improvement(c.baseline.ecca_score, c.follow_up.ecca_score)
    )
    regions = {r.region: r for r in result.regions.regions} if result.regions else {}
    assert regions["cheek_left"].percent_improvement == pytest.approx(50.0)
    assert regions["cheek_right"].percent_improvement == pytest.approx(0.0)
    assert result.regions is not None
    assert result.regions.face.percent_improvement == pytest.approx(30.0)  # 20 -> 14 scars


def test_a_questionnaire_is_a_scale_of_its_own(cast: Cast) -> None:
    course(cast)
    pga(cast, days_ago(90), 8)
    pga(cast, days_ago(1), 4)
    result = progress_for(patient=cast.amina, user=cast.physician, role="physician")
    pro = next(s for s in result.scales if s.key.startswith("pro:"))
    assert pro.progress.baseline.score == 8 and pro.progress.latest.score == 4
    assert pro.percent == pytest.approx(50.0)


def test_the_page_shows_the_chart_with_sessions_marked_and_the_timeline_in_order(
    cast: Cast, login: Login
) -> None:
    course(cast)
    services.adverse_event_record(
        patient=cast.amina, by=cast.nurse, assessment=mild(on=days_ago(48))
    )
    page = login(cast.physician).get(f"/outcomes/patient/{cast.amina.pk}/progress/")
    assert page.status_code == 200
    html = page.content.decode()
    # Accessible server-rendered charts: role=img, a title and a text alternative.
    assert html.count('role="img"') == 2
    assert "<desc id=" in html and "Treatment session" in html
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2 and not any("<script" in svg for svg in svgs)
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', html)
    assert dates == sorted(dates) and len(dates) == 6  # 2 assessments, 3 sessions, 1 event
    assert "Prolonged erythema" in html
    assert "30%" in html  # whole-face improvement


def test_the_page_is_a_read_of_the_patient_audited(cast: Cast, login: Login) -> None:
    login(cast.physician).get(f"/outcomes/patient/{cast.amina.pk}/progress/")
    entry = AuditEntry.objects.filter(action="read", object_type="patients.patient").latest("seq")
    assert entry.patient_id == cast.amina.pk and entry.detail == {"perm": "outcomes.view"}


def test_others_cannot_see_the_progress(cast: Cast, login: Login) -> None:
    url = f"/outcomes/patient/{cast.amina.pk}/progress/"
    assert login(cast.outsider).get(url).status_code == 404
    assert login(cast.frontdesk).get(url).status_code == 403
    assert login(cast.lab).get(url).status_code == 403


def test_the_query_count_does_not_grow_with_the_history(
    cast: Cast, login: Login, django_assert_max_num_queries: Any, media: None
) -> None:
    course(cast)
    photo(cast.amina, cast.nurse, days_ago(90))
    photo(cast.amina, cast.nurse, days_ago(1))
    client = login(cast.physician)
    url = f"/outcomes/patient/{cast.amina.pk}/progress/"
    client.get(url)
    with django_assert_max_num_queries(40) as first:
        client.get(url)
    # Much more history: six more assessments, more photos, questionnaires and events.
    course(cast, extra_assessments=6)
    for n in range(4):
        photo(cast.amina, cast.nurse, days_ago(60 - n))
        pga(cast, days_ago(60 - n), 5)
        services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200


def test_the_photo_comparison_shows_the_same_view_at_two_visits(
    cast: Cast, login: Login, media: None
) -> None:
    course(cast)
    before = photo(cast.amina, cast.nurse, days_ago(90))
    after = photo(cast.amina, cast.nurse, days_ago(1))
    photo(cast.amina, cast.nurse, days_ago(1), view="left_45")  # only one date: not comparable
    html = (
        login(cast.physician).get(f"/outcomes/patient/{cast.amina.pk}/progress/").content.decode()
    )
    before_photo, after_photo = before.photos.get(), after.photos.get()
    assert f"/assessments/photos/{before_photo.pk}/thumbnail/" in html
    assert f"/assessments/photos/{after_photo.pk}/thumbnail/" in html
    assert f"before={before.pk}&amp;after={after.pk}" in html  # to the overlay comparison
    assert 'value="left_45"' not in html


def test_no_photos_for_a_role_that_may_not_see_them(cast: Cast, media: None) -> None:
    course(cast)
    photo(cast.amina, cast.nurse, days_ago(90))
    photo(cast.amina, cast.nurse, days_ago(1))
    # A role without photo.view (the matrix's frontdesk has no outcomes either): checked on
    # the selector with a role name that lacks it.
    result = progress_for(patient=cast.amina, user=cast.frontdesk, role="frontdesk")
    assert result.comparison is None and not result.can_see_photos
    assert not [t for t in result.timeline if t.kind == "photos"]
    assert PhotoConsentGrant.objects.count() == 0  # clinical use needs no grant


def test_the_pdf_report_is_a_pdf_with_the_patients_figures(cast: Cast, login: Login) -> None:
    course(cast)
    services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    response = login(cast.physician).get(f"/outcomes/patient/{cast.amina.pk}/progress.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")
    assert "Amina" not in response["Content-Disposition"]
    export = AuditEntry.objects.filter(action="export", object_type="outcomes.progress_report")
    assert export.get().patient_id == cast.amina.pk
    result = progress_for(patient=cast.amina, user=cast.physician, role="physician", charts=False)
    text = pdf_text(pdf.progress_pdf(result, prepared_by="Dr Khan", compress=False))
    assert "Amina Qureshi" in text and "A-0001" in text
    gb = next(s for s in result.scales if s.key == "goodman_baron_quantitative")
    assert f"{round(gb.percent or 0)}%" in text
    assert "30%" in text  # the whole face: 20 scars to 14
    assert "Prolonged erythema" in text
