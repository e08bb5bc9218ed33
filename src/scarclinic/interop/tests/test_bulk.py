"""Bulk export: the clinic as NDJSON per resource type, run as a task with progress, files
permission-checked and audited; FHIR Bulk Data kick-off and status."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from scarclinic.audit.models import AuditEntry
from scarclinic.interop.models import BulkExportFile, BulkExportJob
from scarclinic.interop.resources import resource_class
from scarclinic.interop.tests.stories import InteropWorld

pytestmark = pytest.mark.django_db


def _lines(client: Client, job: BulkExportJob, kind: str) -> list[dict[str, Any]]:
    f = job.files.get(resource_type=kind)
    response = client.get(f"/interop/exports/{job.pk}/files/{f.pk}/")
    assert response.status_code == 200
    return [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]


def test_the_director_exports_the_clinic_and_watches_it_finish(
    world: InteropWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.cast.director)
    assert client.get("/interop/exports/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/interop/exports/")
    job = BulkExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/interop/exports/{job.pk}/"
    assert (job.status, job.done, job.total) == ("completed", job.total, job.total)
    assert job.total > 10
    progress = client.get(f"/interop/exports/{job.pk}/progress/").content.decode()
    assert "100%" in progress and "hx-trigger" not in progress  # finished: polling stops
    files = {f.resource_type: f.count for f in job.files.all()}
    assert sum(files.values()) == job.total
    ids: set[str] = set()
    references: set[str] = set()
    for kind in files:
        for resource in _lines(client, job, kind):
            resource_class("4.0", resource["resourceType"]).model_validate(resource)
            ids.add(f"{resource['resourceType']}/{resource['id']}")
            references |= set(_refs(resource))
    # Clinic A's files hold clinic A's records and refer only to each other.
    assert f"Patient/patient-{world.cast.zara.pk}" not in ids
    assert references - ids == set()
    assert AuditEntry.objects.filter(
        object_type="interop.bulkexportfile", actor=world.cast.director
    ).count() == len(files)


def test_a_running_export_shows_its_progress_and_polls(world: InteropWorld, client: Client) -> None:
    from scarclinic.interop import services

    client.force_login(world.cast.director)
    job = BulkExportJob.objects.create(
        clinic=world.cast.clinic_a,
        requested_by=world.cast.director,
        requested_at=world.unit.created_at,
        base_url="http://testserver",
        status="running",
        total=200,
        done=50,
    )
    page = client.get(f"/interop/exports/{job.pk}/").content.decode()
    assert "25%" in page and 'hx-trigger="every 1s"' in page
    status = client.get(f"/fhir/$export-status/{job.pk}")
    assert status.status_code == 202 and status["X-Progress"].startswith("25%")
    job.status = "queued"
    job.save()
    services.bulk_export_run(job_id=job.pk)
    manifest = client.get(f"/fhir/$export-status/{job.pk}").json()
    assert {o["type"] for o in manifest["output"]} >= {"Patient", "Observation", "Organization"}


def test_fhir_kickoff_answers_202_with_the_status_url(
    world: InteropWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.cast.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/fhir/$export")
    job = BulkExportJob.objects.get()
    assert response.status_code == 202
    assert response["Content-Location"] == f"http://testserver/fhir/$export-status/{job.pk}"


def test_the_outsider_and_the_physician_cannot_reach_clinic_a_s_export(
    world: InteropWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.cast.director)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/interop/exports/")
    job = BulkExportJob.objects.get()
    f = BulkExportFile.objects.filter(job=job).first()
    assert f is not None
    client.force_login(world.cast.physician)
    assert client.get(f"/interop/exports/{job.pk}/files/{f.pk}/").status_code == 403
    client.force_login(world.cast.outsider)
    assert client.get(f"/fhir/$export-status/{job.pk}").status_code == 403


def _refs(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_memory_stays_flat_because_rows_are_read_in_chunks(world: InteropWorld) -> None:
    # The exporters stream (iterator with chunk_size): a generator, never a list.
    import inspect

    from scarclinic.interop import export

    for exporter in export.EXPORTERS:
        rows = exporter.rows(world.cast.clinic_a, "4.0", "http://x")
        assert inspect.isgenerator(rows), exporter.resource_type


@pytest.mark.parametrize("version", ["4.0", "5.0"])
def test_the_fast_writer_gives_the_same_json_as_fhir_resources(
    world: InteropWorld, version: str
) -> None:
    from scarclinic.interop import export
    from scarclinic.interop.resources import streaming

    amina = world.cast.amina
    slow = export.patient_resources(amina, version=version, base_url="http://x").resources
    with streaming():
        fast = export.patient_resources(amina, version=version, base_url="http://x").resources
    assert len(slow) == len(fast) > 10
    for model, streamed in zip(slow, fast, strict=True):
        assert json.loads(streamed.model_dump_json()) == json.loads(model.model_dump_json())


def test_a_failing_export_is_marked_failed_and_offers_no_file(
    world: InteropWorld, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scarclinic.interop import export, services

    def broken(*args: Any) -> Any:
        raise RuntimeError("disk full")
        yield

    first = export.EXPORTERS[2]
    monkeypatch.setattr(
        export,
        "EXPORTERS",
        (*export.EXPORTERS[:2], type(first)(first.resource_type, first.count, broken)),
    )
    job = BulkExportJob.objects.create(
        clinic=world.cast.clinic_a,
        requested_by=world.cast.director,
        requested_at=world.unit.created_at,
        base_url="http://testserver",
    )
    services.bulk_export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "disk full" not in job.error
    assert not job.files.exists()
    client.force_login(world.cast.director)
    assert client.get(f"/fhir/$export-status/{job.pk}").status_code == 500


def test_the_export_list_makes_a_fixed_number_of_queries(
    world: InteropWorld, client: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(6):
        BulkExportJob.objects.create(
            clinic=world.cast.clinic_a,
            requested_by=world.cast.director,
            requested_at=world.unit.created_at,
            base_url="http://testserver",
        )
    client.force_login(world.cast.director)
    client.get("/interop/exports/")
    with django_assert_max_num_queries(12):
        page = client.get("/interop/exports/")
    assert page.content.decode().count("/interop/exports/") >= 6


def test_the_clinic_s_patients_round_trip_from_bulk_export_back_to_themselves(
    world: InteropWorld, client: Client
) -> None:
    from scarclinic.interop import services
    from scarclinic.patients.models import Patient

    job = services.bulk_export_start(
        clinic=world.cast.clinic_a, by=world.cast.director, base_url="http://testserver"
    )
    services.bulk_export_run(job_id=job.pk)
    with job.files.get(resource_type="Patient").file.open("rb") as fh:
        patients = [json.loads(line) for line in fh.read().splitlines()]
    assert {p["identifier"][0]["value"] for p in patients} == {"A-0001", "A-0002"}
    before = list(Patient.objects.order_by("pk").values())
    client.force_login(world.cast.frontdesk)
    response = client.post(
        "/fhir",
        data=json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": p} for p in patients],
            }
        ),
        content_type="application/fhir+json",
    )
    assert response.status_code == 200
    assert all("unchanged" in i["diagnostics"] for i in response.json()["issue"])
    assert list(Patient.objects.order_by("pk").values()) == before


def test_the_fast_writer_stays_right_when_the_reference_cache_is_emptied(
    world: InteropWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scarclinic.interop import export, resources
    from scarclinic.interop.resources import streaming

    monkeypatch.setattr(resources, "_MAX_REFERENCES", 2)
    monkeypatch.setattr(resources, "_REFERENCES", {})
    amina = world.cast.amina
    slow = export.patient_resources(amina, version="4.0", base_url="http://x").resources
    with streaming():
        fast = export.patient_resources(amina, version="4.0", base_url="http://x").resources
    assert len(resources._REFERENCES) <= 2
    for model, streamed in zip(slow, fast, strict=True):
        assert json.loads(streamed.model_dump_json()) == json.loads(model.model_dump_json())
