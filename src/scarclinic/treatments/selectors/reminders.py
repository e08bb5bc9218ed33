"""Reads of the Reminders page: a clinic's reminders by status, how many of each, and its
sending runs; scoped to the clinics where the user may see reminders, so another clinic's run
or reminder is answered exactly like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.treatments.models import (
    Reminder,
    ReminderRun,
    ReminderStatus,
)
from scarclinic.treatments.services.reminders import due_reminders

PER_PAGE = 50
DUE = "due"  # not a status: pending or failed reminders whose time has come
FILTERS = (DUE, *ReminderStatus.values)


@dataclass(frozen=True)
class Outbox:
    """One page of a clinic's reminders, with the count of each status for the filters."""

    page: Page[Reminder]
    status: str
    counts: dict[str, int]
    due_now: int
    latest_run: ReminderRun | None


def outbox(*, clinic_id: int, status: str = "", page: str | int = 1) -> Outbox:
    """The clinic's reminders, those due first then the latest; audited as a list of the
    patients shown (their names are on the page)."""
    now = timezone.now()
    reminders: QuerySet[Reminder] = Reminder.objects.filter(clinic_id=clinic_id)
    if status == DUE:
        reminders = due_reminders(now=now).filter(clinic_id=clinic_id)
    elif status in ReminderStatus.values:
        reminders = reminders.filter(status=status)
    else:
        status = ""
    reminders = reminders.select_related("patient", "appointment", "postcare").order_by(
        "-due_at", "-id"
    )
    shown = Paginator(reminders, PER_PAGE).get_page(page)
    counts = dict(
        Reminder.objects.filter(clinic_id=clinic_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    rows = list(shown.object_list)
    if rows:
        audit_record(
            action=AuditAction.LIST,
            object_type="treatments.reminder",
            clinic_id=clinic_id,
            detail={"shown": sorted({r.patient_id for r in rows}), "kind": "outbox"},
        )
    return Outbox(
        page=shown,
        status=status,
        counts={s: counts.get(s, 0) for s in ReminderStatus.values},
        due_now=due_reminders(now=now).filter(clinic_id=clinic_id).count(),
        latest_run=latest_run(clinic_id=clinic_id),
    )


def latest_run(*, clinic_id: int) -> ReminderRun | None:
    return (
        ReminderRun.objects.filter(clinic_id=clinic_id)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")
        .first()
    )


def runs_of_clinic(*, clinic_id: int, limit: int = 10) -> list[ReminderRun]:
    return list(
        ReminderRun.objects.filter(clinic_id=clinic_id).select_related("requested_by")[:limit]
    )


def run_for_user(*, user: User | AnonymousUser, run_id: int) -> ReminderRun:
    run = (
        ReminderRun.objects.select_related("requested_by")
        .filter(pk=run_id, clinic_id__in=clinic_ids_with(user, Perm.REMINDERS_VIEW))
        .first()
    )
    if run is None:
        raise Http404("No such run.")
    return run


def reminder_for_user(*, user: User | AnonymousUser, reminder_id: int, perm: Perm) -> Reminder:
    reminder = Reminder.objects.filter(
        pk=reminder_id, clinic_id__in=clinic_ids_with(user, perm)
    ).first()
    if reminder is None:
        raise Http404("No such reminder.")
    return reminder
