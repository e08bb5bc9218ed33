"""Import of patients from FHIR (a Patient, a Bundle) and CSV: matched on the clinic's MRN,
all or nothing, every rejection explained; export -> import keeps identities."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.interop import codes
from scarclinic.interop.importing import FileRejected, patients_from_csv, patients_from_fhir
from scarclinic.patients.models import Patient
from tests.cast import Cast

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"


def _patient(mrn: str, given: str = "Noor", family: str = "Fatima", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": codes.mrn_system("A"), "value": mrn}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "birthDate": "1999-05-01",
        "gender": "female",
        **extra,
    }


def _bundle(*patients: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": p} for p in patients],
    }


def _post(client: Client, path: str, body: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(path, data=data, content_type=FHIR)


def _snapshot() -> list[dict[str, Any]]:
    return list(Patient.objects.order_by("pk").values())


def test_a_bundle_registers_new_patients_and_updates_the_one_it_matches_by_mrn(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.frontdesk)
    amina = _patient(
        "A-0001",
        "Amina",
        "Qureshi",
        birthDate="1996-03-14",
        telecom=[{"system": "phone", "value": "+92 300 7654321"}],
    )
    response = _post(client, "/fhir", _bundle(_patient("N-1"), _patient("N-2", "Sana"), amina))
    assert response.status_code == 201, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert [i["severity"] for i in outcome["issue"]] == ["information"] * 3
    assert Patient.objects.filter(clinic=cast.clinic_a, mrn__in=["N-1", "N-2"]).count() == 2
    cast.amina.refresh_from_db()
    assert cast.amina.phone == "+92 300 7654321"
    assert Patient.objects.filter(mrn="A-0001").count() == 1
    assert f"updated as Patient/patient-{cast.amina.pk}" in outcome["issue"][2]["diagnostics"]


def test_one_bad_patient_rejects_the_whole_bundle_and_saves_nothing(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.frontdesk)
    before = _snapshot()
    bad = _patient("N-3", birthDate="2999-01-01")  # in the future: the patients service refuses
    no_mrn = _patient("N-4") | {"identifier": [{"system": "urn:other", "value": "X"}]}
    response = _post(client, "/fhir", _bundle(_patient("N-1"), bad, no_mrn))
    assert response.status_code == 422
    issues = [i["diagnostics"] for i in response.json()["issue"]]
    assert any("entry 2" in i and "future" in i for i in issues)
    assert any("entry 3" in i and "MRN system" in i for i in issues)
    assert "Nothing was saved" in issues[-1]
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "Malformed JSON"),
        ("Zara".encode("utf-16"), 400, "not UTF-8"),
        (b'{"resourceType": "Observation", "status": "final"}', 422, "Expected Patient"),
        (json.dumps({"resourceType": "Patient", "name": "Amina"}).encode(), 422, "Patient.name"),
        (b'{"resourceType": "Patient", "birthDate": NaN}', 400, "Malformed JSON"),
    ],
)
def test_malformed_invalid_and_wrongly_encoded_patients_are_refused_with_an_operation_outcome(
    cast: Cast, client: Client, body: bytes, status: int, words: str
) -> None:
    client.force_login(cast.frontdesk)
    before = _snapshot()
    response = _post(client, "/fhir/Patient", body)
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"
    assert words in outcome["issue"][0]["diagnostics"]
    assert _snapshot() == before


def test_an_oversized_file_is_refused_before_it_is_read(
    cast: Cast, client: Client, settings: Any
) -> None:
    settings.INTEROP_IMPORT_MAX_BYTES = 1000
    client.force_login(cast.frontdesk)
    response = _post(client, "/fhir", _bundle(*[_patient(f"N-{n}") for n in range(20)]))
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-costly"
    assert not Patient.objects.filter(mrn="N-1").exists()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_bytes_are_either_read_or_rejected_whole_never_half_saved(
    cast: Cast, raw: bytes
) -> None:
    for parse in (lambda b: patients_from_fhir(b, clinic_code="A"), patients_from_csv):
        try:
            lines = parse(raw)
        except FileRejected as exc:
            assert exc.problems and exc.status in {400, 413, 422}
        else:
            assert all(line.data is not None or line.errors for line in lines)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    given_name=st.text(min_size=0, max_size=30),
    birth=st.one_of(st.just("1990-01-01"), st.text(max_size=12)),
    gender=st.sampled_from(["female", "male", "other", "unknown", "x", ""]),
)
def test_a_patient_with_any_fields_is_imported_or_refused_without_a_partial_save(
    cast: Cast, client: Client, given_name: str, birth: str, gender: str
) -> None:
    client.force_login(cast.frontdesk)
    before = Patient.objects.count()
    body = _bundle(_patient("H-1"), _patient("H-2", given_name, birthDate=birth, gender=gender))
    response = _post(client, "/fhir", body)
    if response.status_code in (200, 201):
        assert Patient.objects.count() == before + 2
        Patient.objects.filter(mrn__in=["H-1", "H-2"]).delete()  # the next example starts anew
    else:
        assert response.status_code in (400, 422)
        assert Patient.objects.count() == before
        assert response.json()["resourceType"] == "OperationOutcome"


def test_export_then_import_keeps_every_patient_s_identity(cast: Cast, client: Client) -> None:
    client.force_login(cast.director)
    exported = client.get(f"/fhir/Patient/{cast.amina.pk}/$everything").json()
    patient = next(
        e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    before = _snapshot()
    lines = patients_from_fhir(json.dumps(patient).encode(), clinic_code="A")
    fields = (
        "mrn",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "phone",
        "email",
        "address",
        "preferred_language",
    )
    assert lines[0].data == {f: getattr(cast.amina, f) for f in fields}
    client.force_login(cast.frontdesk)
    response = _post(client, "/fhir/Patient", patient)
    assert response.status_code == 200
    assert (
        f"unchanged as Patient/patient-{cast.amina.pk}"
        in response.json()["issue"][0]["diagnostics"]
    )
    assert _snapshot() == before


CSV_OK = "mrn,given_name,family_name,date_of_birth,sex,phone\nC-1,Hina,Raza,1990-02-03,female,0300 1112223\nC-2,Omar,Khan,1985-12-01,male,\n"


def test_the_csv_upload_page_imports_and_reports(cast: Cast, client: Client) -> None:
    client.force_login(cast.frontdesk)
    upload = SimpleUploadedFile("p.csv", ("\ufeff" + CSV_OK).encode(), content_type="text/csv")
    response = client.post("/interop/import/", {"format": "csv", "file": upload})
    assert response.status_code == 200
    assert "2 created" in response.content.decode()
    assert Patient.objects.get(mrn="C-1").given_name == "Hina"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("mrn,given_name\nC-1,Hina\n", "Missing column"),
        ("mrn,given_name,family_name,date_of_birth,shoe_size\n", "Unknown column"),
        (CSV_OK + "C-3,Ali,Shah,03/04/1990,male,\n", "YYYY-MM-DD"),
        (CSV_OK + "C-1,Hina,Again,1990-02-03,female,\n", "also in row 2"),
        ('mrn,given_name,family_name,date_of_birth\n"C-1,Hina,Raza,1990-02-03\n', "well-formed"),
    ],
)
def test_a_bad_csv_is_rejected_whole_with_a_clear_report(
    cast: Cast, client: Client, content: str, words: str
) -> None:
    client.force_login(cast.frontdesk)
    before = _snapshot()
    upload = SimpleUploadedFile("p.csv", content.encode(), content_type="text/csv")
    response = client.post("/interop/import/", {"format": "csv", "file": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert "nothing was saved" in page and words in page
    assert _snapshot() == before


def test_a_csv_in_latin_1_is_refused_as_not_utf8(cast: Cast, client: Client) -> None:
    client.force_login(cast.frontdesk)
    upload = SimpleUploadedFile(
        "p.csv", CSV_OK.replace("Hina", "Hinà").encode("latin-1"), content_type="text/csv"
    )
    response = client.post("/interop/import/", {"format": "csv", "file": upload})
    assert response.status_code == 422
    assert "not UTF-8" in response.content.decode()
    assert not Patient.objects.filter(mrn="C-1").exists()
