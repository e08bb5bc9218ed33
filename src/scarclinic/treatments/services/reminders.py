"""Reminders to patients by email: 48 hours before an appointment, and post-care reminders on
the days the modality's instructions name, each wholly in the patient's preferred language
(templates in treatments/templates/treatments/email/). Sent by background tasks
(treatments/tasks.py) through Django's email backend.

Never twice: each reminder has a unique idempotency key (one per appointment time, one per
session and post-care day), so scheduling it again finds the same row; sending first claims
the row (pending or failed -> sending, in a transaction holding its lock), so two workers
cannot both send it. A failed send is recorded with its error and retried later with a growing
delay, up to MAX_ATTEMPTS. A worker that dies between claiming and recording leaves the row
"sending": it is not retried automatically, because the message may have gone out."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, time, timedelta
from email.utils import make_msgid
from typing import Any

from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Language
from scarclinic.treatments.models import (
    Appointment,
    PostCareGiven,
    PostCareTemplate,
    Reminder,
    ReminderKind,
    ReminderStatus,
)

logger = logging.getLogger(__name__)

APPOINTMENT_LEAD = timedelta(hours=48)
# Booked at short notice: no reminder when the appointment is this close.
TOO_CLOSE = timedelta(hours=2)
POSTCARE_SEND_AT = time(10, 0)  # local time of day for post-care reminders
MAX_ATTEMPTS = 5
RETRY_DELAYS = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
OPEN_STATUSES = (ReminderStatus.PENDING, ReminderStatus.FAILED)


def _enqueue_when_due(reminder: Reminder) -> None:
    """With a backend that can defer (the database backend), queue the send for its time;
    the dispatcher (manage.py send_reminders) catches everything else, retries included."""
    from django_tasks import default_task_backend

    from scarclinic.treatments.tasks import send_reminder

    if not default_task_backend.supports_defer:
        return
    pk, due = reminder.pk, reminder.due_at
    transaction.on_commit(lambda: send_reminder.using(run_after=due).enqueue(pk))


def _appointment_key(appointment: Appointment) -> str:
    return f"appointment:{appointment.pk}:{appointment.starts_at:%Y%m%dT%H%M%SZ}"


def schedule_appointment_reminder(appointment: Appointment) -> Reminder | None:
    """The 48-hour reminder of an appointment (one per appointment and start time)."""
    now = timezone.now()
    if appointment.starts_at - now < TOO_CLOSE:
        return None
    due = max(appointment.starts_at - APPOINTMENT_LEAD, now)
    reminder, created = Reminder.objects.get_or_create(
        idempotency_key=_appointment_key(appointment),
        defaults={
            "clinic_id": appointment.clinic_id,
            "patient_id": appointment.patient_id,
            "kind": ReminderKind.APPOINTMENT,
            "appointment": appointment,
            "due_at": due,
            "created_at": now,
        },
    )
    if created:
        _enqueue_when_due(reminder)
    return reminder


def cancel_appointment_reminders(appointment: Appointment, *, keep_key: str = "") -> int:
    return (
        Reminder.objects.filter(appointment=appointment, status__in=OPEN_STATUSES)
        .exclude(idempotency_key=keep_key)
        .update(status=ReminderStatus.CANCELLED)
    )


def reschedule_appointment_reminder(appointment: Appointment) -> Reminder | None:
    """After a move: the reminder for the old time is not sent, one for the new time is."""
    cancel_appointment_reminders(appointment, keep_key=_appointment_key(appointment))
    return schedule_appointment_reminder(appointment)


def schedule_postcare_reminders(
    *, given: PostCareGiven, template: PostCareTemplate, performed_on: date
) -> list[Reminder]:
    """One reminder per day the instructions name, at POSTCARE_SEND_AT on that day in the
    clinic's time zone; days already past are not scheduled. Giving the instructions again
    schedules nothing new."""
    tz = template.clinic.zone
    now = timezone.now()
    made = []
    for day in template.remind_days:
        due = datetime.combine(performed_on + timedelta(days=day), POSTCARE_SEND_AT, tzinfo=tz)
        if due < now:
            continue
        reminder, created = Reminder.objects.get_or_create(
            idempotency_key=f"postcare:{given.session_id}:{day}",
            defaults={
                "clinic_id": template.clinic_id,
                "patient_id": given.patient_id,
                "kind": ReminderKind.POSTCARE,
                "postcare": given,
                "day": day,
                "due_at": due,
                "created_at": now,
            },
        )
        if created:
            made.append(reminder)
            _enqueue_when_due(reminder)
    return made


# ------------------------------------------------------------------------------------------
# Sending


def due_reminders(*, now: datetime | None = None) -> QuerySet[Reminder]:
    """Reminders to send now: pending ones whose time has come, failed ones whose retry has."""
    now = now or timezone.now()
    return Reminder.objects.filter(due_at__lte=now).filter(
        Q(status=ReminderStatus.PENDING) | Q(status=ReminderStatus.FAILED, next_attempt_at__lte=now)
    )


def due_reminder_ids(
    *, now: datetime | None = None, limit: int = 500, clinic_id: int | None = None
) -> list[int]:
    """Reminders to send now (of one clinic when named), oldest first."""
    due = due_reminders(now=now)
    if clinic_id is not None:
        due = due.filter(clinic_id=clinic_id)
    return list(due.order_by("due_at", "id").values_list("pk", flat=True)[:limit])


def _claim(reminder_id: int, now: datetime) -> Reminder | None:
    """Take the reminder for sending, or None when it is not due or someone else has it."""
    with transaction.atomic():
        qs = Reminder.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
        ).select_related("patient", "clinic", "appointment", "postcare__template")
        reminder = qs.filter(pk=reminder_id).first()
        if reminder is None or reminder.due_at > now:
            return None
        if reminder.status == ReminderStatus.FAILED and (
            reminder.next_attempt_at is not None and reminder.next_attempt_at > now
        ):
            return None
        if reminder.status not in OPEN_STATUSES:
            return None  # sent, cancelled, being sent: never again
        reminder.status = ReminderStatus.SENDING
        reminder.attempts += 1
        reminder.save(update_fields=["status", "attempts"])
    return reminder


def _postcare_instructions(reminder: Reminder, language: str) -> tuple[PostCareTemplate, bool]:
    """The instructions to remind the patient of, and whether they are in ``language``.

    The version in the patient's language: the one given to them in it at this session, else
    the clinic's current one. When the clinic has none (a gap its director sees on the
    missing-translations panel) or it names nothing for this day, the version that was given,
    which the message then says is in another language."""
    given = reminder.postcare
    assert given is not None
    template = given.template
    if template.language == language:
        return template, True
    in_language = (
        PostCareGiven.objects.filter(session_id=given.session_id, language=language)
        .select_related("template")
        .order_by("-given_at")
        .first()
    )
    translated = (
        in_language.template
        if in_language is not None
        else PostCareTemplate.objects.filter(
            clinic_id=template.clinic_id,
            modality=template.modality,
            language=language,
            is_current=True,
        ).first()
    )
    if translated is not None and _items_of_day(translated, reminder.day):
        return translated, True
    return template, False


def _items_of_day(template: PostCareTemplate, day: int | None) -> list[str]:
    return [i["text"] for i in template.items if day in i.get("remind_days", [])]


def compose(reminder: Reminder) -> tuple[str, str]:
    """Subject and body of the message, wholly in the patient's preferred language (Django's
    catalogue and date formats for it), with times in the clinic's time zone."""
    patient, clinic = reminder.patient, reminder.clinic
    language = patient.preferred_language if patient.preferred_language in Language.values else "en"
    zone = clinic.zone  # its own, else the deployment's TIME_ZONE
    context: dict[str, Any] = {"patient": patient, "clinic": clinic, "zone": zone.key}
    with translation.override(language), timezone.override(zone):
        if reminder.kind == ReminderKind.APPOINTMENT:
            a = reminder.appointment
            assert a is not None
            context |= {
                "start": timezone.localtime(a.starts_at, zone),
                "treatment": gettext(Modality(a.modality).label),
            }
            name = "appointment"
        else:
            template, in_language = _postcare_instructions(reminder, language)
            context |= {
                "day": reminder.day,
                "treatment": gettext(template.modality_label),
                "items": _items_of_day(template, reminder.day),
                "untranslated": not in_language,
                "wanted": Language(language).label,
                "written": Language(template.language).label,
            }
            name = "postcare"
        subject = render_to_string(f"treatments/email/{name}_subject.txt", context)
        body = render_to_string(f"treatments/email/{name}.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Send one reminder if it is due and not sent; returns its status afterwards."""
    now = now or timezone.now()
    reminder = _claim(reminder_id, now)
    if reminder is None:
        status = Reminder.objects.filter(pk=reminder_id).values_list("status", flat=True).first()
        return status or "missing"
    address = (reminder.patient.email or "").strip()
    subject, body = compose(reminder)
    fields = ["status", "last_error", "next_attempt_at", "sent_at", "sent_to", "subject", "body"]
    reminder.subject, reminder.body = subject[:200], body
    if not address:
        reminder.status = ReminderStatus.SKIPPED
        reminder.last_error = "The patient has no email address."
    else:
        digest = hashlib.sha256(reminder.idempotency_key.encode()).hexdigest()[:24]
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[address],
            headers={"Message-ID": make_msgid(idstring=digest, domain="scarclinic.invalid")},
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - any failure of the mail backend is recorded
            logger.warning("Reminder %s failed: %s", reminder.pk, exc)
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if reminder.attempts >= MAX_ATTEMPTS:
                reminder.status = ReminderStatus.GAVE_UP
                reminder.next_attempt_at = None
            else:
                reminder.status = ReminderStatus.FAILED
                delay = RETRY_DELAYS[min(reminder.attempts, len(RETRY_DELAYS)) - 1]
                reminder.next_attempt_at = now + delay
        else:
            reminder.status = ReminderStatus.SENT
            reminder.sent_at = timezone.now()
            reminder.sent_to = address
            reminder.last_error = ""
            reminder.next_attempt_at = None
    with transaction.atomic():
        reminder.save(update_fields=fields)
        audit_record(
            action=AuditAction.EXPORT,
            object_type="treatments.reminder",
            object_id=reminder.pk,
            patient_id=reminder.patient_id,
            clinic_id=reminder.clinic_id,
            detail={
                "kind": reminder.kind,
                "status": reminder.status,
                "attempt": reminder.attempts,
                "channel": "email",
            },
        )
    return reminder.status


def reminders_dispatch(*, now: datetime | None = None) -> int:
    """Queue a send task for every reminder due now (retries included); returns how many."""
    from scarclinic.treatments.tasks import send_reminder

    ids = due_reminder_ids(now=now)
    for pk in ids:
        send_reminder.enqueue(pk)
    return len(ids)
