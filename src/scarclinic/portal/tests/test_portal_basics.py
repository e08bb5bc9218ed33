from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.assessments.models import Instrument, PatientReportedOutcome
from scarclinic.audit.models import AuditEntry
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_the_portal_shows_the_patients_own_record_and_audits_it(cast: Cast, login: Login) -> None:
    body = login(cast.patient).get("/portal/").content.decode()
    assert "Amina" in body and cast.amina.mrn in body
    assert "Bilal" not in body
    entry = AuditEntry.objects.filter(patient_id=cast.amina.pk).latest("seq")
    assert entry.actor == cast.patient and entry.detail == {"via": "portal"}


def test_staff_home_sends_the_portal_patient_to_the_portal(cast: Cast, login: Login) -> None:
    response = login(cast.patient).get("/")
    assert response.status_code == 302 and response.url == "/portal/"


def test_the_patient_answers_a_questionnaire_from_the_portal(cast: Cast, login: Login) -> None:
    pga = Instrument.objects.get(code="pga", clinic=None)
    client = login(cast.patient)
    response = client.post(
        f"/portal/questionnaire/{pga.pk}/", {"visit_date": "2026-11-01", "item__bother": "2"}
    )
    assert response.status_code == 302
    answer = PatientReportedOutcome.objects.get()
    assert answer.patient == cast.amina and answer.source == "portal" and answer.score == 2


def test_a_questionnaire_without_an_answer_is_refused_in_the_portal(
    cast: Cast, login: Login
) -> None:
    pga = Instrument.objects.get(code="pga", clinic=None)
    response = login(cast.patient).post(f"/portal/questionnaire/{pga.pk}/", {})
    assert response.status_code == 200
    assert not PatientReportedOutcome.objects.exists()


def test_staff_cannot_use_the_portal(cast: Cast, login: Login) -> None:
    assert login(cast.physician).get("/portal/").status_code == 403
