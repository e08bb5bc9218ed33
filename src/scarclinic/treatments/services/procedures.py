"""Writes of procedure records: start one when the checklist passes, record what was done,
sign it as the performing clinician, correct it with addenda."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.details import SCHEMA_VERSION, DetailsInvalid, validate_details
from scarclinic.treatments.models import (
    AppointmentStatus,
    PlanChange,
    PlanChangeKind,
    PlanStatus,
    ProcedureAddendum,
    ProcedureRecord,
    ProcedureStatus,
    Screening,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from scarclinic.treatments.selectors.consultation import consultation_build
from scarclinic.treatments.selectors.procedures import checklist_evaluate
from scarclinic.treatments.services.common import require
from scarclinic.treatments.services.consultation import screenings_record
from scarclinic.validation import refuse_control_characters

MAX_NOTE = 5000


@transaction.atomic
def procedure_start(*, session: TreatmentSession, by: User, confirmed: bool) -> ProcedureRecord:
    """Complete the pre-procedure checklist and open the session's record.

    Every item is worked out from the records at this moment; any that fails refuses the
    start, naming it. ``confirmed`` is the nurse's statement that they went through the list
    with the patient. The screening of today is kept with the record; an accepted plan
    becomes active."""
    session = (
        TreatmentSession.objects.select_for_update()
        .select_related("plan", "plan__patient", "plan_modality")
        .get(pk=session.pk)
    )
    plan = session.plan
    require(by, plan.patient.clinic_id, Perm.CHECKLIST_RECORD)
    if ProcedureRecord.objects.filter(session=session).exists():
        raise ValidationError(
            {"session": gettext("The checklist of this session is complete already.")}
        )
    if plan.status not in (PlanStatus.ACCEPTED, PlanStatus.ACTIVE):
        raise ValidationError(
            {
                "session": gettext("The plan is %(lower)s.")
                % {"lower": plan.get_status_display().lower()}
            }
        )
    if session.status != SessionStatus.BOOKED:
        raise ValidationError({"session": gettext("Only a booked session can start.")})
    checklist = checklist_evaluate(session=session)
    errors = checklist.failing
    if not confirmed:
        errors["confirmed"] = gettext(
            "Confirm that you went through the checklist with the patient."
        )
    if errors:
        raise ValidationError(errors)
    assert checklist.appointment is not None
    modality = Modality(session.plan_modality.modality)
    patient = Patient.objects.select_related("clinic", "current_history").get(pk=plan.patient_id)
    screenings_record(
        consultation=consultation_build(patient=patient, on_date=checklist.on_date),
        by=by,
        modalities=[modality],
    )
    screening = (
        Screening.objects.filter(
            patient=patient, modality=modality.value, on_date=checklist.on_date
        )
        .order_by("-screened_at", "-id")
        .first()
    )
    now = timezone.now()
    bedside = next((i for i in checklist.items if i.key == "bedside"), None)
    try:
        with transaction.atomic():
            record = ProcedureRecord.objects.create(
                product_administration_id=bedside.refs["product_administration"]
                if bedside is not None
                else None,
                session=session,
                appointment=checklist.appointment,
                patient=patient,
                modality=modality.value,
                performed_on=checklist.on_date,
                performed_by=checklist.appointment.clinician,
                checklist=[i.as_data() for i in checklist.items],
                checklist_by=by,
                checklist_at=now,
                screening=screening,
            )
    except IntegrityError as exc:  # a second nurse completed it at the same moment
        raise ValidationError(
            {"session": gettext("The checklist was completed a moment ago.")}
        ) from exc
    if plan.status == PlanStatus.ACCEPTED:
        TreatmentPlan.objects.filter(pk=plan.pk).update(
            status=PlanStatus.ACTIVE, status_changed_at=now
        )
        PlanChange.objects.create(
            plan=plan,
            kind=PlanChangeKind.STATUS,
            before={"status": PlanStatus.ACCEPTED},
            after={"status": PlanStatus.ACTIVE},
            reason="First procedure started",
            changed_by=by,
            changed_at=now,
        )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=record,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"session": session.pk, "checklist": [i.key for i in checklist.items]},
    )
    return record


def _lock_record(record: ProcedureRecord) -> ProcedureRecord:
    return (
        ProcedureRecord.objects.select_for_update()
        .select_related("patient", "session")
        .get(pk=record.pk)
    )


def _validated(modality: str, details: Any, field_prefix: str = "") -> dict[str, Any]:
    refuse_control_characters(_strings(details))
    try:
        return validate_details(Modality(modality), details)
    except DetailsInvalid as exc:
        raise ValidationError({f"{field_prefix}{k}": v for k, v in exc.errors.items()}) from exc


def _strings(data: Any, path: str = "details") -> dict[str, object]:
    """Every string in a nested structure, by its path, for the control-character check."""
    found: dict[str, object] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found |= _strings(value, f"{path}.{key}")
    elif isinstance(data, list):
        for n, value in enumerate(data):
            found |= _strings(value, f"{path}.{n}")
    elif isinstance(data, str):
        found[path] = data
    return found


@transaction.atomic
def procedure_record_details(*, record: ProcedureRecord, by: User, details: Any) -> ProcedureRecord:
    """Record what was done (again, until it is signed), validated against the modality's
    schema; errors name the field ("sites.0.volume_ml")."""
    locked = _lock_record(record)
    require(by, locked.patient.clinic_id, Perm.PROCEDURE_RECORD)
    if locked.status == ProcedureStatus.SIGNED:
        raise ValidationError(
            {"record": gettext("A signed record does not change: add an addendum.")}
        )
    cleaned = _validated(locked.modality, details)
    locked.details = cleaned
    locked.details_schema = f"{locked.modality}/{SCHEMA_VERSION}"
    locked.recorded_by = by
    locked.recorded_at = timezone.now()
    locked.save(update_fields=["details", "details_schema", "recorded_by", "recorded_at"])
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        detail={"fields": sorted(cleaned)},
    )
    return locked


@transaction.atomic
def procedure_sign(*, record: ProcedureRecord, by: User) -> ProcedureRecord:
    """Sign the record as the performing clinician; from then on it is fixed, the session is
    done and the appointment completed."""
    locked = _lock_record(record)
    require(by, locked.patient.clinic_id, Perm.PROCEDURE_SIGN)
    if locked.status == ProcedureStatus.SIGNED:
        raise ValidationError({"record": gettext("This record is signed already.")})
    if locked.recorded_at is None or not locked.details:
        raise ValidationError({"details": gettext("Record what was done before signing.")})
    if locked.performed_by_id != by.pk:
        raise ValidationError(
            {
                "record": gettext(
                    "Only the performing clinician signs the record of their procedure."
                )
            }
        )
    now = timezone.now()
    locked.status = ProcedureStatus.SIGNED
    locked.signed_at = now
    locked.signed_by = by
    locked.save(update_fields=["status", "signed_at", "signed_by"])
    TreatmentSession.objects.filter(pk=locked.session_id).update(status=SessionStatus.DONE)
    if locked.appointment_id is not None:
        from scarclinic.treatments.models import Appointment

        Appointment.objects.filter(
            pk=locked.appointment_id, status=AppointmentStatus.BOOKED
        ).update(status=AppointmentStatus.COMPLETED)
    audit_object(
        actor=by,
        action=AuditAction.SIGN,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
    )
    return locked


@transaction.atomic
def procedure_add_addendum(
    *, record: ProcedureRecord, by: User, note: str, corrected_details: Any = None
) -> ProcedureAddendum:
    """A note or correction to a signed record; the signed original is kept as it was."""
    locked = _lock_record(record)
    require(by, locked.patient.clinic_id, Perm.PROCEDURE_RECORD)
    if locked.status != ProcedureStatus.SIGNED:
        raise ValidationError(
            {"record": gettext("Until it is signed, the record is corrected directly.")}
        )
    refuse_control_characters({"note": note})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": gettext("Say what the addendum corrects or adds.")})
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {"note": gettext("At most %(MAX_NOTE)s characters.") % {"MAX_NOTE": MAX_NOTE}}
        )
    corrected = (
        _validated(locked.modality, corrected_details) if corrected_details is not None else None
    )
    addendum = ProcedureAddendum.objects.create(
        record=locked,
        written_by=by,
        written_at=timezone.now(),
        note=note,
        corrected_details=corrected,
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=addendum,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        detail={"record": locked.pk, "corrects_details": corrected is not None},
    )
    return addendum
