"""Treatment plans: what a physician prescribed for a patient, which modalities with how many
sessions how far apart, and every change to it. A plan generates its sessions; the front desk
books each into an appointment (models/scheduling.py).

Nothing is deleted: a changed modality is recorded in :class:`PlanChange` with the values
before and after, a stopped plan keeps its reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy, ngettext

from scarclinic.assessments.models import ScarAssessment
from scarclinic.clinical.evidence import CATALOGUE, Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.clinical_text import clinical_text
from scarclinic.treatments.models.consultation import MODALITY_CHOICES, SharedDecision

UNIT_CHOICES = [("weeks", "weeks"), ("months", "months")]


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("Proposed")
    ACCEPTED = "accepted", gettext_lazy("Accepted by the patient")
    ACTIVE = "active", gettext_lazy("Active")
    COMPLETED = "completed", gettext_lazy("Completed")
    STOPPED = "stopped", gettext_lazy("Stopped")


# Where a plan may go from each state; completed and stopped are final.
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.PROPOSED: frozenset({PlanStatus.ACCEPTED, PlanStatus.STOPPED}),
    PlanStatus.ACCEPTED: frozenset({PlanStatus.ACTIVE, PlanStatus.STOPPED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.COMPLETED, PlanStatus.STOPPED}),
    PlanStatus.COMPLETED: frozenset(),
    PlanStatus.STOPPED: frozenset(),
}
OPEN_PLAN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACCEPTED, PlanStatus.ACTIVE)


class TreatmentPlan(models.Model):
    """A multi-session plan for one patient: the goal, the scar assessment it answers, the
    shared decision it came from (when there was one), its prescriber and its state."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_plans")
    decision = models.ForeignKey(
        SharedDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    assessment = models.ForeignKey(ScarAssessment, on_delete=models.PROTECT, related_name="+")
    goal = models.TextField()
    start_date = models.DateField()
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=PlanStatus.choices, default=PlanStatus.PROPOSED
    )
    stop_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    # The estimate the patient accepted (prices and sessions on that day), kept as shown.
    accepted_estimate = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "status"], name="plan_patient_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=PlanStatus.values), name="plan_status_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PlanStatus.STOPPED) | ~models.Q(stop_reason=""),
                name="stopped_plan_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} of patient {self.patient_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PLAN_STATUSES

    @property
    def next_statuses(self) -> list[str]:
        return sorted(PLAN_TRANSITIONS[self.status])


class PlanModality(models.Model):
    """One modality of a plan: how many sessions, how far apart, when the first one is, and
    the catalogue's default protocol it started from (kept, so a change is visible)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="modalities")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    position = models.PositiveSmallIntegerField(default=0)
    sessions = models.PositiveSmallIntegerField()
    interval_value = models.PositiveSmallIntegerField(null=True, blank=True)
    interval_unit = models.CharField(max_length=6, choices=UNIT_CHOICES, default="weeks")
    first_offset_days = models.PositiveSmallIntegerField(
        default=0, help_text=gettext_lazy("Days after the plan's start date of the first session")
    )
    # The catalogue's protocol when the plan was made (clinical reference §9 where it has one).
    default_sessions = models.PositiveSmallIntegerField()
    default_interval_value = models.PositiveSmallIntegerField(null=True, blank=True)
    protocol_min_value = models.PositiveSmallIntegerField(null=True, blank=True)
    protocol_max_value = models.PositiveSmallIntegerField(null=True, blank=True)
    protocol_unit = models.CharField(max_length=6, choices=UNIT_CHOICES, default="weeks")
    protocol_wording = models.CharField(max_length=300)
    protocol_source = models.CharField(max_length=200, blank=True)
    protocol_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "modality"], name="one_modality_per_plan"),
            models.CheckConstraint(
                condition=models.Q(sessions__gte=1, sessions__lte=20), name="plan_sessions_1_20"
            ),
            models.CheckConstraint(
                condition=models.Q(sessions=1) | models.Q(interval_value__gte=1),
                name="repeated_sessions_have_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.modality} x{self.sessions} in plan {self.plan_id}"

    @property
    def label(self) -> str:
        return Modality(self.modality).label

    @property
    def interval_text(self) -> str:
        if self.sessions == 1 or self.interval_value is None:
            return "one session"
        unit = self.interval_unit if self.interval_value != 1 else self.interval_unit[:-1]
        return f"every {self.interval_value} {unit}"

    # interval_text and protocol_wording are English (stored, exported); the pages show these.
    @property
    def interval_display(self) -> str:
        """The interval in the active language: "every 2 weeks"."""
        n = self.interval_value
        if self.sessions == 1 or n is None:
            return gettext("one session")
        if self.interval_unit == "months":
            return ngettext("every %(count)s month", "every %(count)s months", n) % {"count": n}
        return ngettext("every %(count)s week", "every %(count)s weeks", n) % {"count": n}

    @property
    def protocol_display(self) -> str:
        """The usual protocol in the active language while it is the catalogue's wording; a
        wording the catalogue no longer has is shown as it was stored."""
        catalogue = CATALOGUE[Modality(self.modality)].sessions
        if catalogue.describe[:300] != self.protocol_wording:
            return self.protocol_wording
        return clinical_text(catalogue.text)

    @property
    def protocol_source_display(self) -> str:
        return gettext(self.protocol_source) if self.protocol_source else ""

    @property
    def differs_from_default(self) -> bool:
        return (
            self.sessions != self.default_sessions
            or (self.sessions > 1 and self.interval_value != self.default_interval_value)
            or self.interval_unit != self.protocol_unit
        )


class PlanChangeKind(models.TextChoices):
    CREATED = "created", gettext_lazy("Plan made")
    CHANGED = "changed", gettext_lazy("Sessions or interval changed")
    STATUS = "status", gettext_lazy("Status changed")
    MOVED = "moved", gettext_lazy("Session moved")


class PlanChange(models.Model):
    """One recorded change of a plan: who, when, what it was and what it became, and why."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=PlanChangeKind.choices)
    modality = models.CharField(max_length=60, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of plan {self.plan_id} at {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """The change in words: "3 sessions every 2 weeks -> 4 sessions every 3 weeks"."""
        before, after = self.before or {}, self.after or {}
        if self.kind == PlanChangeKind.CREATED:
            return f"first session on {after.get('start_date', '?')}"
        if self.kind == PlanChangeKind.STATUS:
            return f"{before.get('status', '?')} -> {after.get('status', '?')}"
        if self.kind == PlanChangeKind.MOVED:
            shifted = len(after.get("shifted", [])) + len(after.get("planned_shifted", []))
            text = f"{_local(before.get('starts_at'))} -> {_local(after.get('starts_at'))}"
            return text + (f", {shifted} later session(s) with it" if shifted else "")
        default = " (the catalogue's default)" if before.get("from") else ""
        return f"{_sessions_text(before)}{default} -> {_sessions_text(after)}"


def _sessions_text(values: dict[str, object]) -> str:
    sessions = values.get("sessions")
    text = f"{sessions} session{'s' if sessions != 1 else ''}"
    if values.get("interval_value"):
        text += f" every {values['interval_value']} {values.get('interval_unit', 'weeks')}"
    return text


def _local(value: object) -> str:
    from datetime import datetime

    from django.utils import timezone

    if not isinstance(value, str):
        return "?"
    return f"{timezone.localtime(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", gettext_lazy("To book")
    BOOKED = "booked", gettext_lazy("Booked")
    DONE = "done", gettext_lazy("Done")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class TreatmentSession(models.Model):
    """One session a plan generated: the n-th of a modality, with its target date. The front
    desk books it into an appointment; the procedure record says what was done."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    plan_modality = models.ForeignKey(
        PlanModality, on_delete=models.PROTECT, related_name="plan_sessions"
    )
    number = models.PositiveSmallIntegerField(
        help_text=gettext_lazy("1, 2, 3 ... within the modality")
    )
    target_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )

    class Meta:
        ordering = ["plan", "target_date", "plan_modality__position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_modality", "number"], name="one_session_number_per_modality"
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.plan_modality_id} on {self.target_date}"
