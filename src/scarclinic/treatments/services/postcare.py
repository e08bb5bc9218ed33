"""Writes of post-care: a new version of the clinic's instructions for a modality and
language, and giving them to a patient after a session (which schedules the reminders)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Language
from scarclinic.treatments.models import (
    PostCareGiven,
    PostCareTemplate,
    ProcedureRecord,
    TreatmentSession,
)
from scarclinic.treatments.services import reminders
from scarclinic.treatments.services.common import require
from scarclinic.validation import refuse_control_characters

MAX_ITEMS = 20
MAX_ITEM_TEXT = 500
MAX_REMIND_DAYS = 5  # per instruction
MAX_DAY = 365


def clean_items(items: Any) -> list[dict[str, Any]]:
    """Instructions as [{"text", "remind_days"}]; errors name the item ("items.2")."""
    if not isinstance(items, list) or not items:
        raise ValidationError({"items": gettext("Give at least one instruction.")})
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            {"items": gettext("At most %(MAX_ITEMS)s instructions.") % {"MAX_ITEMS": MAX_ITEMS}}
        )
    errors: dict[str, str] = {}
    cleaned = []
    for n, item in enumerate(items):
        field = f"items.{n}"
        text = item.get("text") if isinstance(item, dict) else None
        days = item.get("remind_days", []) if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            errors[field] = gettext("Write the instruction.")
            continue
        refuse_control_characters({field: text})
        if len(text) > MAX_ITEM_TEXT:
            errors[field] = gettext("At most %(MAX_ITEM_TEXT)s characters.") % {
                "MAX_ITEM_TEXT": MAX_ITEM_TEXT
            }
            continue
        if (
            not isinstance(days, list)
            or len(days) > MAX_REMIND_DAYS
            or any(
                isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_DAY for d in days
            )
        ):
            errors[field] = gettext(
                "Reminder days are up to %(MAX_REMIND_DAYS)s whole numbers from 0 to %(MAX_DAY)s."
            ) % {"MAX_REMIND_DAYS": MAX_REMIND_DAYS, "MAX_DAY": MAX_DAY}
            continue
        cleaned.append({"text": text.strip(), "remind_days": sorted(set(days))})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def postcare_template_save(
    *,
    clinic: Clinic,
    by: User | None,
    modality: str,
    language: str,
    title: str,
    items: Any,
    is_demo: bool = False,
) -> PostCareTemplate:
    """A new version of the instructions for a modality and language; the previous version
    stays as it was given to patients and is no longer current."""
    if by is not None:
        require(by, clinic.pk, Perm.POSTCARE_TEMPLATE_MANAGE)
    refuse_control_characters({"title": title})
    errors = {}
    if modality not in {m.value for m in Modality}:
        errors["modality"] = gettext("Choose a treatment from the catalogue.")
    if language not in Language.values:
        errors["language"] = gettext("English or Urdu.")
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = gettext("Give a title (up to 200 characters).")
    if errors:
        raise ValidationError(errors)
    cleaned = clean_items(items)
    current = (
        PostCareTemplate.objects.select_for_update()
        .filter(clinic=clinic, modality=modality, language=language, is_current=True)
        .first()
    )
    if current is not None and current.title == title and current.items == cleaned:
        raise ValidationError({"items": gettext("Nothing changed.")})
    last = (
        PostCareTemplate.objects.filter(clinic=clinic, modality=modality, language=language)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    template = PostCareTemplate.objects.create(
        clinic=clinic,
        modality=modality,
        language=language,
        version=(last or 0) + 1,
        title=title,
        items=cleaned,
        is_current=True,
        is_demo=is_demo,
        created_by=by,
        created_at=timezone.now(),
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=template,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"modality": modality, "language": language, "version": template.version},
    )
    return template


def current_template(*, clinic_id: int, modality: str, language: str) -> PostCareTemplate | None:
    return PostCareTemplate.objects.filter(
        clinic_id=clinic_id, modality=modality, language=language, is_current=True
    ).first()


@transaction.atomic
def postcare_give(
    *, session: TreatmentSession, by: User, language: str | None = None
) -> PostCareGiven:
    """Record that the patient was given the post-care instructions of the session's
    treatment (in their language unless another is named) and schedule the reminders on the
    days the instructions name."""
    session = TreatmentSession.objects.select_related("plan", "plan__patient", "plan_modality").get(
        pk=session.pk
    )
    patient = session.plan.patient
    require(by, patient.clinic_id, Perm.POSTCARE_GIVE)
    record = ProcedureRecord.objects.filter(session=session).first()
    if record is None:
        raise ValidationError(
            {"session": gettext("Post-care follows the procedure: complete the checklist first.")}
        )
    language = language or patient.preferred_language
    if language not in Language.values:
        raise ValidationError({"language": gettext("English or Urdu.")})
    template = current_template(
        clinic_id=patient.clinic_id, modality=session.plan_modality.modality, language=language
    )
    if template is None:
        raise ValidationError(
            {
                "language": gettext(
                    "The clinic has no post-care instructions for %(label)s in %(label2)s: the medical director writes them first."
                )
                % {
                    "label": Modality(session.plan_modality.modality).label,
                    "label2": Language(language).label,
                }
            }
        )
    given = PostCareGiven.objects.create(
        session=session,
        patient=patient,
        template=template,
        language=language,
        given_by=by,
        given_at=timezone.now(),
    )
    scheduled = reminders.schedule_postcare_reminders(
        given=given, template=template, performed_on=record.performed_on
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=given,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={
            "template": template.pk,
            "version": template.version,
            "reminders": [r.pk for r in scheduled],
        },
    )
    return given
