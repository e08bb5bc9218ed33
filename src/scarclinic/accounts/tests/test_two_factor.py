from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from scarclinic.accounts.two_factor import PENDING_KEY
from scarclinic.audit.models import AuditAction, AuditEntry
from tests.cast import PASSWORD, Cast

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_required(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = True


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    # A code is accepted once (replay protection); a later sign-in in the same test uses
    # the next time step's code, which the device tolerates as clock drift.
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _pending(client: Client, username: str) -> TOTPDevice:
    client.get("/2fa/setup/")
    return TOTPDevice(key=client.session[PENDING_KEY])


def _enrol(client: Client, username: str) -> list[str]:
    device = _pending(client, username)
    page = client.post("/2fa/setup/", {"code": _code(device)})
    assert page.status_code == 200 and "Your recovery codes" in page.content.decode()
    return [c.strip() for c in page.context["codes"]]


def test_staff_without_an_authenticator_are_sent_to_set_one_up(cast: Cast) -> None:
    client = _signed_in("physician")
    response = client.get(f"/patients/{cast.amina.pk}/")
    assert response.status_code == 302 and response.url == "/2fa/setup/"
    api = client.get("/api/v1/patients")
    assert api.status_code == 403 and "Two-factor" in api.json()["detail"]


def test_setting_up_with_a_wrong_code_does_nothing_and_is_audited(cast: Cast) -> None:
    client = _signed_in("nurse")
    _pending(client, "nurse")
    page = client.post("/2fa/setup/", {"code": "000000"})
    assert "does not match" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.nurse, confirmed=True).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.TWO_FACTOR_FAILED, actor=cast.nurse
    ).exists()


def test_after_setup_the_session_works_and_a_new_sign_in_asks_for_a_code(cast: Cast) -> None:
    client = _signed_in("physician")
    _enrol(client, "physician")
    assert client.get(f"/patients/{cast.amina.pk}/").status_code == 200

    later = _signed_in("physician")
    response = later.get("/patients/")
    assert response.status_code == 302 and response.url == "/2fa/verify/"
    assert "not valid" in later.post("/2fa/verify/", {"code": "123456"}).content.decode()
    device = TOTPDevice.objects.get(user=cast.physician, confirmed=True)
    device.throttle_reset()  # django-otp slows down guessing after a failure
    assert later.post("/2fa/verify/", {"code": _code(device)}).status_code == 200  # replayed
    device.refresh_from_db()
    device.throttle_reset()
    assert later.post("/2fa/verify/", {"code": _code(device, 1)}).status_code == 302
    assert later.get("/patients/").status_code == 200


def test_a_recovery_code_works_once(cast: Cast) -> None:
    codes = _enrol(_signed_in("lab"), "lab")
    assert len(codes) == 10
    first = _signed_in("lab")
    assert first.post("/2fa/verify/", {"code": codes[0]}).status_code == 302
    assert first.get("/").status_code == 200
    again = _signed_in("lab")
    assert again.post("/2fa/verify/", {"code": codes[0]}).status_code == 200  # refused
    assert again.get("/").status_code == 302


def test_a_portal_patient_does_not_need_a_second_factor(cast: Cast) -> None:
    client = _signed_in("patient")
    assert client.get("/portal/").status_code == 200


def test_the_verify_page_never_redirects_off_site(cast: Cast) -> None:
    client = _signed_in("frontdesk")
    _enrol(client, "frontdesk")
    later = _signed_in("frontdesk")
    device = TOTPDevice.objects.get(user=cast.frontdesk, confirmed=True)
    response = later.post("/2fa/verify/?next=https://evil.example/", {"code": _code(device, 1)})
    assert response.url == "/"
