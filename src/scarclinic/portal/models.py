"""The portal's own records: invitations to sign in, consents the clinic sends to be signed
at home, the patient's ticks on the post-care checklist and their history updates.

Everything else the portal shows belongs to the other apps and is read through them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scarclinic.patients.models import ConsentTemplate, Patient, SignedConsent
from scarclinic.treatments.models import PostCareGiven


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LINK = "link", _("Link given by the clinic (e.g. by SMS)")


class PortalInvitation(models.Model):
    """An invitation to the portal. The link carries a signed token naming this row and a
    random nonce; only the nonce's SHA-256 is stored. Single use, expiring, and a newer
    invitation of the same patient revokes the older ones."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=InvitationChannel.choices)
    sent_to = models.EmailField(blank=True)
    nonce_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="portal_invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"Portal invitation {self.pk} of patient {self.patient_id}"


class ConsentRequest(models.Model):
    """A consent document the clinic sent the patient to read and sign in the portal."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    signed_consent = models.OneToOneField(
        SignedConsent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["patient", "-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "template"],
                condition=models.Q(signed_consent__isnull=True),
                name="one_open_consent_request_per_template",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent request {self.pk} of patient {self.patient_id}"


class PostCareTick(models.Model):
    """The patient ticked instruction ``item`` (its index in the template) on ``day`` after
    the session. Unticking deletes the row (the audit log keeps both)."""

    given = models.ForeignKey(PostCareGiven, on_delete=models.PROTECT, related_name="+")
    day = models.PositiveSmallIntegerField()
    item = models.PositiveSmallIntegerField()
    ticked_at = models.DateTimeField()

    class Meta:
        ordering = ["given", "day", "item"]
        constraints = [
            models.UniqueConstraint(fields=["given", "day", "item"], name="one_tick_per_day_item"),
        ]

    def __str__(self) -> str:
        return f"Post-care {self.given_id} day {self.day} item {self.item}"


class HistoryUpdate(models.Model):
    """What the patient reported before a visit about changes to their health. It does not
    change the medical history: a nurse or physician reads it and records the history."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True) | models.Q(reviewed_by__isnull=False),
                name="history_update_review_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"History update {self.pk} of patient {self.patient_id}"
