from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditAction, AuditEntry
from tests.cast import PASSWORD, Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_new_passwords_are_hashed_with_argon2(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user(username="newstaff", password="a long passphrase 2026")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize("weak", ["short1!", "password1234", "123456789012"])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_repeated_failures_lock_the_sign_in_and_the_audit_log_records_it(
    cast: Cast,
    client: Client,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "nurse", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    locked = client.post(
        "/login/", {"username": "nurse", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 3
    lockout = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT).latest("seq")
    assert lockout.detail == {"username": "nurse"} and lockout.ip_address == "10.0.0.9"
    # Another address is not locked out: a colleague elsewhere can still sign in.
    other = Client()
    ok = other.post("/login/", {"username": "nurse", "password": PASSWORD}, REMOTE_ADDR="10.0.0.10")
    assert ok.status_code == 302


def test_sign_out_everywhere_ends_the_other_sessions_too(cast: Cast) -> None:
    phone, desk = Client(), Client()
    assert phone.login(username="physician", password=PASSWORD)
    assert desk.login(username="physician", password=PASSWORD)
    assert desk.get("/patients/").status_code == 200
    response = phone.post("/logout/everywhere/")
    assert response.status_code == 302
    assert desk.get("/patients/").status_code == 302  # sent to sign in again
    assert phone.get("/patients/").status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, detail__everywhere=True).exists()


def test_the_session_expires_after_the_idle_time_and_not_while_in_use(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_pages_carry_a_content_security_policy_without_inline_scripts(
    cast: Cast, login: Login
) -> None:
    response = login(cast.physician).get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()


def test_the_api_docs_page_uses_local_static_files(cast: Cast, login: Login) -> None:
    body = login(cast.physician).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()
