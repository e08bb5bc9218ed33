"""Writes of treatment plans: make a plan (from a shared decision where there is one), change a
modality's sessions or interval, move the plan through its states. Each runs in one
transaction, records the change in PlanChange and writes its audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.assessments.selectors import latest_signed_assessment
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import (
    NONE_YET,
    PLAN_TRANSITIONS,
    AppointmentStatus,
    PlanChange,
    PlanChangeKind,
    PlanModality,
    PlanStatus,
    SessionStatus,
    SharedDecision,
    TreatmentPlan,
    TreatmentSession,
)
from scarclinic.treatments.protocol import (
    MAX_INTERVAL,
    MAX_SESSIONS,
    UNITS,
    Interval,
    protocol_default,
    session_dates,
)
from scarclinic.treatments.selectors import consultation as consultation_selectors
from scarclinic.treatments.selectors.plans import plan_estimate
from scarclinic.treatments.services.common import require
from scarclinic.validation import refuse_control_characters

MAX_GOAL = 2000
MAX_OFFSET_DAYS = 365
BOOKABLE_PLAN_STATUSES = (PlanStatus.ACCEPTED, PlanStatus.ACTIVE)


@dataclass(frozen=True)
class ModalityChoice:
    """A modality for a plan; None takes the catalogue's default."""

    modality: Modality
    sessions: int | None = None
    interval_value: int | None = None
    interval_unit: str | None = None
    first_offset_days: int = 0


@dataclass(frozen=True)
class _Checked:
    modality: Modality
    sessions: int
    interval: Interval | None
    first_offset_days: int


def _check_choice(choice: ModalityChoice, prefix: str, errors: dict[str, str]) -> _Checked | None:
    default = protocol_default(choice.modality)
    sessions = default.sessions if choice.sessions is None else choice.sessions
    if isinstance(sessions, bool) or not isinstance(sessions, int):
        errors[f"{prefix}sessions"] = gettext("Give the number of sessions as a whole number.")
        return None
    if not 1 <= sessions <= MAX_SESSIONS:
        errors[f"{prefix}sessions"] = gettext("From 1 to %(MAX_SESSIONS)s sessions.") % {
            "MAX_SESSIONS": MAX_SESSIONS
        }
        return None
    unit = choice.interval_unit or (
        default.minimum.unit if default.minimum is not None else "weeks"
    )
    if unit not in UNITS:
        errors[f"{prefix}interval_unit"] = gettext("Weeks or months.")
        return None
    value = choice.interval_value
    if value is None and default.interval is not None and unit == default.interval.unit:
        value = default.interval.value
    interval: Interval | None = None
    if sessions > 1:
        if value is None:
            errors[f"{prefix}interval_value"] = gettext(
                "The clinical reference gives no interval for this treatment: give the "
                "interval between sessions."
            )
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not value >= 1:
            errors[f"{prefix}interval_value"] = gettext("Give the interval as a whole number.")
            return None
        if value > MAX_INTERVAL[unit]:
            errors[f"{prefix}interval_value"] = gettext("At most %(value)s %(unit)s.") % {
                "value": MAX_INTERVAL[unit],
                "unit": unit,
            }
            return None
        interval = Interval(value, unit)  # type: ignore[arg-type]
    offset = choice.first_offset_days
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= 365:
        errors[f"{prefix}first_offset_days"] = gettext("From 0 to %(MAX_OFFSET_DAYS)s days.") % {
            "MAX_OFFSET_DAYS": MAX_OFFSET_DAYS
        }
        return None
    return _Checked(choice.modality, sessions, interval, offset)


def _values(pm: PlanModality) -> dict[str, Any]:
    return {
        "sessions": pm.sessions,
        "interval_value": pm.interval_value if pm.sessions > 1 else None,
        "interval_unit": pm.interval_unit,
        "first_offset_days": pm.first_offset_days,
    }


def _default_values(pm: PlanModality) -> dict[str, Any]:
    return {
        "sessions": pm.default_sessions,
        "interval_value": pm.default_interval_value if pm.default_sessions > 1 else None,
        "interval_unit": pm.protocol_unit,
        "first_offset_days": 0,
    }


def _decision_modalities(decision: SharedDecision) -> list[Modality]:
    return [Modality(m) for m in decision.chosen_option.split("+")]


@transaction.atomic
def plan_create(
    *,
    patient: Patient,
    by: User,
    goal: str,
    start_date: date,
    modalities: Sequence[ModalityChoice] | None = None,
    decision: SharedDecision | None = None,
    assessment: ScarAssessment | None = None,
    reason: str = "",
) -> TreatmentPlan:
    """Make a plan in the "proposed" state and generate its sessions.

    From a shared decision, the modalities default to the option the patient chose and the
    assessment to the one the decision was based on. Without one, each modality is screened
    today with the clinic's rules and must be able to go ahead. Sessions and intervals not
    given take the catalogue's defaults (clinical reference §9); a change from the default
    is recorded with the plan."""
    require(by, patient.clinic_id, Perm.PLAN_PRESCRIBE)
    refuse_control_characters({"goal": goal, "reason": reason})
    errors: dict[str, str] = {}
    goal = (goal or "").strip()
    if not goal:
        errors["goal"] = gettext(
            "Say what the plan aims to achieve, in words the patient agreed to."
        )
    elif len(goal) > MAX_GOAL:
        errors["goal"] = gettext("At most %(MAX_GOAL)s characters.") % {"MAX_GOAL": MAX_GOAL}
    if len(reason) > 500:
        errors["reason"] = gettext("At most 500 characters.")
    if not isinstance(start_date, date):
        errors["start_date"] = gettext("Give the date of the first session.")
    elif start_date < timezone.localdate():
        errors["start_date"] = gettext("A plan starts today or later.")
    if decision is not None:
        if decision.patient_id != patient.pk:
            errors["decision"] = gettext("This decision is another patient's.")
        elif decision.chosen_option == NONE_YET:
            errors["decision"] = gettext(
                "The patient chose no treatment yet: record their decision before a plan."
            )
    if errors:
        raise ValidationError(errors)
    if modalities is None:
        if decision is None:
            raise ValidationError({"modalities": gettext("Choose at least one treatment.")})
        modalities = [ModalityChoice(m) for m in _decision_modalities(decision)]
    if not modalities:
        raise ValidationError({"modalities": gettext("Choose at least one treatment.")})
    seen = [c.modality for c in modalities]
    if len(set(seen)) != len(seen):
        raise ValidationError({"modalities": gettext("Each treatment once per plan.")})
    checked = []
    for choice in modalities:
        result = _check_choice(choice, f"{choice.modality.value}__", errors)
        if result is not None:
            checked.append(result)
    if errors:
        raise ValidationError(errors)
    if assessment is None:
        assessment = decision.assessment if decision is not None else None
    if assessment is None:
        assessment = latest_signed_assessment(patient=patient)
    if assessment is None:
        raise ValidationError(
            {
                "assessment": gettext(
                    "A plan answers a signed scar assessment: record and sign one first."
                )
            }
        )
    if assessment.patient_id != patient.pk or assessment.status != AssessmentStatus.SIGNED:
        raise ValidationError(
            {"assessment": gettext("Choose a signed assessment of this patient.")}
        )
    if decision is None or {c.modality for c in checked} - set(_decision_modalities(decision)):
        _screen(patient, [c.modality for c in checked])
    now = timezone.now()
    plan = TreatmentPlan.objects.create(
        patient=patient,
        decision=decision,
        assessment=assessment,
        goal=goal,
        start_date=start_date,
        prescriber=by,
        status=PlanStatus.PROPOSED,
        created_at=now,
        status_changed_at=now,
    )
    changes = [
        PlanChange(
            plan=plan,
            kind=PlanChangeKind.CREATED,
            after={"start_date": start_date.isoformat(), "status": PlanStatus.PROPOSED},
            reason=reason.strip(),
            changed_by=by,
            changed_at=now,
        )
    ]
    for position, c in enumerate(checked):
        default = protocol_default(c.modality)
        pm = PlanModality.objects.create(
            plan=plan,
            modality=c.modality.value,
            position=position,
            sessions=c.sessions,
            interval_value=c.interval.value if c.interval else None,
            interval_unit=(
                c.interval.unit
                if c.interval
                else (default.minimum.unit if default.minimum else "weeks")
            ),
            first_offset_days=c.first_offset_days,
            default_sessions=default.sessions,
            default_interval_value=default.interval.value if default.interval else None,
            protocol_min_value=default.minimum.value if default.minimum else None,
            protocol_max_value=default.maximum.value if default.maximum else None,
            protocol_unit=default.minimum.unit if default.minimum else "weeks",
            protocol_wording=default.wording[:300],
            protocol_source=default.source or "",
            protocol_verified=default.verified,
        )
        _generate_sessions(pm, start_date)
        if _values(pm) != _default_values(pm):
            changes.append(
                PlanChange(
                    plan=plan,
                    kind=PlanChangeKind.CHANGED,
                    modality=pm.modality,
                    before=_default_values(pm) | {"from": "catalogue default"},
                    after=_values(pm),
                    reason=reason.strip(),
                    changed_by=by,
                    changed_at=now,
                )
            )
    PlanChange.objects.bulk_create(changes)
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=plan,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={
            "decision": decision.pk if decision else None,
            "assessment": assessment.pk,
            "modalities": [c.modality.value for c in checked],
            "changed_from_default": [ch.modality for ch in changes[1:]],
        },
    )
    return plan


def _screen(patient: Patient, modalities: list[Modality]) -> None:
    """Refuse a modality that screening today does not allow (defer or contraindicated)."""
    current = Patient.objects.select_related("clinic", "current_history").get(pk=patient.pk)
    consultation = consultation_selectors.consultation_build(patient=current)
    if not consultation.is_ready:
        raise ValidationError(consultation.missing)
    by_modality = {s.modality: s for s in consultation.screenings}
    errors = {}
    for modality in modalities:
        screening = by_modality[modality]
        if not screening.is_suitable:
            when = (
                f" Reassess on or after {screening.reassess_on}." if screening.reassess_on else ""
            )
            errors[f"{modality.value}__sessions"] = gettext(
                "%(label)s is %(value)s for this patient today and cannot be planned.%(when)s"
            ) % {"label": modality.label, "value": screening.status.value, "when": when}
    if errors:
        raise ValidationError(errors)


def _generate_sessions(pm: PlanModality, start: date) -> None:
    interval = Interval(pm.interval_value, pm.interval_unit) if pm.sessions > 1 else None  # type: ignore[arg-type]
    first = start + timedelta(days=pm.first_offset_days)
    TreatmentSession.objects.bulk_create(
        TreatmentSession(plan=pm.plan, plan_modality=pm, number=n, target_date=day)
        for n, day in enumerate(session_dates(first, pm.sessions, interval), start=1)
    )


def _lock_plan(plan: TreatmentPlan) -> TreatmentPlan:
    return TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)


@transaction.atomic
def plan_change_modality(
    *,
    plan: TreatmentPlan,
    by: User,
    modality: Modality,
    sessions: int,
    interval_value: int | None,
    interval_unit: str,
    reason: str,
) -> PlanModality:
    """Change the number of sessions or the interval of one modality of an open plan.

    Sessions already booked or done keep their dates; the sessions still to book are given
    new target dates from the last booked or done one. Fewer sessions than are booked or done
    is refused; sessions no longer needed are cancelled, never deleted."""
    locked = _lock_plan(plan)
    require(by, locked.patient.clinic_id, Perm.PLAN_PRESCRIBE)
    refuse_control_characters({"reason": reason})
    if not locked.is_open:
        raise ValidationError(
            {"status": gettext("A %(status)s plan cannot change.") % {"status": locked.status}}
        )
    pm = PlanModality.objects.select_for_update().filter(plan=locked, modality=modality).first()
    if pm is None:
        raise ValidationError({"modality": gettext("This treatment is not part of the plan.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": gettext("Say why the plan changes; the reason is kept.")})
    errors: dict[str, str] = {}
    checked = _check_choice(
        ModalityChoice(modality, sessions, interval_value, interval_unit, pm.first_offset_days),
        "",
        errors,
    )
    if errors or checked is None:
        raise ValidationError(errors)
    before = _values(pm)
    existing = list(
        TreatmentSession.objects.filter(plan_modality=pm)
        .exclude(status=SessionStatus.CANCELLED)
        .prefetch_related("appointments")
        .order_by("number")
    )
    fixed = [s for s in existing if s.status in (SessionStatus.BOOKED, SessionStatus.DONE)]
    if checked.sessions < len(fixed):
        raise ValidationError(
            {
                "sessions": gettext(
                    "%(len)s sessions are booked or done: the plan needs at least that."
                )
                % {"len": len(fixed)}
            }
        )
    pm.sessions = checked.sessions
    pm.interval_value = checked.interval.value if checked.interval else pm.interval_value
    pm.interval_unit = checked.interval.unit if checked.interval else pm.interval_unit
    after = _values(pm)
    if after == before:
        raise ValidationError({"sessions": gettext("Nothing changed.")})
    pm.save(update_fields=["sessions", "interval_value", "interval_unit"])
    # Re-date the sessions still to book from the last fixed one (or the plan's start).
    planned = [s for s in existing if s.status == SessionStatus.PLANNED]
    need = checked.sessions - len(fixed)
    keep, drop = planned[:need], planned[need:]
    last_number = max(
        TreatmentSession.objects.filter(plan_modality=pm).values_list("number", flat=True),
        default=0,
    )
    new = [
        TreatmentSession(
            plan=locked, plan_modality=pm, number=last_number + n, target_date=locked.start_date
        )
        for n in range(1, need - len(keep) + 1)
    ]
    anchor = (
        _session_day(fixed[-1])
        if fixed
        else locked.start_date + timedelta(days=pm.first_offset_days)
    )
    for i, session in enumerate(keep + new):
        steps = i + 1 if fixed else i
        session.target_date = (
            checked.interval.after(anchor, steps) if checked.interval and steps else anchor
        )
    for session in keep:
        session.save(update_fields=["target_date"])
    TreatmentSession.objects.bulk_create(new)
    for session in drop:
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status"])
    PlanChange.objects.create(
        plan=locked,
        kind=PlanChangeKind.CHANGED,
        modality=pm.modality,
        before=before,
        after=after,
        reason=reason.strip(),
        changed_by=by,
        changed_at=timezone.now(),
    )
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        detail={"modality": pm.modality, "before": before, "after": after},
    )
    return pm


def _session_day(session: TreatmentSession) -> date:
    """The day a session is booked for, or its target date when it has no appointment."""
    live = [a for a in session.appointments.all() if a.status != AppointmentStatus.CANCELLED]
    if live:
        return timezone.localtime(live[0].starts_at).date()
    return session.target_date


@transaction.atomic
def plan_set_status(
    *, plan: TreatmentPlan, by: User, status: str, reason: str = ""
) -> TreatmentPlan:
    """Move a plan to its next state: accepted by the patient (the cost estimate shown is
    kept), active, completed, or stopped with a reason. Stopping cancels the appointments
    still to come; completing cancels the sessions never booked."""
    from scarclinic.treatments.services.scheduling import appointment_cancel

    locked = _lock_plan(plan)
    require(by, locked.patient.clinic_id, Perm.PLAN_PRESCRIBE)
    refuse_control_characters({"reason": reason})
    if status not in PlanStatus.values:
        raise ValidationError({"status": gettext("Unknown status.")})
    if status not in PLAN_TRANSITIONS[locked.status]:
        allowed = ", ".join(
            PlanStatus(s).label.lower() for s in sorted(PLAN_TRANSITIONS[locked.status])
        )
        raise ValidationError(
            {
                "status": f"A {PlanStatus(locked.status).label.lower()} plan cannot become "
                f"{PlanStatus(status).label.lower()}"
                + (f"; it can become: {allowed}." if allowed else "; it is final.")
            }
        )
    reason = (reason or "").strip()
    if status == PlanStatus.STOPPED and not reason:
        raise ValidationError(
            {"reason": gettext("Say why the plan is stopped; the reason is kept.")}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": gettext("At most 500 characters.")})
    sessions = list(TreatmentSession.objects.filter(plan=locked).prefetch_related("appointments"))
    if status == PlanStatus.COMPLETED:
        booked = [s for s in sessions if s.status == SessionStatus.BOOKED]
        if booked:
            raise ValidationError(
                {
                    "status": gettext(
                        "%(len)s session(s) are still booked: record or cancel them before completing the plan."
                    )
                    % {"len": len(booked)}
                }
            )
        if not any(s.status == SessionStatus.DONE for s in sessions):
            raise ValidationError({"status": gettext("No session is done: stop the plan instead.")})
    before = locked.status
    now = timezone.now()
    if status == PlanStatus.ACCEPTED:
        locked.accepted_estimate = plan_estimate(plan=locked).as_data()
    if status == PlanStatus.STOPPED:
        locked.stop_reason = reason
        for session in sessions:
            for appointment in session.appointments.all():
                if appointment.status == AppointmentStatus.BOOKED:
                    appointment_cancel(
                        appointment=appointment,
                        by=by,
                        reason=f"Plan stopped: {reason}"[:300],
                        check_perm=False,
                    )
    if status in (PlanStatus.STOPPED, PlanStatus.COMPLETED):
        TreatmentSession.objects.filter(
            plan=locked, status__in=[SessionStatus.PLANNED, SessionStatus.BOOKED]
        ).update(status=SessionStatus.CANCELLED)
    locked.status = status
    locked.status_changed_at = now
    locked.save(update_fields=["status", "status_changed_at", "stop_reason", "accepted_estimate"])
    PlanChange.objects.create(
        plan=locked,
        kind=PlanChangeKind.STATUS,
        before={"status": before},
        after={"status": status},
        reason=reason,
        changed_by=by,
        changed_at=now,
    )
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        detail={"status": status, "previous": before},
    )
    return locked
