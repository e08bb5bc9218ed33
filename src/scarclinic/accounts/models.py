"""Clinics, users and memberships: every record belongs to a clinic, every user works in
the clinics they are a member of, with one role in each."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.roles import Role


def validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(
            gettext_lazy("%(value)s is not a known time zone (IANA name, e.g. Asia/Karachi)."),
            params={"value": value},
        )


class Clinic(models.Model):
    """A clinic of the network; patients, products and staff work belong to one."""

    name = models.CharField(max_length=200)
    code = models.SlugField(
        max_length=20, unique=True, help_text=gettext_lazy("Short code, e.g. ISB")
    )
    city = models.CharField(max_length=100, blank=True)
    # IANA name, e.g. "Asia/Karachi"; blank: the deployment's TIME_ZONE. Pages, emails,
    # PDFs and calendars of this clinic show its local time (issue 11).
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        # In the database too: rows written without the column (older code during a rolling
        # deploy, SQL run by hand) get the deployment's zone, not an error.
        db_default="",
        validators=[validate_time_zone],
        help_text=gettext_lazy("IANA time zone, e.g. Asia/Karachi; blank for the default"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("clinic")
        verbose_name_plural = gettext_lazy("clinics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone_name(self) -> str:
        return self.time_zone or settings.TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)


class User(AbstractUser):
    """A person who signs in: staff, or a patient using the portal."""

    preferred_language = models.CharField(
        max_length=5,
        choices=[("en", gettext_lazy("English")), ("ur", gettext_lazy("Urdu"))],
        default="en",
    )
    # Raised by "sign out everywhere": every session signed with the old value stops working.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    def is_verified(self) -> bool:
        """Whether this request passed the second factor (django-otp's middleware replaces
        this on the request's user; a user loaded elsewhere has not)."""
        return False

    def get_session_auth_hash(self) -> str:
        """Django checks this on every request; it changes with the password (as Django's
        does) and with the session epoch."""
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "scarclinic.session",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()


class Membership(models.Model):
    """A user's role in one clinic."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = gettext_lazy("membership")
        verbose_name_plural = gettext_lazy("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_role_per_clinic"),
        ]
        ordering = ["clinic__name"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"
