"""Patients, medical history and consents over HTTP, with the web UI's permissions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status

from scarclinic.accounts.access import api_user, clinic_ids_with, memberships_of
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.clinical.history import age_on, history_alerts
from scarclinic.patients import selectors, services
from scarclinic.patients.models import ConsentTemplateVersion, MedicalHistoryVersion, Patient
from scarclinic.patients.schemas import (
    ConsentIn,
    ConsentOut,
    ConsentTemplateVersionOut,
    HistoryIn,
    HistoryOut,
    PatientDetailOut,
    PatientIn,
    PatientOut,
    PatientPatch,
    WithdrawIn,
)

router = Router(tags=["patients"])
portal_router = Router(tags=["portal"])


def _detail(patient: Patient) -> dict[str, object]:
    history = patient.current_history
    return {
        **PatientOut.from_orm(patient).dict(),
        "age": age_on(patient.date_of_birth, timezone.localdate()),
        "address": patient.address,
        "alerts": [a.text for a in history_alerts(history.to_core())] if history else [],
    }


class SearchParams(Schema):
    q: str = ""
    clinic_id: int | None = None
    limit: int = 50


@router.get("", response=list[PatientOut], summary="Search patients")
def list_patients(request: HttpRequest, params: Query[SearchParams]) -> list[Patient]:
    """Patients of one clinic matching a name, MRN, phone or date of birth."""
    api_user(request, Perm.PATIENT_VIEW)
    clinics = clinic_ids_with(request.user, Perm.PATIENT_VIEW)
    clinic_id = params.clinic_id if params.clinic_id is not None else clinics[0]
    if clinic_id not in clinics:
        raise PermissionDenied
    return selectors.patient_search(
        user=request.user,
        clinic_id=clinic_id,
        text=params.q[:100],
        limit=max(1, min(params.limit, 200)),
    )


@router.post("", response={201: PatientDetailOut}, summary="Register a patient")
def register_patient(request: HttpRequest, body: PatientIn) -> Status[dict[str, object]]:
    api_user(request, Perm.PATIENT_REGISTER)
    clinics = clinic_ids_with(request.user, Perm.PATIENT_REGISTER)
    if body.clinic_id is None and len(clinics) > 1:
        raise ValidationError({"clinic_id": gettext("You work in several clinics: say which.")})
    clinic_id = body.clinic_id if body.clinic_id is not None else clinics[0]
    if clinic_id not in clinics:
        raise ValidationError(
            {"clinic_id": gettext("You cannot register patients in that clinic.")}
        )
    data = body.dict(exclude={"clinic_id"})
    patient = services.patient_register(
        clinic=Clinic.objects.get(pk=clinic_id), by=api_user(request), **data
    )
    return Status(201, _detail(patient))


@router.get("/{int:patient_id}", response=PatientDetailOut, summary="A patient")
def get_patient(request: HttpRequest, patient_id: int) -> dict[str, object]:
    api_user(request, Perm.PATIENT_VIEW)
    return _detail(selectors.patient_for_user(user=request.user, patient_id=patient_id))


@router.patch("/{int:patient_id}", response=PatientDetailOut, summary="Edit demographics")
def update_patient(request: HttpRequest, patient_id: int, body: PatientPatch) -> dict[str, object]:
    api_user(request, Perm.PATIENT_EDIT)
    patient = selectors.patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.PATIENT_EDIT, audit=False
    )
    changes = body.dict(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise ValidationError({k: "May not be null." for k, v in changes.items() if v is None})
    patient = services.patient_update_demographics(patient=patient, by=api_user(request), **changes)
    return _detail(patient)


@router.get("/{int:patient_id}/history", response=list[HistoryOut], summary="History versions")
def list_history(request: HttpRequest, patient_id: int) -> list[MedicalHistoryVersion]:
    """All versions of the medical history, newest first."""
    api_user(request, Perm.HISTORY_VIEW)
    patient = selectors.patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.HISTORY_VIEW
    )
    return list(
        MedicalHistoryVersion.objects.filter(patient=patient)
        .select_related("recorded_by")
        .order_by("-version")
    )


@router.post("/{int:patient_id}/history", response={201: HistoryOut}, summary="Record history")
def record_history(
    request: HttpRequest, patient_id: int, body: HistoryIn
) -> Status[MedicalHistoryVersion]:
    """Add a new version of the medical history; fields left out carry over from the current one."""
    api_user(request, Perm.HISTORY_EDIT)
    patient = selectors.patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.HISTORY_EDIT, audit=False
    )
    data = body.dict(exclude_unset=True)  # left out = carried over from the current version
    change_note = data.pop("change_note", "")
    for choice in ("acne_severity", "isotretinoin"):
        if choice in data:
            data[choice] = str(data[choice])
    version = services.history_record(
        patient=patient, by=api_user(request), change_note=change_note, **data
    )
    return Status(201, version)


@router.get(
    "/consent-templates", response=list[ConsentTemplateVersionOut], summary="Consent texts in use"
)
def list_templates(request: HttpRequest) -> list[ConsentTemplateVersion]:
    api_user(request, Perm.CONSENT_VIEW)
    return [
        v
        for clinic_id in clinic_ids_with(request.user, Perm.CONSENT_VIEW)
        for v in selectors.active_template_versions(clinic_id=clinic_id)
    ]


@router.get("/{int:patient_id}/consents", response=list[ConsentOut], summary="Signed consents")
def list_consents(request: HttpRequest, patient_id: int) -> list[object]:
    api_user(request, Perm.CONSENT_VIEW)
    patient = selectors.patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.CONSENT_VIEW
    )
    return list(patient.consents.order_by("-signed_at"))


@router.post("/{int:patient_id}/consents", response={201: ConsentOut}, summary="Record a signature")
def sign_consent(request: HttpRequest, patient_id: int, body: ConsentIn) -> Status[object]:
    api_user(request, Perm.CONSENT_RECORD)
    patient = selectors.patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.CONSENT_RECORD, audit=False
    )
    version = ConsentTemplateVersion.objects.filter(pk=body.template_version_id).first()
    if version is None:
        raise ValidationError({"template_version_id": gettext("No such consent template version.")})
    witness = User.objects.filter(pk=body.witness_id).first() if body.witness_id else None
    if body.witness_id and witness is None:
        raise ValidationError({"witness_id": gettext("No such user.")})
    consent = services.consent_sign(
        patient=patient,
        template_version=version,
        by=api_user(request),
        signer_name=body.signer_name,
        signer_relation=body.signer_relation,
        method=body.method,
        signature_png=body.signature_png,
        typed_name=body.typed_name,
        witness=witness,
    )
    return Status(201, consent)


@router.post(
    "/consents/{int:consent_id}/withdraw", response=ConsentOut, summary="Withdraw a consent"
)
def withdraw_consent(request: HttpRequest, consent_id: int, body: WithdrawIn) -> object:
    api_user(request, Perm.CONSENT_RECORD)
    consent = selectors.consent_for_user(
        user=request.user, consent_id=consent_id, perm=Perm.CONSENT_RECORD
    )
    return services.consent_withdraw(consent=consent, by=api_user(request), reason=body.reason)


@portal_router.get("/me", response=PatientDetailOut, summary="My own record (portal)")
def portal_me(request: HttpRequest) -> dict[str, object]:
    if not any(role_has(m.role, Perm.PORTAL_OWN) for m in memberships_of(request.user)):
        raise PermissionDenied
    from scarclinic.portal.selectors import own_record

    return _detail(own_record(user=api_user(request)).patient)
