"""The FHIR endpoints (``/fhir/...``, ``application/fhir+json``) and the interop pages
(``/interop/...``): bulk export with progress, and the patient import upload.

The FHIR endpoints answer errors as an OperationOutcome: 401 not signed in, 403 the role may
not, 404 no such patient (or not one the user may see), 400 malformed, 413 too large,
415 not JSON, 422 invalid. Session authentication with CSRF, like /api/v1/."""

from __future__ import annotations

import re
from typing import Any, cast

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scarclinic.accounts.access import ClinicRequest, has_perm_anywhere, requires
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.interop import importing, selectors, services
from scarclinic.interop.models import BulkExportJob
from scarclinic.interop.resources import R4, R5, resource_class

FHIR_JSON = "application/fhir+json"
_VERSIONS = {"4.0": R4, "4.0.1": R4, "4.3": R4, "4.3.0": R4, "5.0": R5, "5.0.0": R5}


def _outcome(status: int, code: str, messages: list[str], severity: str = "error") -> HttpResponse:
    outcome = resource_class(R4, "OperationOutcome")(
        issue=[{"severity": severity, "code": code, "diagnostics": m[:1000]} for m in messages]
    )
    return HttpResponse(
        outcome.model_dump_json(),
        status=status,
        content_type=f"{FHIR_JSON}; fhirVersion=4.0",
    )


def _fhir_user(request: HttpRequest, perm: Perm) -> User | HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return _outcome(401, "login", [_("Sign in first.")])
    if not has_perm_anywhere(user, perm):
        return _outcome(403, "forbidden", [_("You do not have permission.")])
    return user


def requested_version(request: HttpRequest) -> str | None:
    """``?_fhirVersion=5.0`` or ``Accept: application/fhir+json; fhirVersion=5.0``; R4 when
    neither is given; None for a version we do not serve."""
    asked = request.GET.get("_fhirVersion")
    if asked is None:
        match = re.search(r"fhirVersion\s*=\s*\"?([\d.]+)", request.headers.get("Accept", ""))
        asked = match.group(1) if match else "4.0"
    return _VERSIONS.get(asked.strip())


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def everything(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _fhir_user(request, Perm.FHIR_EXPORT)
    if isinstance(user, HttpResponse):
        return user
    version = requested_version(request)
    if version is None:
        return _outcome(406, "not-supported", [_("FHIR versions served: 4.0 (R4) and 5.0 (R5).")])
    try:
        bundle = services.everything_export(
            user=user, patient_id=patient_id, version=version, base_url=_base_url(request)
        )
    except Http404:
        return _outcome(404, "not-found", [_("No such patient.")])
    return HttpResponse(
        bundle.model_dump_json(), content_type=f"{FHIR_JSON}; fhirVersion={version}"
    )


def _import(request: HttpRequest, *, expect: str) -> HttpResponse:
    user = _fhir_user(request, Perm.PATIENT_IMPORT)
    if isinstance(user, HttpResponse):
        return user
    clinic = getattr(request, "clinic", None)
    if clinic is None:
        return _outcome(403, "forbidden", [_("You do not have permission.")])
    content_type = request.content_type or ""
    if content_type not in (FHIR_JSON, "application/json"):
        return _outcome(415, "not-supported", [_("Send application/fhir+json.")])
    limit = importing.max_import_bytes()
    declared = int(request.headers.get("Content-Length") or 0)
    if declared > limit:
        return _outcome(413, "too-costly", [_("The file is larger than the limit.")])
    report = services.ImportReport(source=f"fhir:{expect}")
    try:
        body = request.body
    except RequestDataTooBig:  # Django's own cap on a request body (DATA_UPLOAD_MAX_MEMORY_SIZE)
        return _outcome(413, "too-costly", [_("The file is larger than the limit.")])
    try:
        report.lines = importing.patients_from_fhir(body, clinic_code=clinic.code, expect=expect)
        services.patients_import(clinic=clinic, by=user, report=report)
    except importing.FileRejected as exc:
        return _outcome(exc.status, exc.code, exc.problems)
    except PermissionDenied:
        return _outcome(403, "forbidden", [_("You do not have permission.")])
    except services.ImportRejected:
        issues = [
            f"{line.where}{f' (MRN {line.mrn})' if line.mrn else ''}: {error}"
            for line in report.lines
            for error in line.errors
        ]
        issues.append(_("Nothing was saved: correct these and send the whole file again."))
        return _outcome(422, "invalid", issues)
    messages = [
        f"{line.where} (MRN {line.mrn}): {line.outcome} as Patient/patient-{line.patient_id}"
        for line in report.lines
    ]
    status = 201 if report.count("created") else 200
    return _outcome(status, "informational", messages, severity="information")


@require_POST
def import_patient(request: HttpRequest) -> HttpResponse:
    return _import(request, expect="Patient")


@require_POST
def import_bundle(request: HttpRequest) -> HttpResponse:
    return _import(request, expect="Bundle")


# ------------------------------------------------------------------------------------------
# Bulk export: FHIR Bulk Data style kick-off and status, and the director's page


def _manifest(request: HttpRequest, job: BulkExportJob) -> dict[str, Any]:
    return {
        "transactionTime": job.started_at.isoformat() if job.started_at else None,
        "request": request.build_absolute_uri(reverse("interop:bulk_kickoff")),
        "requiresAccessToken": True,
        "output": [
            {
                "type": f.resource_type,
                "url": request.build_absolute_uri(
                    reverse("interop:bulk_file", args=[job.pk, f.pk])
                ),
                "count": f.count,
            }
            for f in job.files.all()
        ],
        "error": [],
    }


@require_POST
def bulk_kickoff(request: HttpRequest) -> HttpResponse:
    user = _fhir_user(request, Perm.FHIR_BULK_EXPORT)
    if isinstance(user, HttpResponse):
        return user
    clinic = getattr(request, "clinic", None)
    if clinic is None:
        return _outcome(403, "forbidden", [_("You do not have permission.")])
    try:
        job = services.bulk_export_start(clinic=clinic, by=user, base_url=_base_url(request))
    except PermissionDenied:
        return _outcome(403, "forbidden", [_("You do not have permission.")])
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("interop:bulk_status", args=[job.pk])
    )
    return response


@require_GET
def bulk_status(request: HttpRequest, job_id: int) -> HttpResponse:
    import json

    user = _fhir_user(request, Perm.FHIR_BULK_EXPORT)
    if isinstance(user, HttpResponse):
        return user
    try:
        job = selectors.job_for_user(user=user, job_id=job_id)
    except Http404:
        return _outcome(404, "not-found", [_("No such export.")])
    if job.status == "failed":
        return _outcome(500, "exception", [job.error or _("The export failed.")])
    if job.status != "completed":
        response = HttpResponse(status=202)
        response["X-Progress"] = f"{job.percent}% ({job.done} of {job.total} resources)"
        response["Retry-After"] = "2"
        return response
    return HttpResponse(json.dumps(_manifest(request, job)), content_type="application/json")


@require_http_methods(["GET", "POST"])
@requires(Perm.FHIR_BULK_EXPORT)
def bulk_page(request: ClinicRequest) -> HttpResponse:
    if request.method == "POST":
        job = services.bulk_export_start(
            clinic=request.clinic, by=request.user, base_url=_base_url(request)
        )
        return redirect("interop:bulk_job", job.pk)
    jobs = selectors.jobs_for_clinic(clinic_id=request.clinic.pk)
    return render(request, "interop/bulk.html", {"jobs": jobs})


@require_GET
@requires(Perm.FHIR_BULK_EXPORT)
def bulk_job(request: ClinicRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for_user(user=request.user, job_id=job_id)
    return render(request, "interop/job.html", {"job": job})


@require_GET
@requires(Perm.FHIR_BULK_EXPORT)
def bulk_progress(request: ClinicRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for_user(user=request.user, job_id=job_id)
    return render(request, "interop/_progress.html", {"job": job})


@require_GET
@requires(Perm.FHIR_BULK_EXPORT)
def bulk_file(request: ClinicRequest, job_id: int, file_id: int) -> HttpResponse:
    found = selectors.file_for_user(user=request.user, job_id=job_id, file_id=file_id)
    services.bulk_file_downloaded(file=found, by=request.user)
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=f"{found.resource_type}.ndjson",
        content_type="application/fhir+ndjson",
    )
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # a streaming response, served like any other


# ------------------------------------------------------------------------------------------
# Import page


@require_http_methods(["GET", "POST"])
@requires(Perm.PATIENT_IMPORT)
def import_page(request: ClinicRequest) -> HttpResponse:
    context: dict[str, Any] = {"columns": importing.CSV_COLUMNS, "required": importing.CSV_REQUIRED}
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("format", "")
        report = services.ImportReport(source=kind)
        if upload is None or kind not in ("fhir", "csv"):
            report.problems.append(_("Choose a format and a file."))
        elif upload.size is not None and upload.size > importing.max_import_bytes():
            report.problems.append(
                _("The file is larger than the limit of %(limit)s bytes.")
                % {"limit": f"{importing.max_import_bytes():,}"}
            )
        else:
            raw = upload.read()
            try:
                report.lines = (
                    importing.patients_from_csv(raw)
                    if kind == "csv"
                    else importing.patients_from_fhir(raw, clinic_code=request.clinic.code)
                )
                services.patients_import(clinic=request.clinic, by=request.user, report=report)
            except importing.FileRejected as exc:
                report.problems.extend(exc.problems)
            except services.ImportRejected:
                pass
        context["report"] = report
        return render(
            request, "interop/import.html", context, status=422 if report.rejected else 200
        )
    return render(request, "interop/import.html", context)
