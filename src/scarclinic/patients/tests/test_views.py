from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scarclinic.accounts.models import User
from scarclinic.patients.models import Patient
from scarclinic.patients.services import history_record
from tests.cast import Cast
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_patient_list_makes_the_same_number_of_queries_for_3_or_40_patients(
    cast: Cast, login: Login
) -> None:
    client = login(cast.physician)
    small = _queries(client, "/patients/")
    for patient in PatientFactory.create_batch(37, clinic=cast.clinic_a):
        history_record(patient=patient, by=cast.nurse, fitzpatrick=3)
    large = _queries(client, "/patients/")
    assert Patient.objects.filter(clinic=cast.clinic_a).count() == 39
    assert small == large <= 14  # session, membership, 2FA device and audit included


def test_the_chart_makes_the_same_number_of_queries_whatever_the_history_length(
    cast: Cast, login: Login
) -> None:
    client = login(cast.physician)
    url = f"/patients/{cast.amina.pk}/"
    few = _queries(client, url)
    for n in range(12):
        history_record(
            patient=cast.amina, by=cast.nurse, change_note=f"change {n}", keloid_tendency=n % 2 == 0
        )
    many = _queries(client, url)
    assert few == many <= 14


@pytest.mark.parametrize(
    "query",
    [
        "qureshi",
        "Amina",
        "ami qur",
        "A-0001",
        "a-00",
        "+92 300 1234567",
        "03001234567",
        "00923001234567",
        "300 123",
        "1996-03-14",
        "14/03/1996",
    ],
)
def test_search_finds_a_patient_by_name_mrn_phone_or_birth_date(
    cast: Cast, login: Login, query: str
) -> None:
    page = login(cast.frontdesk).get("/patients/", {"q": query})
    assert cast.amina in page.context["patients"]


def test_search_never_shows_another_clinics_patients(cast: Cast, login: Login) -> None:
    page = login(cast.physician).get("/patients/", {"q": "Zara"})
    assert page.context["patients"] == []
    page = login(cast.outsider).get("/patients/", {"q": "Zara"})
    assert page.context["patients"] == [cast.zara]


def test_an_htmx_search_returns_only_the_results_fragment(cast: Cast, login: Login) -> None:
    page = login(cast.physician).get("/patients/", {"q": "qur"}, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert "Qureshi" in body and "<html" not in body


def test_the_chart_header_shows_age_skin_type_allergies_and_alerts(
    cast: Cast, login: Login
) -> None:
    body = login(cast.physician).get(f"/patients/{cast.amina.pk}/").content.decode()
    assert "Type IV" in body
    assert "penicillin" in body
    assert "Herpes simplex history" in body
    assert "Fitzpatrick IV: risk of hyperpigmentation" in body


def test_front_desk_sees_the_chart_without_the_medical_history(cast: Cast, login: Login) -> None:
    body = login(cast.frontdesk).get(f"/patients/{cast.amina.pk}/").content.decode()
    assert "Your role does not include the medical history" in body
    assert "penicillin" not in body


def test_registering_through_the_form_opens_the_new_chart(cast: Cast, login: Login) -> None:
    response = login(cast.frontdesk).post(
        "/patients/register/",
        {
            "mrn": "A-0500",
            "given_name": "Saad",
            "family_name": "Rana",
            "date_of_birth": "1990-01-02",
            "sex": "male",
            "phone": "",
            "email": "",
            "address": "",
            "preferred_language": "ur",
        },
    )
    patient = Patient.objects.get(mrn="A-0500")
    assert response.status_code == 302 and response.url == f"/patients/{patient.pk}/"


def test_the_registration_form_shows_a_duplicate_mrn_next_to_the_field(
    cast: Cast, login: Login
) -> None:
    response = login(cast.frontdesk).post(
        "/patients/register/",
        {
            "mrn": "A-0001",
            "given_name": "X",
            "family_name": "Y",
            "date_of_birth": "1990-01-02",
            "sex": "male",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 200
    assert "already used" in str(response.context["form"].errors["mrn"])
    assert Patient.objects.filter(mrn="A-0001").count() == 1


def test_the_history_form_saves_a_new_version(cast: Cast, login: Login) -> None:
    response = login(cast.nurse).post(
        f"/patients/{cast.amina.pk}/history/",
        {
            "acne_severity": "none",
            "isotretinoin": "past",
            "isotretinoin_last_dose": "2026-06-01",
            "fitzpatrick": "5",
            "allergies": "latex, penicillin",
            "change_note": "review",
        },
    )
    assert response.status_code == 302
    cast.amina.refresh_from_db()
    current = cast.amina.current_history
    assert current is not None and current.version == 2
    assert current.allergies == ["latex", "penicillin"]
    assert current.isotretinoin_last_dose == dt.date(2026, 6, 1)


def test_healthz_reports_the_database(client: Client, db: None) -> None:
    # /healthz is liveness only (no database) since the operations app; /readyz checks it.
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["database"] == "ok"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+92 300 1234567", "3001234567"),
        ("0092-300-1234567", "3001234567"),
        ("0300 1234567", "3001234567"),
        ("(051) 2345678", "512345678"),
        ("+44 20 7946 0000", "442079460000"),
    ],
)
def test_phone_numbers_are_kept_without_country_code_or_trunk_zero(typed: str, stored: str) -> None:
    from scarclinic.patients.search import phone_digits

    assert phone_digits(typed, country_code="92") == stored


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_has_the_prefix_and_trigram_indexes_for_search() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'patients_patient'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "patient_family_prefix",
        "patient_given_prefix",
        "patient_phone_prefix",
        "patient_mrn_prefix",
        "patient_name_trgm",
    } <= names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_misspelt_name_is_found_by_trigram_similarity_on_postgres(
    cast: Cast, login: Login
) -> None:
    page = login(cast.physician).get("/patients/", {"q": "Amina Qureshy"})
    assert cast.amina in page.context["patients"]
