from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scarclinic.accounts.models import User
from scarclinic.assessments import services
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
DAY = dt.date(2026, 10, 1)


def _form(**cells: int) -> dict[str, object]:
    data: dict[str, object] = {
        "visit_date": DAY.isoformat(),
        "keloid_area_cm2": "0",
        "qualitative_grade": "3",
    }
    data.update({f"f__{k}": v for k, v in cells.items()})
    return data


def test_the_live_preview_computes_scores_without_saving(cast: Cast, login: Login) -> None:
    page = login(cast.physician).post(
        "/assessments/preview/", _form(cheek_left__boxcar_shallow=12, cheek_right__ice_pick=7)
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "<b>7</b> / 84" in body  # shallow punched-out 2 x band 2, ice-pick 3 x band 1
    assert "<b>70</b> / 540" in body  # ECCA 20x2 + 15x2
    assert not ScarAssessment.objects.exists()


def test_a_bad_count_in_the_preview_says_which_cell(cast: Cast, login: Login) -> None:
    page = login(cast.physician).post("/assessments/preview/", _form(nose__rolling=-3))
    assert "Nose: Rolling" in page.content.decode()


def test_the_physician_saves_and_signs_from_the_form(cast: Cast, login: Login) -> None:
    client = login(cast.physician)
    response = client.post(
        f"/assessments/patient/{cast.amina.pk}/new/",
        {**_form(forehead__rolling=4), "action": "sign"},
    )
    assessment = ScarAssessment.objects.get()
    assert response.status_code == 302 and response.url == f"/assessments/{assessment.pk}/"
    assert assessment.status == AssessmentStatus.SIGNED
    assert assessment.goodman_baron_score == 2 and assessment.ecca_score == 25


def test_signing_without_a_grade_keeps_the_form_with_the_error(cast: Cast, login: Login) -> None:
    data = _form(forehead__rolling=4)
    data["qualitative_grade"] = ""
    response = login(cast.physician).post(
        f"/assessments/patient/{cast.amina.pk}/new/", {**data, "action": "sign"}
    )
    assert response.status_code == 200
    assert "qualitative grade" in response.content.decode()
    # The draft part was saved in the same transaction as the failed signature: nothing stays.
    assert not ScarAssessment.objects.exists()


def test_a_nurse_can_view_but_not_record_an_assessment(cast: Cast, login: Login) -> None:
    client = login(cast.nurse)
    assert client.get(f"/assessments/patient/{cast.amina.pk}/new/").status_code == 403
    assert client.get(f"/assessments/patient/{cast.amina.pk}/section/").status_code == 200


def test_the_outsider_cannot_open_an_assessment(cast: Cast, login: Login) -> None:
    assessment = services.assessment_save(
        patient=cast.amina, by=cast.physician, visit_date=DAY, findings={}, qualitative_grade=2
    )
    assert login(cast.outsider).get(f"/assessments/{assessment.pk}/").status_code == 404


def test_the_chart_section_makes_the_same_number_of_queries_for_1_or_8_assessments(
    cast: Cast, login: Login
) -> None:
    client = login(cast.physician)
    url = f"/assessments/patient/{cast.amina.pk}/section/"

    def add(n: int) -> None:
        signed = services.assessment_save(
            patient=cast.amina,
            by=cast.physician,
            visit_date=DAY - dt.timedelta(days=30 * n),
            findings={"chin": {"ice_pick": n + 1}},
            qualitative_grade=2,
            sign=True,
        )
        services.assessment_add_addendum(assessment=signed, by=cast.physician, note="note")

    add(0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(1, 8):
        add(n)
    with CaptureQueriesContext(connection) as eight:
        body = client.get(url).content.decode()
    assert len(one.captured_queries) == len(eight.captured_queries)
    assert "<polyline" in body  # a trend appears once there are two signed assessments


def test_the_detail_page_shows_the_corrected_scores_and_keeps_the_signed_ones(
    cast: Cast, login: Login
) -> None:
    signed = services.assessment_save(
        patient=cast.amina,
        by=cast.physician,
        visit_date=DAY,
        findings={"chin": {"ice_pick": 12}},
        qualitative_grade=3,
        sign=True,
    )
    login(cast.physician).post(
        f"/assessments/{signed.pk}/addendum/",
        {"note": "Recount", "correct_counts": "on", "f__chin__ice_pick": "3"},
    )
    body = login(cast.physician).get(f"/assessments/{signed.pk}/").content.decode()
    assert "Corrected by addendum" in body
    assert "Goodman &amp; Baron 6, ECCA 30" in body  # signed values stay visible
    assert "<b>3</b> / 84" in body  # the standing value after correction


def test_a_questionnaire_recorded_in_the_clinic_shows_on_the_chart(
    cast: Cast, login: Login
) -> None:
    from scarclinic.assessments.models import Instrument

    pga = Instrument.objects.get(code="pga", clinic=None)
    client = login(cast.nurse)
    response = client.post(
        f"/assessments/patient/{cast.amina.pk}/questionnaire/",
        {"instrument": pga.pk, "visit_date": DAY.isoformat(), "item__bother": "6"},
    )
    assert response.status_code == 302
    section = client.get(f"/assessments/patient/{cast.amina.pk}/section/").content.decode()
    assert "<b>6</b>" in section
