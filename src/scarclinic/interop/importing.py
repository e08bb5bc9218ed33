"""Reading patients from a FHIR Patient, a FHIR Bundle of Patients, or a CSV file.

Parsing is strict and whole: a file that is too large, not UTF-8, not JSON, not a valid FHIR
resource or not a well-formed CSV is a :class:`FileRejected` with its reasons; a file that
parses gives one :class:`ImportLine` per patient, each with its demographics or the reasons
it cannot be used. Nothing here writes; services.patients_import does, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticError

from scarclinic.interop import codes
from scarclinic.interop.resources import R4, resource_class

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_PATIENTS = 5000
# The CSV columns, in the documented order (docs/fhir.md); the first four are required.
CSV_COLUMNS = (
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
CSV_REQUIRED = CSV_COLUMNS[:4]
OUTCOME_LABELS = {
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "rejected": gettext_lazy("rejected"),
    "not saved": gettext_lazy("not saved"),
}
_SEXES = {"female", "male", "other", "unknown"}
_LANGUAGES = {"en", "ur"}


def max_import_bytes() -> int:
    return int(getattr(settings, "INTEROP_IMPORT_MAX_BYTES", MAX_IMPORT_BYTES))


class FileRejected(Exception):
    """The file as a whole cannot be read. ``status`` is the HTTP status the API answers."""

    def __init__(self, problems: list[str], *, status: int = 422, code: str = "invalid") -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.status = status
        self.code = code


@dataclass
class ImportLine:
    """One patient of the file: where it is, its demographics, what became of it."""

    where: str
    data: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # created | updated | unchanged | rejected
    patient_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.outcome, self.outcome))

    @property
    def mrn(self) -> str:
        return str((self.data or {}).get("mrn", ""))


def read_text(raw: bytes, *, bom: bool = False) -> str:
    """The file's text: refused when larger than the limit or not UTF-8."""
    limit = max_import_bytes()
    if len(raw) > limit:
        raise FileRejected(
            [
                _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                % {"size": f"{len(raw):,}", "limit": f"{limit:,}"}
            ],
            status=413,
            code="too-costly",
        )
    if not raw.strip():
        raise FileRejected([_("The file is empty.")], status=400, code="structure")
    try:
        text = raw.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            [
                _("The file is not UTF-8 text (byte %(n)s cannot be read): save it as UTF-8.")
                % {"n": exc.start + 1}
            ],
            status=400,
            code="structure",
        ) from exc
    if "\x00" in text:
        raise FileRejected([_("The file contains NUL characters.")], status=400, code="structure")
    return text


def _pydantic_problems(exc: PydanticError, prefix: str) -> list[str]:
    problems = []
    for error in exc.errors()[:20]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
        problems.append(f"{prefix}{where or 'resource'}: {error.get('msg', 'invalid')}")
    return problems


def _demographics_from_patient(
    resource: dict[str, Any], *, clinic_code: str
) -> tuple[dict[str, Any], list[str]]:
    """Patient JSON (already valid FHIR) to the fields of patients.services.patient_register."""
    errors: list[str] = []
    system = codes.mrn_system(clinic_code)
    mrns = [
        str(i.get("value", "")).strip()
        for i in resource.get("identifier") or []
        if i.get("system") == system and str(i.get("value", "")).strip()
    ]
    if not mrns:
        errors.append(
            _("No identifier with this clinic's MRN system (%(system)s).") % {"system": system}
        )
    elif len(set(mrns)) > 1:
        errors.append(_("More than one MRN of this clinic."))
    names = resource.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = str(name.get("family") or "").strip()
    given = " ".join(str(g) for g in name.get("given") or []).strip()
    if not family or not given:
        errors.append(_("A name with a family name and a given name is required."))
    birth = resource.get("birthDate")
    dob: date | None = None
    if not birth:
        errors.append(_("birthDate is required."))
    else:
        try:
            dob = date.fromisoformat(str(birth))
        except ValueError:
            errors.append(_("birthDate must be a full date (YYYY-MM-DD)."))
    data: dict[str, Any] = {
        "mrn": mrns[0] if mrns else "",
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "sex": resource.get("gender") or "unknown",
    }
    for telecom in resource.get("telecom") or []:
        kind, value = telecom.get("system"), str(telecom.get("value") or "").strip()
        if kind == "phone" and value and "phone" not in data:
            data["phone"] = value
        if kind == "email" and value and "email" not in data:
            data["email"] = value
    addresses = resource.get("address") or []
    if addresses:
        a = addresses[0]
        text = a.get("text") or ", ".join(
            str(part) for part in [*(a.get("line") or []), a.get("city"), a.get("country")] if part
        )
        data["address"] = str(text)
    for comm in resource.get("communication") or []:
        for coding in (comm.get("language") or {}).get("coding") or []:
            code = str(coding.get("code") or "").split("-")[0].lower()
            if code in _LANGUAGES:
                data.setdefault("preferred_language", code)
    data.setdefault("phone", "")
    data.setdefault("email", "")
    data.setdefault("address", "")
    data.setdefault("preferred_language", "en")
    return data, errors


def _patient_line(resource: Any, where: str, clinic_code: str) -> ImportLine:
    line = ImportLine(where=where)
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        kind = (
            resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        )
        line.errors.append(
            _("Only Patient resources can be imported, not %(kind)s.") % {"kind": kind}
        )
        return line
    try:
        resource_class(R4, "Patient").model_validate(resource)
    except PydanticError as exc:
        line.errors.extend(_pydantic_problems(exc, "Patient."))
        return line
    except (ValueError, TypeError, RecursionError) as exc:
        line.errors.append(f"Invalid Patient: {exc}"[:300])
        return line
    line.data, line.errors = _demographics_from_patient(resource, clinic_code=clinic_code)
    return line


def patients_from_fhir(raw: bytes, *, clinic_code: str, expect: str = "any") -> list[ImportLine]:
    """A Patient (``expect="Patient"``), a Bundle of Patients (``"Bundle"``), or either."""
    text = read_text(raw)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise FileRejected(
            [_("Malformed JSON: %(error)s") % {"error": exc}], status=400, code="structure"
        ) from exc
    except RecursionError as exc:
        raise FileRejected(
            [_("Malformed JSON: nested too deeply.")], status=400, code="structure"
        ) from exc
    if not isinstance(document, dict) or "resourceType" not in document:
        raise FileRejected([_("Expected a FHIR resource: a JSON object with a resourceType.")])
    kind = document.get("resourceType")
    allowed = {"any": {"Patient", "Bundle"}, "Patient": {"Patient"}, "Bundle": {"Bundle"}}[expect]
    if kind not in allowed:
        raise FileRejected(
            [
                _("Expected %(allowed)s, got %(kind)r.")
                % {"allowed": " or ".join(sorted(allowed)), "kind": kind}
            ]
        )
    if kind == "Patient":
        line = _patient_line(document, "Patient", clinic_code)
        if line.data is None:
            raise FileRejected(line.errors)
        return [line]
    entries = document.get("entry") or []
    if not isinstance(entries, list):
        raise FileRejected([_("Bundle.entry must be a list.")])
    shell = {**document, "entry": [_without_resource(e) for e in entries]}
    try:
        resource_class(R4, "Bundle").model_validate(shell)
    except PydanticError as exc:
        raise FileRejected(_pydantic_problems(exc, "Bundle.")) from exc
    except (ValueError, TypeError, RecursionError) as exc:
        raise FileRejected([f"Invalid Bundle: {exc}"[:300]]) from exc
    if not entries:
        raise FileRejected([_("The Bundle has no entries.")])
    if len(entries) > MAX_IMPORT_PATIENTS:
        raise FileRejected(
            [
                _("The Bundle has %(n)s entries; at most %(max)s.")
                % {"n": f"{len(entries):,}", "max": f"{MAX_IMPORT_PATIENTS:,}"}
            ],
            status=413,
            code="too-costly",
        )
    return [
        _patient_line(entry.get("resource"), _("entry %(n)s") % {"n": n}, clinic_code)
        for n, entry in enumerate(entries, start=1)
    ]


def _refuse_constant(value: str) -> Any:
    raise ValueError(f"{value} is not a JSON number")


def _without_resource(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {k: v for k, v in entry.items() if k != "resource"}


def patients_from_csv(raw: bytes) -> list[ImportLine]:
    """A CSV with a header row of the documented columns (any order, required four)."""
    text = read_text(raw, bom=True)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FileRejected(
            [_("Not a well-formed CSV file: %(error)s") % {"error": exc}],
            status=400,
            code="structure",
        ) from exc
    header = [h.strip().lower() for h in rows[0]] if rows else []
    problems = []
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        problems.append(
            _("Unknown column(s): %(unknown)s. Allowed: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(CSV_COLUMNS)}
        )
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        problems.append(_("Missing column(s): %(missing)s.") % {"missing": ", ".join(missing)})
    if len(set(header)) != len(header):
        problems.append(_("A column appears twice in the header."))
    body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if not body and not problems:
        problems.append(_("The file has a header but no patients."))
    if len(body) > MAX_IMPORT_PATIENTS:
        raise FileRejected(
            [
                _("The file has %(n)s rows; at most %(max)s.")
                % {"n": f"{len(body):,}", "max": f"{MAX_IMPORT_PATIENTS:,}"}
            ],
            status=413,
            code="too-costly",
        )
    if problems:
        raise FileRejected(problems)
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        line = ImportLine(where=_("row %(n)s") % {"n": number})
        lines.append(line)
        if len(row) != len(header):
            line.errors.append(
                _("Expected %(expected)s values, found %(found)s.")
                % {"expected": len(header), "found": len(row)}
            )
            continue
        values = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        data: dict[str, Any] = {c: values.get(c, "") for c in CSV_COLUMNS}
        for required in CSV_REQUIRED:
            if not data[required]:
                line.errors.append(_("%(column)s is required.") % {"column": required})
        try:
            data["date_of_birth"] = (
                date.fromisoformat(data["date_of_birth"]) if data["date_of_birth"] else None
            )
        except ValueError:
            line.errors.append(_("date_of_birth must be YYYY-MM-DD."))
        data["sex"] = (data["sex"] or "unknown").lower()
        if data["sex"] not in _SEXES:
            line.errors.append(
                _("sex must be one of %(values)s.") % {"values": ", ".join(sorted(_SEXES))}
            )
        data["preferred_language"] = (data["preferred_language"] or "en").lower()
        if data["preferred_language"] not in _LANGUAGES:
            line.errors.append(_("preferred_language must be en or ur."))
        line.data = data
    return lines
