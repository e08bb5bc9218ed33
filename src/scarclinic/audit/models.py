"""The audit log: append-only, hash-chained entries of every read and write of patient data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class AuditAction(models.TextChoices):
    READ = "read", gettext_lazy("Read")
    LIST = "list", gettext_lazy("List / search")
    CREATE = "create", gettext_lazy("Create")
    UPDATE = "update", gettext_lazy("Update")
    SIGN = "sign", gettext_lazy("Sign")
    WITHDRAW = "withdraw", gettext_lazy("Withdraw")
    EXPORT = "export", gettext_lazy("Export")
    LOGIN = "login", gettext_lazy("Sign in")
    LOGIN_FAILED = "login_failed", gettext_lazy("Failed sign-in")
    LOCKED_OUT = "locked_out", gettext_lazy("Locked out after failed sign-ins")
    TWO_FACTOR = "two_factor", gettext_lazy("Second factor")
    TWO_FACTOR_FAILED = "two_factor_failed", gettext_lazy("Failed second factor")
    LOGOUT = "logout", gettext_lazy("Sign out")
    ADMIN = "admin", gettext_lazy("Admin change")
    SEED = "seed", gettext_lazy("Demo data loaded")


class AuditEntry(models.Model):
    """One audited action. ``entry_hash`` covers every field and the previous entry's hash,
    so altering, inserting or deleting an entry breaks the chain (``manage.py audit_verify``).
    The database refuses UPDATE and DELETE on this table (triggers in migration 0002)."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Field names and ids only, never patient values: the log itself must not leak data.
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The last link of the chain: one row, locked while an entry is appended, so entries are
    numbered without gaps even under concurrent writers, and a deleted tail is detected."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
