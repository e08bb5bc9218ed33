"""$everything: one patient's whole record as a FHIR Bundle that validates, whose references
all resolve inside it, with the same ids every time, and nothing of anyone else."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.interop import codes
from scarclinic.interop.resources import resource_class
from scarclinic.interop.tests.stories import InteropWorld
from scarclinic.patients.models import Patient

pytestmark = pytest.mark.django_db

R4_TYPES = {
    "Patient",
    "Condition",
    "Observation",
    "Media",
    "Consent",
    "CarePlan",
    "Appointment",
    "BiologicallyDerivedProduct",
    "AdverseEvent",
    "Practitioner",
    "Organization",
}


def _get(client: Client, patient_id: int, **extra: Any) -> Any:
    return client.get(f"/fhir/Patient/{patient_id}/$everything", **extra)


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _check_bundle(body: dict[str, Any], version: str) -> dict[str, dict[str, Any]]:
    """Every entry parses back with fhir.resources; every reference resolves; the map of
    "Type/id" to resource."""
    resource_class(version, "Bundle").model_validate(body)
    by_ref = {}
    for entry in body["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        resource_class(version, kind).model_validate(resource)  # parses back
        key = f"{kind}/{resource['id']}"
        assert key not in by_ref, f"{key} twice"
        assert entry["fullUrl"].endswith("/fhir/" + key)
        by_ref[key] = resource
    dangling = {r for r in _references(body) if r not in by_ref}
    assert dangling == set()
    return by_ref


def test_amina_s_record_exports_as_a_valid_r4_bundle_whose_references_all_resolve(
    world: InteropWorld, client: Client
) -> None:
    client.force_login(world.cast.physician)
    response = _get(client, world.cast.amina.pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert (body["resourceType"], body["type"]) == ("Bundle", "searchset")
    resources = _check_bundle(body, "4.0")
    assert {key.split("/")[0] for key in resources} == R4_TYPES
    patient = resources[f"Patient/patient-{world.cast.amina.pk}"]
    assert patient["identifier"][0] == {
        "use": "usual",
        "type": patient["identifier"][0]["type"],
        "system": codes.mrn_system("A"),
        "value": "A-0001",
    }
    condition = resources[f"Condition/condition-{world.cast.amina.pk}"]
    systems = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    # CLINICAL.md section 10.
    assert {(codes.SNOMED, "275322007"), (codes.ICD10, "L90.5")} <= systems
    product = resources[f"BiologicallyDerivedProduct/biologicallyderivedproduct-{world.unit.pk}"]
    assert product["identifier"] == [{"system": codes.ISBT128_DIN, "value": world.unit.din}]
    assert product["collection"]["source"] == {
        "reference": f"Patient/patient-{world.cast.amina.pk}"
    }
    event = resources[f"AdverseEvent/adverseevent-{world.amina_event.pk}"]
    assert event["suspectEntity"][0]["instance"]["reference"] == (
        f"BiologicallyDerivedProduct/biologicallyderivedproduct-{world.unit.pk}"
    )
    media = next(r for k, r in resources.items() if k.startswith("Media/"))
    assert media["content"]["url"].endswith("/image/")


def test_the_r5_shape_is_served_on_request_with_the_product_as_r5_has_it(
    world: InteropWorld, client: Client
) -> None:
    client.force_login(world.cast.physician)
    by_param = _get(client, world.cast.amina.pk, QUERY_STRING="_fhirVersion=5.0")
    by_accept = _get(
        client, world.cast.amina.pk, HTTP_ACCEPT="application/fhir+json; fhirVersion=5.0"
    )
    assert by_param.json() == by_accept.json()
    assert "fhirVersion=5.0" in by_param["Content-Type"]
    resources = _check_bundle(by_param.json(), "5.0")
    product = resources[f"BiologicallyDerivedProduct/biologicallyderivedproduct-{world.unit.pk}"]
    assert product["biologicalSourceEvent"] == {
        "system": codes.ISBT128_DIN,
        "value": world.unit.din,
    }
    assert product["productStatus"]["code"] == "available"
    assert not any(k.startswith("Media/") for k in resources)  # R5 has DocumentReference
    assert any(k.startswith("DocumentReference/") for k in resources)
    assert _get(client, world.cast.amina.pk, QUERY_STRING="_fhirVersion=3.0").status_code == 406


def test_ids_are_the_same_in_every_export(world: InteropWorld, client: Client) -> None:
    client.force_login(world.cast.physician)
    first = [e["fullUrl"] for e in _get(client, world.cast.amina.pk).json()["entry"]]
    second = [e["fullUrl"] for e in _get(client, world.cast.amina.pk).json()["entry"]]
    assert first == second
    assert f"http://testserver/fhir/Patient/patient-{world.cast.amina.pk}" in first


def test_no_resource_of_amina_s_bundle_carries_anything_of_zara_or_bilal(
    world: InteropWorld, client: Client
) -> None:
    client.force_login(world.cast.physician)
    text = _get(client, world.cast.amina.pk).content.decode()
    for secret in ("Zara", "Malik", "B-0001", "Bilal", "A-0002", "Zara's nodule"):
        assert secret not in text
    others = {world.cast.zara.pk, world.cast.bilal.pk}
    body = json.loads(text)
    patient_refs = {r for r in _references(body) if r.startswith("Patient/")}
    assert patient_refs == {f"Patient/patient-{world.cast.amina.pk}"}
    assert not any(f"patient-{pk}" in text for pk in others)
    # Zara's own bundle (seen by the outsider at clinic B) holds none of Amina's.
    client.force_login(world.cast.outsider)
    zara = _get(client, world.cast.zara.pk).content.decode()
    assert "Amina" not in zara and "A-0001" not in zara and world.unit.din not in zara


def test_another_clinic_s_patient_answers_404_like_a_missing_one_and_roles_without_export_403(
    world: InteropWorld, client: Client
) -> None:
    client.force_login(world.cast.physician)
    other = _get(client, world.cast.zara.pk)
    missing = _get(client, 987_654)
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    client.force_login(world.cast.nurse)
    assert _get(client, world.cast.amina.pk).status_code == 403
    client.logout()
    assert _get(client, world.cast.amina.pk).status_code == 401


def test_the_export_is_audited_with_the_counts_and_ids_it_contained(
    world: InteropWorld, client: Client
) -> None:
    client.force_login(world.cast.director)
    body = _get(client, world.cast.amina.pk).json()
    entry = AuditEntry.objects.filter(object_type="interop.everything").latest("seq")
    assert (entry.action, entry.patient_id, entry.actor_id) == (
        "export",
        world.cast.amina.pk,
        world.cast.director.pk,
    )
    ids = [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in body["entry"]]
    assert entry.detail["ids"] == ids
    assert sum(entry.detail["counts"].values()) == len(ids)


def test_the_demo_clinic_s_patients_all_export_to_valid_bundles(
    db: None, client: Client, settings: Any, tmp_path: Any
) -> None:
    from scarclinic.web.demo import seed_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo(patients=12, seed=random.Random(7).randint(1, 9))
    director = User.objects.get(username="director")
    client.force_login(director)  # director at both demo clinics
    seen: set[str] = set()
    for patient_id in Patient.objects.filter(clinic__code__in=["ISB", "LHE"]).values_list(
        "pk", flat=True
    ):
        response = _get(client, patient_id)
        assert response.status_code == 200, patient_id
        seen |= {k.split("/")[0] for k in _check_bundle(response.json(), "4.0")}
    assert {"Procedure", "CarePlan", "BiologicallyDerivedProduct", "Media"} <= seen


def test_the_export_makes_a_fixed_number_of_queries_however_full_the_record(
    world: InteropWorld, client: Client, django_assert_max_num_queries: Any
) -> None:
    from scarclinic.assessments.models import RegionFinding, ScarAssessment

    client.force_login(world.cast.physician)
    _get(client, world.cast.amina.pk)  # warm the session and membership caches
    assessment = ScarAssessment.objects.filter(patient=world.cast.amina).first()
    assert assessment is not None
    RegionFinding.objects.bulk_create(
        RegionFinding(assessment=assessment, region=region, morphology="macular", count=3)
        for region in ("forehead", "nose", "chin", "perioral")
    )
    with django_assert_max_num_queries(40):
        response = _get(client, world.cast.amina.pk)
    assert response.status_code == 200
