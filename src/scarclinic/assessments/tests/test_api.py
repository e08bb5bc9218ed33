from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.assessments.models import ScarAssessment
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
BODY = {
    "visit_date": "2026-10-01",
    "findings": {"cheek_left": {"ice_pick": 4}},
    "qualitative_grade": 2,
}


def test_the_score_endpoint_computes_without_storing(cast: Cast, login: Login) -> None:
    response = login(cast.nurse).post(
        "/api/v1/assessments/score",
        {"findings": {"nose": {"boxcar_deep": 21}}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["goodman_baron"] == 9 and response.json()["ecca"] == 60
    assert not ScarAssessment.objects.exists()


def test_a_physician_records_signs_and_corrects_through_the_api(cast: Cast, login: Login) -> None:
    client = login(cast.physician)
    created = client.post(
        f"/api/v1/assessments/patient/{cast.amina.pk}", BODY, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assessment_id = created.json()["id"]
    assert created.json()["findings"] == {"cheek_left": {"ice_pick": 4}}
    signed = client.post(f"/api/v1/assessments/{assessment_id}/sign")
    assert signed.json()["status"] == "signed"
    corrected = client.post(
        f"/api/v1/assessments/{assessment_id}/addenda",
        {"note": "recount", "corrected_findings": {"cheek_left": {"ice_pick": 12}}},
        content_type="application/json",
    )
    assert corrected.status_code == 201
    assert corrected.json()["addenda"][0]["goodman_baron_score"] == 6
    listed = client.get(f"/api/v1/assessments/patient/{cast.amina.pk}").json()
    assert [a["id"] for a in listed] == [assessment_id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "findings": {"cheek_left": {"ice_pick": -2}}}, "cheek_left__ice_pick"),
        ({**BODY, "findings": {"ear": {"ice_pick": 2}}}, "findings"),
        ({**BODY, "qualitative_grade": 5}, "qualitative_grade"),
        ({**BODY, "visit_date": "2999-01-01"}, "visit_date"),
        ({**BODY, "surprise": 1}, "surprise"),
        ({**BODY, "keloid_area_cm2": -1}, "keloid_area_cm2"),
    ],
)
def test_bad_assessment_bodies_are_refused_naming_the_field(
    cast: Cast, login: Login, body: dict[str, object], field: str
) -> None:
    response = login(cast.physician).post(
        f"/api/v1/assessments/patient/{cast.amina.pk}", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert field in response.content.decode()
    assert not ScarAssessment.objects.exists()


def test_a_nurse_cannot_record_and_the_outsider_cannot_see(cast: Cast, login: Login) -> None:
    response = login(cast.nurse).post(
        f"/api/v1/assessments/patient/{cast.amina.pk}", BODY, content_type="application/json"
    )
    assert response.status_code == 403
    assert (
        login(cast.outsider).get(f"/api/v1/assessments/patient/{cast.amina.pk}").status_code == 404
    )


def test_questionnaires_are_listed_and_recorded(cast: Cast, login: Login) -> None:
    client = login(cast.nurse)
    instruments = client.get("/api/v1/assessments/instruments").json()
    pga = next(i for i in instruments if i["code"] == "pga")
    assert pga["builtin"] is True
    ok = client.post(
        f"/api/v1/assessments/patient/{cast.amina.pk}/questionnaires",
        {"instrument_id": pga["id"], "visit_date": "2026-10-01", "answers": {"bother": 4}},
        content_type="application/json",
    )
    assert ok.status_code == 201 and Decimal(ok.json()["score"]) == 4
    bad = client.post(
        f"/api/v1/assessments/patient/{cast.amina.pk}/questionnaires",
        {"instrument_id": pga["id"], "visit_date": "2026-10-01", "answers": {"bother": 40}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "answers" in bad.content.decode()
