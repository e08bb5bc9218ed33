"""Every write to patients, their history and their consents. Each runs in one transaction
and writes its audit entry in the same place."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object, audit_record
from scarclinic.clinical.history import history_problems
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignatureMethod,
    SignedConsent,
    SignerRelation,
    TemplateStatus,
)
from scarclinic.patients.search import normalise_name, phone_digits
from scarclinic.validation import refuse_control_characters

DEMOGRAPHIC_FIELDS = (
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
MAX_SIGNATURE_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _require(user: User, clinic_id: int, perm: Perm) -> None:
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError(
            {"clinic": gettext("You do not work in this clinic with that permission.")}
        )


def _validate_demographics(*, clinic: Clinic, data: dict[str, Any], exclude_id: int | None) -> None:
    refuse_control_characters(data)
    errors: dict[str, str] = {}
    for required in ("mrn", "given_name", "family_name", "date_of_birth"):
        if not str(data.get(required) or "").strip():
            errors[required] = gettext("This field is required.")
    dob = data.get("date_of_birth")
    if isinstance(dob, date) and dob > timezone.localdate():
        errors["date_of_birth"] = gettext("The date of birth cannot be in the future.")
    if isinstance(dob, date) and dob.year < 1900:
        errors["date_of_birth"] = gettext("The date of birth is before 1900.")
    mrn = str(data.get("mrn") or "").strip()
    if mrn:
        clash = Patient.objects.filter(clinic=clinic, mrn=mrn)
        if exclude_id is not None:
            clash = clash.exclude(pk=exclude_id)
        if clash.exists():
            errors["mrn"] = gettext(
                "MRN %(mrn)s is already used by another patient of this clinic."
            ) % {"mrn": mrn}
    if errors:
        raise ValidationError(errors)


def _apply_search_columns(patient: Patient) -> None:
    patient.given_search = normalise_name(patient.given_name)
    patient.family_search = normalise_name(patient.family_name)
    patient.name_search = f"{patient.given_search} {patient.family_search}"
    patient.phone_digits = phone_digits(patient.phone)


@transaction.atomic
def patient_register(*, clinic: Clinic, by: User, **data: Any) -> Patient:
    """Register a patient at a clinic the user may register patients in."""
    _require(by, clinic.pk, Perm.PATIENT_REGISTER)
    unknown = set(data) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), gettext("Unknown field.")))
    data["mrn"] = str(data.get("mrn") or "").strip()
    _validate_demographics(clinic=clinic, data=data, exclude_id=None)
    patient = Patient(clinic=clinic, registered_by=by, **data)
    _apply_search_columns(patient)
    patient.full_clean(exclude=["current_history", "portal_user", "registered_by"])
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:  # a concurrent registration took the MRN first
        raise ValidationError({"mrn": gettext("This MRN is already used in this clinic.")}) from exc
    audit_object(
        action=AuditAction.CREATE, obj=patient, patient_id=patient.pk, clinic_id=clinic.pk, actor=by
    )
    return patient


@transaction.atomic
def patient_update_demographics(*, patient: Patient, by: User, **changes: Any) -> Patient:
    _require(by, patient.clinic_id, Perm.PATIENT_EDIT)
    unknown = set(changes) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), gettext("Unknown field.")))
    if "mrn" in changes:
        changes["mrn"] = str(changes["mrn"] or "").strip()
    merged = {f: getattr(patient, f) for f in DEMOGRAPHIC_FIELDS} | changes
    _validate_demographics(clinic=patient.clinic, data=merged, exclude_id=patient.pk)
    changed = sorted(f for f, v in changes.items() if getattr(patient, f) != v)
    for field, value in changes.items():
        setattr(patient, field, value)
    _apply_search_columns(patient)
    patient.full_clean(exclude=["current_history", "portal_user", "registered_by"])
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:
        raise ValidationError({"mrn": gettext("This MRN is already used in this clinic.")}) from exc
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=patient,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"fields": changed},
    )
    return patient


@transaction.atomic
def history_record(
    *, patient: Patient, by: User, change_note: str = "", **fields: Any
) -> MedicalHistoryVersion:
    """Add a new version of the patient's medical history; earlier versions stay as they were.

    Fields not given carry over from the current version."""
    _require(by, patient.clinic_id, Perm.HISTORY_EDIT)
    unknown = set(fields) - set(MedicalHistoryVersion.CLINICAL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), gettext("Unknown field.")))
    # Lock the patient row so two simultaneous edits get consecutive version numbers.
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    current = (
        MedicalHistoryVersion.objects.filter(pk=locked.current_history_id).first()
        if locked.current_history_id
        else None
    )
    values = (
        {f: getattr(current, f) for f in MedicalHistoryVersion.CLINICAL_FIELDS} if current else {}
    )
    values |= fields
    refuse_control_characters({**fields, "change_note": change_note})
    if isinstance(values.get("allergies"), str):
        values["allergies"] = [a.strip() for a in values["allergies"].split(",") if a.strip()]
    version = MedicalHistoryVersion(
        patient=locked,
        version=(current.version + 1) if current else 1,
        recorded_at=timezone.now(),
        recorded_by=by,
        change_note=change_note,
        **values,
    )
    version.full_clean(exclude=["patient", "recorded_by"])
    problems = history_problems(version.to_core(), today=timezone.localdate())
    if problems:
        raise ValidationError(problems)
    version.save()
    locked.current_history = version
    locked.save(update_fields=["current_history", "updated_at"])
    patient.current_history = version
    changed = sorted(
        f
        for f in MedicalHistoryVersion.CLINICAL_FIELDS
        if current is None or getattr(current, f) != getattr(version, f)
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=version,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"version": version.version, "fields": changed},
    )
    return version


def _valid_png_data_url(data_url: str) -> bool:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix) or len(data_url) > MAX_SIGNATURE_BYTES * 4 // 3 + 100:
        return False
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(PNG_MAGIC) and len(raw) > 100


@transaction.atomic
def _sent_to_sign(patient: Patient, version: ConsentTemplateVersion) -> bool:
    """Whether the clinic sent the patient this consent to sign in the portal (an open
    request). Looked up by name: the portal builds on this app, not the other way round."""
    request_model = apps.get_model("portal", "ConsentRequest")
    return bool(
        request_model.objects.filter(
            patient=patient, template_id=version.template_id, signed_consent__isnull=True
        ).exists()
    )


def consent_sign(
    *,
    patient: Patient,
    template_version: ConsentTemplateVersion,
    by: User,
    signer_name: str,
    method: str,
    signer_relation: str = SignerRelation.SELF,
    signature_png: str = "",
    typed_name: str = "",
    witness: User | None = None,
    signed_at: datetime | None = None,
) -> SignedConsent:
    """Record a patient's signature on the exact wording of an in-use template version.
    Staff need CONSENT_RECORD; a patient signs their own, by drawing, in the portal."""
    own = patient.portal_user_id is not None and patient.portal_user_id == by.pk
    if not own:
        _require(by, patient.clinic_id, Perm.CONSENT_RECORD)
    elif method != SignatureMethod.DRAWN or signer_relation != SignerRelation.SELF:
        raise ValidationError(
            {"method": gettext("In the portal you sign for yourself, by drawing.")}
        )
    refuse_control_characters({"signer_name": signer_name, "typed_name": typed_name})
    errors: dict[str, str] = {}
    version = ConsentTemplateVersion.objects.select_related("template").get(pk=template_version.pk)
    if version.template.clinic_id != patient.clinic_id:
        errors["template_version"] = gettext("This consent template belongs to another clinic.")
    elif own and not _sent_to_sign(patient, version):
        errors["template_version"] = gettext("The clinic has not sent you this consent to sign.")
    elif version.status != TemplateStatus.ACTIVE:
        errors["template_version"] = gettext(
            "Version %(version)s of '%(title)s' is %(lower)s: sign the version in use."
        ) % {
            "version": version.version,
            "title": version.template.title,
            "lower": version.get_status_display().lower(),
        }
    if not signer_name.strip():
        errors["signer_name"] = gettext("Give the name of the person signing.")
    if signer_relation not in SignerRelation.values:
        errors["signer_relation"] = gettext("Choose who is signing.")
    if method == SignatureMethod.DRAWN:
        if not _valid_png_data_url(signature_png):
            errors["signature_png"] = gettext("Draw the signature (a PNG image is expected).")
        typed_name, witness = "", witness
    elif method == SignatureMethod.TYPED:
        if not typed_name.strip():
            errors["typed_name"] = gettext("Type the signer's name.")
        if witness is None:
            errors["witness"] = gettext("A typed signature needs a witness.")
        elif not has_perm_in(witness, patient.clinic_id, Perm.PATIENT_VIEW):
            errors["witness"] = gettext("The witness must be a staff member of this clinic.")
        signature_png = ""
    else:
        errors["method"] = gettext("Choose a drawn signature or a typed name with a witness.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if signed_at is not None and signed_at > now:
        raise ValidationError({"signed_at": gettext("A signature cannot be dated in the future.")})
    consent = SignedConsent.objects.create(
        patient=patient,
        template_version=version,
        procedure_type=version.template.procedure_type,
        title=version.template.title,
        version_number=version.version,
        language=version.language,
        text_shown=version.body,
        text_sha256=hashlib.sha256(version.body.encode()).hexdigest(),
        signer_name=signer_name.strip(),
        signer_relation=signer_relation,
        method=method,
        signature_png=signature_png,
        typed_name=typed_name.strip(),
        witness=witness,
        signed_at=signed_at or now,
        recorded_by=by,
    )
    audit_object(
        actor=by,
        action=AuditAction.SIGN,
        obj=consent,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"template_version": version.pk, "method": method},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: SignedConsent, by: User, reason: str) -> SignedConsent:
    """Record that the patient withdrew a consent. The consent itself is kept."""
    locked = SignedConsent.objects.select_for_update().select_related("patient").get(pk=consent.pk)
    _require(by, locked.patient.clinic_id, Perm.CONSENT_RECORD)
    if locked.withdrawn_at is not None:
        raise ValidationError({"consent": gettext("This consent was already withdrawn.")})
    if not reason.strip():
        raise ValidationError({"reason": gettext("Say why, or record 'patient's wish'.")})
    refuse_control_characters({"reason": reason})
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = by
    locked.withdrawal_reason = reason.strip()
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit_object(
        actor=by,
        action=AuditAction.WITHDRAW,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
    )
    return locked


@transaction.atomic
def template_version_publish(
    *, version: ConsentTemplateVersion, by: User
) -> ConsentTemplateVersion:
    """Put a draft wording in use; the version it replaces (same language) is withdrawn."""
    locked = (
        ConsentTemplateVersion.objects.select_for_update()
        .select_related("template")
        .get(pk=version.pk)
    )
    _require(by, locked.template.clinic_id, Perm.CONSENT_TEMPLATE_MANAGE)
    if locked.status != TemplateStatus.DRAFT:
        raise ValidationError({"status": gettext("Only a draft can be put in use.")})
    now = timezone.now()
    ConsentTemplateVersion.objects.filter(
        template=locked.template, language=locked.language, status=TemplateStatus.ACTIVE
    ).update(status=TemplateStatus.WITHDRAWN, withdrawn_at=now)
    locked.status = TemplateStatus.ACTIVE
    locked.published_at = now
    locked.save(update_fields=["status", "published_at"])
    audit_record(
        actor=by,
        action=AuditAction.UPDATE,
        object_type=locked._meta.label_lower,
        object_id=locked.pk,
        clinic_id=locked.template.clinic_id,
        detail={"status": "active", "version": locked.version},
    )
    return locked


@transaction.atomic
def template_version_withdraw(
    *, version: ConsentTemplateVersion, by: User
) -> ConsentTemplateVersion:
    """Take a wording out of use. Consents already signed on it keep their text."""
    locked = (
        ConsentTemplateVersion.objects.select_for_update()
        .select_related("template")
        .get(pk=version.pk)
    )
    _require(by, locked.template.clinic_id, Perm.CONSENT_TEMPLATE_MANAGE)
    if locked.status == TemplateStatus.WITHDRAWN:
        raise ValidationError({"status": gettext("This version is already withdrawn.")})
    locked.status = TemplateStatus.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["status", "withdrawn_at"])
    audit_record(
        actor=by,
        action=AuditAction.UPDATE,
        object_type=locked._meta.label_lower,
        object_id=locked.pk,
        clinic_id=locked.template.clinic_id,
        detail={"status": "withdrawn", "version": locked.version},
    )
    return locked
