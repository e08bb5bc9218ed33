"""Scheduling: rooms and devices, how long each procedure takes, appointments, the private
calendar feeds of clinicians, and the reminders sent to patients.

No clinician, room or device can be booked twice at the same time. On PostgreSQL the database
refuses it (exclusion constraints over time ranges, migration 0003); on SQLite the booking
service checks under the database's write lock (transactions there begin IMMEDIATE)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.models.consultation import MODALITY_CHOICES
from scarclinic.treatments.models.plans import TreatmentSession


class DeviceKind(models.TextChoices):
    LASER = "laser", gettext_lazy("Laser")
    MICRONEEDLING = "microneedling", gettext_lazy("Microneedling device")
    CENTRIFUGE = "centrifuge", gettext_lazy("Centrifuge (PRP)")
    OTHER = "other", gettext_lazy("Other")


# Scheduling defaults, not clinical facts (the clinical reference gives no durations): how long
# the room, clinician and device are held. Each clinic sets its own (ProcedureDuration).
DEFAULT_DURATION_MINUTES: dict[Modality, int] = {
    Modality.STEM_CELL_SVF_INJECTION: 120,
    Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING: 60,
    Modality.MICRONEEDLING_PRP: 60,
    Modality.MICRONEEDLING: 45,
    Modality.FRACTIONAL_ABLATIVE_LASER: 60,
    Modality.NON_ABLATIVE_FRACTIONAL_LASER: 45,
    Modality.CHEMICAL_PEEL: 30,
    Modality.TCA_CROSS: 30,
    Modality.SUBCISION: 45,
    Modality.DERMAL_FILLER: 45,
    Modality.PUNCH_EXCISION_ELEVATION: 60,
}
# The device a treatment cannot be done without; other treatments may name one or none.
REQUIRED_DEVICE_KIND: dict[Modality, str] = {
    Modality.FRACTIONAL_ABLATIVE_LASER: DeviceKind.LASER,
    Modality.NON_ABLATIVE_FRACTIONAL_LASER: DeviceKind.LASER,
}


class Room(models.Model):
    """A treatment room of a clinic."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="one_room_name_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A device that can be in one place at a time (a laser, a microneedling pen)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=DeviceKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="one_device_name_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class ProcedureDuration(models.Model):
    """How long a clinic books for one session of a treatment."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="durations")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["clinic", "modality"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "modality"], name="one_duration_per_modality"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gte=5, minutes__lte=720), name="duration_5_to_720"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.modality}: {self.minutes} min"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", gettext_lazy("Booked")
    COMPLETED = "completed", gettext_lazy("Completed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


# The statuses that hold their clinician, room and device (migration 0003's exclusion
# constraints use the same condition).
HOLDING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED)


class Appointment(models.Model):
    """A clinician, a room and maybe a device held for one patient from ``starts_at`` to
    ``ends_at`` (UTC; shown in the clinic's time zone). A moved appointment keeps its row;
    a cancelled one stays as history and frees its time."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    session = models.ForeignKey(
        TreatmentSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appt_clinic_start"),
            models.Index(fields=["clinician", "starts_at"], name="appt_clinician_start"),
            models.Index(fields=["room", "starts_at"], name="appt_room_start"),
            models.Index(fields=["device", "starts_at"], name="appt_device_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appt_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values), name="appt_status_known"
            ),
            # A session has one appointment in force at a time; cancelled ones are history.
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(session__isnull=False) & ~models.Q(status="cancelled"),
                name="one_live_appointment_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def modality_label(self) -> str:
        return Modality(self.modality).label

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class CalendarFeed(models.Model):
    """A clinician's private iCalendar feed. Only the SHA-256 of its token is stored: the
    address is shown once when made; revoking it makes the address answer 404."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feeds"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_feed_per_user_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id} at clinic {self.clinic_id}"


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", gettext_lazy("Appointment, 48 hours before")
    POSTCARE = "postcare", gettext_lazy("Post-care instruction")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting")
    SENDING = "sending", gettext_lazy("Being sent")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Failed (will retry)")
    GAVE_UP = "gave_up", gettext_lazy("Failed (no more retries)")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    SKIPPED = "skipped", gettext_lazy("Not sent (no email address)")


class Reminder(models.Model):
    """One message to a patient at a time: an appointment reminder or a post-care reminder.

    ``idempotency_key`` is unique: the same reminder is never created twice, and a reminder is
    claimed (pending or failed -> sending) in a transaction before it is sent, so two workers
    never send it both. A send that fails is retried; one that was claimed and never finished
    stays "sending" and is not sent again without a person looking at it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    postcare = models.ForeignKey(
        "treatments.PostCareGiven",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
    )
    day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=gettext_lazy("Post-care: days after the session")
    )
    due_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="sent_reminder_has_time",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="appointment") & models.Q(appointment__isnull=False))
                | (models.Q(kind="postcare") & models.Q(postcare__isnull=False)),
                name="reminder_names_its_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder {self.idempotency_key} ({self.status})"
