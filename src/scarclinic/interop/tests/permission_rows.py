"""The interop rows of the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written out by hand from accounts/roles.py and the views, never computed: fhir.export is the
physician's and the director's; fhir.bulk_export the director's; patient.import the front
desk's (the role that registers patients). The FHIR endpoints answer like an API (401 for anonymous callers,
an OperationOutcome for every refusal); the /interop/ pages like the rest of the web UI.

To merge: add the rows to MATRIX, INTEROP_CHANGES_DATABASE to CHANGES_DATABASE,
INTEROP_BODIES to BODIES, ``interop_world(cast)`` to the world's ids and
``interop_snapshot()`` to the rows the matrix compares; ``/fhir`` requests are sent as JSON
like ``/api/``. New placeholders: {interop_job} a finished bulk export of clinic A,
{interop_file} its Patient.ndjson.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from scarclinic.interop import codes, services
from scarclinic.interop.models import BulkExportFile, BulkExportJob
from tests.cast import Cast

# fmt: off
INTEROP_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # FHIR: one patient's record (fhir.export)
    "GET /fhir/Patient/{amina}/$everything":                      (200, 403, 403, 403, 200, 403, 403, 404, 401),
    "GET /fhir/Patient/{zara}/$everything":                       (404, 403, 403, 403, 404, 403, 403, 200, 401),
    # FHIR: import (patient.import)
    "POST /fhir/Patient":                                         (403, 403, 403, 201, 403, 403, 403, 403, 401),
    "POST /fhir":                                                 (403, 403, 403, 201, 403, 403, 403, 403, 401),
    # FHIR Bulk Data: kick-off and status (fhir.bulk_export)
    "POST /fhir/$export":                                         (403, 403, 403, 403, 202, 403, 403, 403, 401),
    "GET /fhir/$export-status/{interop_job}":                     (403, 403, 403, 403, 200, 403, 403, 403, 401),
    # Web: the director's bulk export pages and files
    "GET /interop/exports/":                                      (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /interop/exports/":                                     (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "GET /interop/exports/{interop_job}/":                        (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "GET /interop/exports/{interop_job}/progress/":               (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "GET /interop/exports/{interop_job}/files/{interop_file}/":   (403, 403, 403, 403, 200, 403, 403, 403, 302),
    # Web: the import page (patient.import)
    "GET /interop/import/":                                       (403, 403, 403, 200, 403, 403, 403, 403, 302),
    "POST /interop/import/":                                      (403, 403, 403, 200, 403, 403, 403, 403, 302),
}

INTEROP_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /fhir/Patient":                                         {"frontdesk"},
    "POST /fhir":                                                 {"frontdesk"},
    "POST /fhir/$export":                                         {"director"},
    "POST /interop/exports/":                                     {"director"},
    "POST /interop/import/":                                      {"frontdesk"},
}
# fmt: on


def _fhir_patient(mrn: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": codes.mrn_system("A"), "value": mrn}],
        "name": [{"use": "official", "family": "Fatima", "given": ["Noor"]}],
        "birthDate": "1999-05-01",
        "gender": "female",
    }


def _csv_upload() -> SimpleUploadedFile:
    content = "mrn,given_name,family_name,date_of_birth\nN-0300,Hina,Raza,1990-02-03\n"
    return SimpleUploadedFile("patients.csv", content.encode(), content_type="text/csv")


INTEROP_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /fhir/Patient": lambda w: _fhir_patient("N-0200"),
    "POST /fhir": lambda w: {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": _fhir_patient("N-0201")}],
    },
    "POST /fhir/$export": lambda w: {},
    "POST /interop/exports/": lambda w: {},
    "POST /interop/import/": lambda w: {"format": "csv", "file": _csv_upload()},
}


def interop_world(cast: Cast) -> dict[str, int]:
    """A finished bulk export of clinic A (MEDIA_ROOT must point at a temporary folder)."""
    job = services.bulk_export_start(
        clinic=cast.clinic_a, by=cast.director, base_url="http://testserver"
    )
    services.bulk_export_run(job_id=job.pk)
    patient_file = BulkExportFile.objects.get(job=job, resource_type="Patient")
    return {"interop_job": job.pk, "interop_file": patient_file.pk}


def interop_snapshot() -> dict[str, list[Any]]:
    return {
        "bulk_jobs": list(BulkExportJob.objects.order_by("pk").values()),
        "bulk_files": list(BulkExportFile.objects.order_by("pk").values()),
    }
