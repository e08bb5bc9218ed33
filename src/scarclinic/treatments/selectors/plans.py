"""Reads of treatment plans: one plan with its sessions, appointments, records and changes in a
fixed number of queries; its cost estimate from the clinic's price list; the warnings about
intervals shorter than the protocol minimum; the plans of a patient for the chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.models import (
    Appointment,
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
from scarclinic.treatments.protocol import Interval, below_minimum
from scarclinic.treatments.selectors.consultation import DEFAULT_CURRENCY, current_prices, money


class PlanNotFound(Http404):
    """No such plan, session or appointment, or not one the user may see: the same answer."""


# ------------------------------------------------------------------------------------------
# Cost estimate


@dataclass(frozen=True)
class EstimateLine:
    modality: str
    label: str
    sessions: int
    price_per_session: Decimal | None
    currency: str
    is_demo: bool

    @property
    def subtotal(self) -> Decimal | None:
        if self.price_per_session is None:
            return None
        return self.price_per_session * self.sessions

    @property
    def text(self) -> str:
        """The line in the active language; ``label`` stays the catalogue's English (stored)."""
        if self.price_per_session is None or self.subtotal is None:
            return gettext("no price in the clinic's list")
        return gettext("%(sessions)s x %(price)s = %(subtotal)s") % {
            "sessions": self.sessions,
            "price": money(self.price_per_session, self.currency),
            "subtotal": money(self.subtotal, self.currency),
        }


@dataclass(frozen=True)
class Estimate:
    """Sessions times the price in force on ``on_date``, per modality and in total."""

    on_date: date
    lines: list[EstimateLine]
    currency: str

    @property
    def total(self) -> Decimal | None:
        subtotals = [line.subtotal for line in self.lines]
        if any(s is None for s in subtotals):
            return None
        return sum((s for s in subtotals if s is not None), Decimal(0))

    @property
    def total_text(self) -> str:
        total = self.total
        if total is None:
            missing = gettext(", ").join(
                gettext(line.label) for line in self.lines if line.price_per_session is None
            )
            return gettext("No total: no price for %(treatments)s.") % {"treatments": missing}
        return money(total, self.currency)

    @property
    def has_demo(self) -> bool:
        return any(line.is_demo for line in self.lines)

    def as_data(self) -> dict[str, Any]:
        return {
            "on_date": self.on_date.isoformat(),
            "currency": self.currency,
            "total": None if self.total is None else str(self.total),
            "has_demo": self.has_demo,
            "lines": [
                {
                    "modality": line.modality,
                    "label": line.label,
                    "sessions": line.sessions,
                    "price_per_session": (
                        None if line.price_per_session is None else str(line.price_per_session)
                    ),
                    "is_demo": line.is_demo,
                }
                for line in self.lines
            ],
        }


def plan_estimate(
    *,
    plan: TreatmentPlan,
    modalities: list[PlanModality] | None = None,
    on_date: date | None = None,
) -> Estimate:
    """The plan's cost with the prices in force today (or on ``on_date``)."""
    day = on_date or timezone.localdate()
    prices = current_prices(clinic_id=plan.patient.clinic_id, on_date=day)
    rows = modalities if modalities is not None else list(plan.modalities.all())
    currencies = {p.currency for p in prices.values()}
    currency = currencies.pop() if len(currencies) == 1 else DEFAULT_CURRENCY
    lines = []
    for pm in rows:
        entry = prices.get(Modality(pm.modality))
        lines.append(
            EstimateLine(
                modality=pm.modality,
                label=pm.label,
                sessions=pm.sessions,
                price_per_session=entry.price_per_session if entry else None,
                currency=entry.currency if entry else currency,
                is_demo=bool(entry and entry.is_demo),
            )
        )
    return Estimate(on_date=day, lines=lines, currency=currency)


def accepted_estimate_lines(plan: TreatmentPlan) -> list[str]:
    """The estimate the patient accepted, as lines of text in the active language (empty
    before acceptance). The stored labels are the catalogue's English names."""
    data = plan.accepted_estimate
    if not data:
        return []
    lines = []
    for line in data["lines"]:
        treatment, sessions = gettext(line["label"]), line["sessions"]
        if line["price_per_session"] is None:
            lines.append(
                ngettext(
                    "%(treatment)s: %(count)s session, no price",
                    "%(treatment)s: %(count)s sessions, no price",
                    sessions,
                )
                % {"treatment": treatment, "count": sessions}
            )
        else:
            price = money(Decimal(line["price_per_session"]), data["currency"])
            lines.append(
                gettext("%(treatment)s: %(sessions)s x %(price)s")
                % {"treatment": treatment, "sessions": sessions, "price": price}
            )
    total = (
        money(Decimal(data["total"]), data["currency"]) if data["total"] else gettext("no total")
    )
    on_date = formats.date_format(date.fromisoformat(data["on_date"]), "SHORT_DATE_FORMAT")
    lines.append(
        gettext("Total %(total)s (prices of %(date)s)") % {"total": total, "date": on_date}
    )
    return lines


def plan_change_text(change: PlanChange) -> str:
    """A change of a plan in words, in the active language (PlanChange.text is the English)."""
    before, after = change.before or {}, change.after or {}
    if change.kind == PlanChangeKind.CREATED:
        return gettext("first session on %(date)s") % {"date": _day(after.get("start_date"))}
    if change.kind == PlanChangeKind.STATUS:
        was, became = _status(before.get("status")), _status(after.get("status"))
    elif change.kind == PlanChangeKind.MOVED:
        was, became = _moment(before.get("starts_at")), _moment(after.get("starts_at"))
        shifted = len(after.get("shifted", [])) + len(after.get("planned_shifted", []))
        if shifted:
            became += ngettext(
                ", %(count)s later session with it", ", %(count)s later sessions with it", shifted
            ) % {"count": shifted}
    else:
        was, became = _sessions_text(before), _sessions_text(after)
        if before.get("from"):
            was = gettext("%(sessions)s (the catalogue's default)") % {"sessions": was}
    return gettext("%(before)s -> %(after)s") % {"before": was, "after": became}


def _day(value: object) -> str:
    try:
        return formats.date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except ValueError:
        return "?"


def _moment(value: object) -> str:
    try:
        moment = timezone.localtime(datetime.fromisoformat(str(value)))
    except ValueError:
        return "?"
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _status(value: object) -> str:
    return (
        str(PlanStatus(value).label)
        if isinstance(value, str) and value in PlanStatus.values
        else "?"
    )


def _sessions_text(values: dict[str, Any]) -> str:
    sessions = values.get("sessions")
    if not isinstance(sessions, int):
        return "?"
    text = ngettext("%(count)s session", "%(count)s sessions", sessions) % {"count": sessions}
    interval = values.get("interval_value")
    if isinstance(interval, int) and interval:
        every = (
            ngettext("every %(count)s month", "every %(count)s months", interval)
            if values.get("interval_unit") == "months"
            else ngettext("every %(count)s week", "every %(count)s weeks", interval)
        )
        text = gettext("%(sessions)s %(interval)s") % {
            "sessions": text,
            "interval": every % {"count": interval},
        }
    return text


# ------------------------------------------------------------------------------------------
# Intervals


def _minimum(pm: PlanModality) -> Interval | None:
    if pm.protocol_min_value is None:
        return None
    return Interval(pm.protocol_min_value, pm.protocol_unit)  # type: ignore[arg-type]


def interval_warnings(pm: PlanModality, days: list[date]) -> list[str]:
    """Warnings for the plan's interval and for consecutive session days closer together than
    the protocol minimum (the catalogue's, clinical reference §9)."""
    minimum = _minimum(pm)
    if minimum is None or pm.sessions < 2:
        return []
    warnings = []
    source = f" ({pm.protocol_source})" if pm.protocol_source else ""
    if pm.interval_value is not None:
        chosen = Interval(pm.interval_value, pm.interval_unit)  # type: ignore[arg-type]
        reference = date(2001, 1, 31)
        if chosen.after(reference) < minimum.after(reference):
            warnings.append(
                gettext(
                    "%(label)s: every %(describe)s is shorter than the protocol minimum of %(describe2)s%(source)s."
                )
                % {
                    "label": pm.label,
                    "describe": chosen.describe,
                    "describe2": minimum.describe,
                    "source": source,
                }
            )
    ordered = sorted(days)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if below_minimum(earlier, later, minimum):
            warnings.append(
                gettext(
                    "%(label)s: %(isoformat)s to %(isoformat2)s is %(days)s days, shorter than the protocol minimum of %(describe)s%(source)s."
                )
                % {
                    "label": pm.label,
                    "isoformat": earlier.isoformat(),
                    "isoformat2": later.isoformat(),
                    "days": (later - earlier).days,
                    "describe": minimum.describe,
                    "source": source,
                }
            )
    return warnings


# ------------------------------------------------------------------------------------------
# One plan


def _live(appointments: list[Appointment]) -> Appointment | None:
    return next((a for a in appointments if a.status != AppointmentStatus.CANCELLED), None)


@dataclass(frozen=True)
class SessionRow:
    session: TreatmentSession
    appointment: Appointment | None  # the appointment in force, if booked

    @property
    def day(self) -> date:
        if self.appointment is not None:
            return timezone.localtime(self.appointment.starts_at).date()
        return self.session.target_date

    @property
    def record(self) -> Any:
        return getattr(self.session, "procedure", None)


@dataclass(frozen=True)
class PlanPage:
    plan: TreatmentPlan
    modalities: list[PlanModality]
    rows: list[SessionRow]
    changes: list[PlanChange]
    estimate: Estimate

    @property
    def warnings(self) -> list[str]:
        result = []
        for pm in self.modalities:
            # Booked or done sessions only: a target date is a suggestion, and the free-slot
            # search never offers a day below the minimum.
            days = [
                r.day
                for r in self.rows
                if r.session.plan_modality_id == pm.pk
                and (r.appointment is not None or r.session.status == SessionStatus.DONE)
            ]
            result += interval_warnings(pm, days)
        return result

    @property
    def to_book(self) -> list[SessionRow]:
        return [r for r in self.rows if r.session.status == SessionStatus.PLANNED]

    @property
    def next_row(self) -> SessionRow | None:
        today = timezone.localdate()
        upcoming = [r for r in self.rows if r.appointment is not None and r.day >= today]
        return upcoming[0] if upcoming else None

    @property
    def is_bookable(self) -> bool:
        return self.plan.status in (PlanStatus.ACCEPTED, PlanStatus.ACTIVE)

    @property
    def accepted_lines(self) -> list[str]:
        return accepted_estimate_lines(self.plan)

    @property
    def change_rows(self) -> list[tuple[PlanChange, str]]:
        return [(c, plan_change_text(c)) for c in self.changes]


def _plans_visible(user: User | AnonymousUser, perm: Perm) -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(patient__clinic_id__in=clinic_ids_with(user, perm))


def plan_for_user(
    *, user: User | AnonymousUser, plan_id: int, perm: Perm = Perm.PLAN_VIEW, audit: bool = True
) -> TreatmentPlan:
    """A plan of a patient whose clinic grants the user ``perm``; the same 404 otherwise."""
    plan = (
        _plans_visible(user, perm)
        .select_related("patient", "patient__clinic", "prescriber", "decision", "assessment")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise PlanNotFound("No such plan.")
    if audit:
        audit_record(
            action=AuditAction.READ,
            object_type="treatments.treatmentplan",
            object_id=plan.pk,
            patient_id=plan.patient_id,
            clinic_id=plan.patient.clinic_id,
            detail={"perm": str(perm)},
        )
    return plan


def session_rows(plan: TreatmentPlan) -> list[SessionRow]:
    sessions = list(
        TreatmentSession.objects.filter(plan=plan)
        .select_related("plan_modality", "procedure")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.select_related("clinician", "room", "device").order_by(
                    "-booked_at"
                ),
            )
        )
        .order_by("target_date", "plan_modality__position", "number")
    )
    rows = [SessionRow(s, _live(list(s.appointments.all()))) for s in sessions]
    return sorted(rows, key=lambda r: (r.day, r.session.plan_modality.position, r.session.number))


def plan_page(*, user: User | AnonymousUser, plan_id: int, perm: Perm = Perm.PLAN_VIEW) -> PlanPage:
    """Everything the plan page shows, in a fixed number of queries, audited once."""
    plan = plan_for_user(user=user, plan_id=plan_id, perm=perm)
    modalities = list(plan.modalities.order_by("position", "id"))
    return PlanPage(
        plan=plan,
        modalities=modalities,
        rows=session_rows(plan),
        changes=list(
            PlanChange.objects.filter(plan=plan)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
        estimate=plan_estimate(plan=plan, modalities=modalities),
    )


def session_for_user(
    *, user: User | AnonymousUser, session_id: int, perm: Perm = Perm.PLAN_VIEW, audit: bool = True
) -> TreatmentSession:
    session = (
        TreatmentSession.objects.select_related(
            "plan", "plan__patient", "plan__patient__clinic", "plan_modality"
        )
        .filter(pk=session_id, plan__patient__clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if session is None:
        raise PlanNotFound("No such session.")
    if audit:
        audit_record(
            action=AuditAction.READ,
            object_type="treatments.treatmentsession",
            object_id=session.pk,
            patient_id=session.plan.patient_id,
            clinic_id=session.plan.patient.clinic_id,
            detail={"perm": str(perm)},
        )
    return session


# ------------------------------------------------------------------------------------------
# A patient's plans (the chart)


@dataclass(frozen=True)
class PlanSection:
    patient: Patient
    plans: list[TreatmentPlan]
    decision: SharedDecision | None  # the latest decision that names a treatment, with no plan
    next_appointment: Appointment | None


def plans_for_patient(*, patient: Patient) -> list[TreatmentPlan]:
    return list(
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("prescriber")
        .prefetch_related("modalities")
        .order_by("-created_at", "-id")
    )


def plan_section(*, user: User | AnonymousUser, patient_id: int) -> PlanSection:
    """The chart's plan section: the plans, the decision still waiting for a plan, the next
    appointment; in a fixed number of queries."""
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.PLAN_VIEW)
    plans = plans_for_patient(patient=patient)
    decision = (
        SharedDecision.objects.filter(patient=patient, plans__isnull=True)
        .exclude(chosen_option="none_yet")
        .defer("options_shown")
        .order_by("-decided_at", "-id")
        .first()
    )
    next_appointment = (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now()
        )
        .select_related("clinician", "room")
        .order_by("starts_at")
        .first()
    )
    return PlanSection(
        patient=patient, plans=plans, decision=decision, next_appointment=next_appointment
    )
