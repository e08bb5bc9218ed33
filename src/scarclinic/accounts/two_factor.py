"""Two-factor authentication (TOTP, RFC 6238) with single-use recovery codes, on
django-otp. Required for staff when settings.REQUIRE_STAFF_2FA is on (the default outside
development); optional for portal patients."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from scarclinic.accounts.access import memberships_of
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Role
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record

RECOVERY_CODES = 10
DEVICE_NAME = "Authenticator app"


def requires_two_factor(user: User) -> bool:
    """Staff need a second factor; a user who is only a portal patient does not."""
    return any(m.role != Role.PATIENT for m in memberships_of(user))


def has_confirmed_device(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


PENDING_KEY = "two_factor_pending_key"


def pending_device(request: HttpRequest, user: User) -> TOTPDevice:
    """The authenticator being set up, not yet saved: its secret waits in the session until
    the person proves, with a first code, that their app has it."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = default_key()
        request.session[PENDING_KEY] = key
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class Enrolment:
    recovery_codes: list[str]


@transaction.atomic
def confirm_device(*, request: HttpRequest, user: User, token: str) -> Enrolment | None:
    """Confirm the pending authenticator with a first code; None if the code is wrong."""
    device = pending_device(request, user)
    if not device.verify_token(token.strip().replace(" ", "")):
        audit_record(
            action=AuditAction.TWO_FACTOR_FAILED,
            object_type="accounts.user",
            object_id=user.pk,
            actor=user,
            detail={"step": "setup"},
        )
        return None
    TOTPDevice.objects.filter(user=user).delete()  # one authenticator a person
    device.confirmed = True
    device.save()
    del request.session[PENDING_KEY]
    codes = _new_recovery_codes(user)
    otp_login(request, device)
    audit_record(
        action=AuditAction.TWO_FACTOR,
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        detail={"step": "enrolled"},
    )
    return Enrolment(recovery_codes=codes)


def verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Accept a current authenticator code or an unused recovery code (then spent)."""
    device = match_token(user, token.strip().replace(" ", ""))
    if device is None:
        audit_record(
            action=AuditAction.TWO_FACTOR_FAILED,
            object_type="accounts.user",
            object_id=user.pk,
            actor=user,
            detail={"step": "verify"},
        )
        return False
    otp_login(request, device)
    audit_record(
        action=AuditAction.TWO_FACTOR,
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        detail={"step": "verified", "with": type(device).__name__},
    )
    return True


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    audit_record(
        action=AuditAction.TWO_FACTOR,
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        detail={"step": "recovery codes replaced"},
    )
    return codes


def remaining_recovery_codes(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user).count())
