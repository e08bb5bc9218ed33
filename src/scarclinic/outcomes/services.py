"""Writes of adverse events: record, report from the portal, assess and update, mark entered
in error, and the medical director's review. Each is one transaction, audited, keyword-only.

The rules, enforced here with a clear error per field (and the core of them again by the
database's check constraints, migration 0001):

- the onset is not in the future; a resolution date is not before the onset (and not in
  the future), and is given exactly when the outcome is a resolution (resolved, resolved with
  sequelae, fatal: the date of death);
- CTCAE v5.0 grade 5 is "death related to the adverse event", so its outcome is fatal; and a
  death is serious by ICH E2A (1994) 2.B. A grade 5 event is therefore recorded as serious,
  and a fatal outcome needs grade 5;
- a recorded event is graded and categorised; only a patient's draft may lack them;
  "other" needs a description (every event has one);
- the procedure and the cell product it is attributed to are this patient's: the procedure
  record of this patient, a unit administered to this patient.

A serious event (on recording, or when an update makes it serious) emails the medical
directors of the clinic once the transaction commits, and waits on their home page until one
of them reviews it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.biologics.models import ProductUnit
from scarclinic.outcomes.models import (
    RESOLVED_OUTCOMES,
    AdverseEvent,
    AdverseEventCategory,
    AdverseEventOutcome,
    AdverseEventSource,
    AdverseEventStatus,
    Relatedness,
    SeverityGrade,
)
from scarclinic.patients.models import Language, Patient
from scarclinic.treatments.models import ProcedureRecord
from scarclinic.treatments.models.consultation import MODALITY_CHOICES

logger = logging.getLogger(__name__)

MODALITIES = frozenset(value for value, _label in MODALITY_CHOICES)
LANGUAGES = frozenset(Language.values)
# The fields a clinician assesses; the rest (patient, source, reporter) never change.
ASSESSED_FIELDS = (
    "onset_on",
    "category",
    "description",
    "severity",
    "serious",
    "procedure",
    "product_unit",
    "modality",
    "relatedness",
    "action_taken",
    "outcome",
    "resolved_on",
)


@dataclass
class Assessment:
    """The clinician's account of an event: what, how bad, related to what, how it ended."""

    onset_on: date
    description: str
    category: str = ""
    severity: int | None = None
    serious: bool = False
    procedure: ProcedureRecord | None = None
    product_unit: ProductUnit | None = None
    modality: str = ""
    relatedness: str = ""
    action_taken: str = ""
    outcome: str = AdverseEventOutcome.ONGOING
    resolved_on: date | None = None


def _check(
    a: Assessment, *, patient: Patient, graded: bool, today: date | None = None
) -> Assessment:
    """Validate an account and fill what follows from it (grade 5 is serious; the modality
    and product of the procedure). Raises ValidationError naming every bad field."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    a.description = (a.description or "").strip()
    a.action_taken = (a.action_taken or "").strip()
    if not a.description:
        bad("description", _("Describe what happened."))
    if a.onset_on is None:
        bad("onset_on", _("Give the date it started."))
    elif a.onset_on > today:
        bad("onset_on", _("The onset cannot be in the future."))
    if a.category and a.category not in AdverseEventCategory.values:
        bad("category", _("Choose a category from the list."))
    if a.severity is not None and a.severity not in SeverityGrade.values:
        bad("severity", _("The grade is 1 to 5 (CTCAE v5.0)."))
    if a.relatedness and a.relatedness not in Relatedness.values:
        bad("relatedness", _("Choose a causality category from the list."))
    if a.outcome not in AdverseEventOutcome.values:
        bad("outcome", _("Choose an outcome from the list."))
    if a.modality and a.modality not in MODALITIES:
        bad("modality", _("Choose a treatment from the list."))
    if graded:
        if a.severity is None:
            bad("severity", _("Grade the event (CTCAE 1 to 5) to record it."))
        if not a.category:
            bad("category", _("Choose a category to record the event."))

    # CTCAE v5.0: grade 5 is death related to the event; ICH E2A 2.B: a death is serious.
    if a.severity == SeverityGrade.DEATH:
        a.serious = True
        if a.outcome != AdverseEventOutcome.FATAL:
            bad("outcome", _("A grade 5 event (death) has the outcome fatal."))
    elif a.outcome == AdverseEventOutcome.FATAL:
        bad("severity", _("A fatal outcome is grade 5 (death related to the event)."))

    resolved = a.outcome in RESOLVED_OUTCOMES
    if a.resolved_on is not None:
        if not resolved:
            bad("resolved_on", _("A resolution date goes with a resolved or fatal outcome."))
        if a.onset_on is not None and a.resolved_on < a.onset_on:
            bad("resolved_on", _("The resolution cannot be before the onset."))
        if a.resolved_on > today:
            bad("resolved_on", _("The resolution date cannot be in the future."))
    elif resolved:
        bad("resolved_on", _("Give the date it resolved (for a fatal outcome, the date of death)."))

    if a.procedure is not None:
        if a.procedure.patient_id != patient.pk:
            bad("procedure", _("That procedure is not this patient's."))
        else:
            if a.procedure.modality and not a.modality:
                a.modality = a.procedure.modality
            elif a.modality and a.modality != a.procedure.modality:
                bad("modality", _("The treatment is the procedure's: leave it empty."))
            administration = a.procedure.product_administration
            if a.product_unit is None and administration is not None:
                a.product_unit = administration.product
    if a.product_unit is not None:
        administration = getattr(a.product_unit, "administration", None)
        if administration is None or administration.patient_id != patient.pk:
            bad("product_unit", _("That cell product unit was not given to this patient."))
        elif not a.modality:
            a.modality = administration.modality
    if errors:
        raise ValidationError(errors)
    return a


def _apply(event: AdverseEvent, a: Assessment) -> list[str]:
    changed = []
    for name in ASSESSED_FIELDS:
        value = getattr(a, name)
        if name in ("procedure", "product_unit"):
            current = getattr(event, f"{name}_id")
            new = value.pk if value is not None else None
            if current != new:
                setattr(event, name, value)
                changed.append(name)
        elif getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    return changed


def _notify_directors_on_commit(event: AdverseEvent) -> None:
    """Email the clinic's medical directors once the event is committed, each in their own
    language (``User.preferred_language``, never the language of the request that recorded
    the event). The message names no patient (email leaves the clinic's systems): it says a
    serious event waits and links to it, behind the sign-in."""
    event.directors_notified_at = timezone.now()
    clinic_id, event_id = event.clinic_id, event.pk

    def send() -> None:
        directors = [u for u in _reviewers_of(clinic_id) if u.email]
        if not directors:
            logger.warning("Serious adverse event %s: no medical director has an email", event_id)
            return
        path = reverse("outcomes:event", args=[event_id])
        base = getattr(settings, "SCARCLINIC_BASE_URL", "").rstrip("/")
        by_language: dict[str, set[str]] = {}
        for user in directors:
            language = user.preferred_language if user.preferred_language in LANGUAGES else "en"
            by_language.setdefault(language, set()).add(user.email)
        for language, addresses in sorted(by_language.items()):
            with translation.override(language):
                subject = _("Serious adverse event to review (#%(id)s)") % {"id": event_id}
                message = _(
                    "A serious adverse event was recorded at your clinic and waits for your "
                    "review. Open it (sign-in required): %(url)s\n\nIt stays on your home page "
                    "until it is reviewed."
                ) % {"url": f"{base}{path}"}
            for address in sorted(addresses):  # one message each: no director sees another's
                try:
                    send_mail(
                        subject=subject,
                        message=message,
                        from_email=None,
                        recipient_list=[address],
                        fail_silently=False,
                    )
                except Exception as exc:  # noqa: BLE001 - the home page still shows it; log it
                    logger.warning(
                        "Serious adverse event %s: email failed (%s)", event_id, type(exc).__name__
                    )

    transaction.on_commit(send)


def _reviewers_of(clinic_id: int) -> list[User]:
    memberships = Membership.objects.filter(clinic_id=clinic_id, is_active=True).select_related(
        "user"
    )
    return [
        m.user
        for m in memberships
        if role_has(m.role, Perm.ADVERSE_EVENT_REVIEW) and m.user.is_active
    ]


def _audit(event: AdverseEvent, *, action: str, by: User, detail: dict[str, Any]) -> None:
    audit_object(
        action=action,
        obj=event,
        patient_id=event.patient_id,
        clinic_id=event.clinic_id,
        actor=by,
        detail=detail,
    )


@transaction.atomic
def adverse_event_record(*, patient: Patient, by: User, assessment: Assessment) -> AdverseEvent:
    """Record an adverse event reported to or seen by the clinic's staff (status recorded:
    graded and categorised). A serious one notifies the medical directors."""
    a = _check(assessment, patient=patient, graded=True)
    now = timezone.now()
    event = AdverseEvent(
        clinic_id=patient.clinic_id,
        patient=patient,
        status=AdverseEventStatus.RECORDED,
        source=AdverseEventSource.STAFF,
        reported_by=by,
        reported_at=now,
        updated_at=now,
    )
    _apply(event, a)
    event.save()
    if event.serious:
        _notify_directors_on_commit(event)
        event.save(update_fields=["directors_notified_at"])
    _audit(
        event,
        action=AuditAction.CREATE,
        by=by,
        detail={"severity": event.severity, "serious": event.serious, "source": "staff"},
    )
    return event


@transaction.atomic
def adverse_event_report_by_patient(
    *, patient: Patient, by: User, onset_on: date, description: str
) -> AdverseEvent:
    """A side effect reported by the patient from the portal: a draft for a clinician to
    assess (grade, category, relatedness), which it becomes "recorded" once graded. ``by`` is
    the patient's portal user (the caller checks it is theirs)."""
    if patient.portal_user_id is not None and patient.portal_user_id != by.pk:
        raise ValidationError({"patient": _("You can report only your own side effects.")})
    a = _check(
        Assessment(onset_on=onset_on, description=description[:5000]),
        patient=patient,
        graded=False,
    )
    now = timezone.now()
    event = AdverseEvent.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        status=AdverseEventStatus.DRAFT,
        source=AdverseEventSource.PATIENT,
        onset_on=a.onset_on,
        description=a.description,
        reported_by=by,
        reported_at=now,
        updated_at=now,
    )
    _audit(event, action=AuditAction.CREATE, by=by, detail={"source": "patient"})
    return event


@transaction.atomic
def adverse_event_update(*, event: AdverseEvent, by: User, assessment: Assessment) -> AdverseEvent:
    """Assess or update an event. A patient's draft becomes "recorded" once it is graded and
    categorised (which this requires); an event entered in error cannot be changed. If the
    update makes it serious, the directors are notified and it awaits review again."""
    event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    if event.status == AdverseEventStatus.ENTERED_IN_ERROR:
        raise ValidationError({"status": _("This event was entered in error; it cannot change.")})
    patient = Patient.objects.get(pk=event.patient_id)
    a = _check(assessment, patient=patient, graded=True)
    was_serious = event.serious
    was_draft = event.status == AdverseEventStatus.DRAFT
    changed = _apply(event, a)
    if was_draft:
        event.status = AdverseEventStatus.RECORDED
        changed.append("status")
    if not changed:
        return event
    event.updated_at = timezone.now()
    if event.serious and not was_serious:
        # Newly serious: the director must see it, even if an earlier version was reviewed.
        event.reviewed_at = None
        event.reviewed_by = None
        event.review_note = ""
        _notify_directors_on_commit(event)
    event.save()
    _audit(
        event,
        action=AuditAction.UPDATE,
        by=by,
        detail={"fields": changed, "assessed_draft": was_draft},
    )
    return event


@transaction.atomic
def adverse_event_mark_entered_in_error(
    *, event: AdverseEvent, by: User, reason: str
) -> AdverseEvent:
    """Rule an event out (a duplicate, the wrong patient, not an adverse event). It is kept,
    with who and why, and no longer counted in rates or shown for review."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why it was entered in error.")})
    event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    if event.status == AdverseEventStatus.ENTERED_IN_ERROR:
        raise ValidationError({"status": _("This event is already marked entered in error.")})
    previous = event.status
    now = timezone.now()
    event.status = AdverseEventStatus.ENTERED_IN_ERROR
    event.error_reason = reason[:2000]
    event.error_marked_by = by
    event.error_marked_at = now
    event.updated_at = now
    event.save()
    _audit(
        event,
        action=AuditAction.UPDATE,
        by=by,
        detail={"status": "entered_in_error", "previous": previous},
    )
    return event


@transaction.atomic
def adverse_event_review(*, event: AdverseEvent, by: User, note: str) -> AdverseEvent:
    """The medical director's review of a recorded event (required for serious ones: until
    then it waits on their home page). The caller checks the reviewer's permission."""
    event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    if event.status != AdverseEventStatus.RECORDED:
        raise ValidationError(
            {"status": _("Only a recorded event can be reviewed; assess a patient's report first.")}
        )
    if event.reviewed_at is not None:
        raise ValidationError({"status": _("This event has already been reviewed.")})
    note = (note or "").strip()
    if event.serious and not note:
        raise ValidationError({"note": _("Write what you concluded about this serious event.")})
    event.reviewed_by = by
    event.reviewed_at = timezone.now()
    event.review_note = note[:5000]
    event.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    _audit(event, action=AuditAction.SIGN, by=by, detail={"review": True, "serious": event.serious})
    return event
