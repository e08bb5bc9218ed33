"""A patient walks through the portal on a phone (390×844), in English and in Urdu: invited by
the clinic, sets a password, sees the next appointment and downloads it, follows the plan,
ticks the aftercare checklist, signs a consent the clinic sent, tells the clinic what changed,
looks at their progress and reports a side effect. Every page is checked with axe-core (no
serious or critical violation), must not scroll sideways, and is photographed to
var/screenshots/portal-*-{en,ur}.png."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from scarclinic.accounts.models import User
from scarclinic.assessments.models import Instrument
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.patients.models import Patient, SignedConsent
from scarclinic.portal.models import HistoryUpdate, PostCareTick
from scarclinic.portal.services import consent_request_send
from scarclinic.portal.tests.stories import STAFF_NOTE, PortalStory, portal_story
from tests.cast import PASSWORD, Cast
from tests.e2e.conftest import TIMEOUT_MS
from tests.factories import ConsentTemplateFactory, ConsentTemplateVersionFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}
PASSPHRASE = "a long passphrase for the portal"
AXE = Axe()


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized page; a script error or a missing asset fails the test."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"console: {message.text} ({message.location['url']})")

    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", on_console)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def story(cast: Cast, settings: Any, tmp_path: Path) -> PortalStory:
    settings.MEDIA_ROOT = tmp_path / "media"
    return portal_story(cast)


def _check(page: Page, screenshot: Callable[[Page, str], Path], name: str) -> None:
    """The page as a phone shows it: no sideways scrolling, no serious or critical axe
    violation, a screenshot."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], f"{name} scrolls sideways"
    results = AXE.run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]
    assert blocking == [], f"{name}: " + "\n".join(blocking)
    screenshot(page, name)


def _sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _pga() -> int:
    # An earlier transactional (browser) test flushes the tables, the built-in questionnaires
    # that migration made included: put the patient global assessment back as it defines it.
    builtin = import_module("scarclinic.assessments.migrations.0002_builtin_instruments")
    spec = next(s for s in builtin.BUILTIN if s["code"] == "pga")
    instrument, _ = Instrument.objects.get_or_create(clinic=None, code="pga", defaults=spec)
    return instrument.pk


def _walk(
    page: Page, screenshot: Callable[[Page, str], Path], lang: str, story: PortalStory
) -> None:
    """Every portal page, checked; the writes are done in the English walk."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")
    for path, name in (
        ("/portal/", "home"),
        ("/portal/appointments/", "appointments"),
        ("/portal/plan/", "plan"),
        ("/portal/aftercare/", "aftercare"),
        ("/portal/consents/", "consents"),
        ("/portal/questionnaires/", "before-visit"),
        ("/portal/health-update/", "health-update"),
        (f"/portal/questionnaire/{_pga()}/", "questionnaire"),
        ("/portal/progress/", "progress"),
        ("/portal/side-effect/", "side-effect"),
    ):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")
        assert STAFF_NOTE not in page.content()
        _check(page, screenshot, f"portal-{name}-{lang}")


def test_a_patient_uses_the_portal_on_a_phone_in_english_and_urdu(
    phone: Page,
    screenshot: Callable[[Page, str], Path],
    cast: Cast,
    story: PortalStory,
) -> None:
    page = phone
    _sign_in(page, "patient")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", name="Welcome, Amina")).to_be_visible()

    # The next appointment, in the clinic's time, added to the phone's calendar.
    page.get_by_role("link", name="Appointments", exact=True).click()
    local = timezone.localtime(story.booked.starts_at)
    expect(page.get_by_text(f"{local:%H:%M}–", exact=False).first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"to my calendar \(\.ics\)")).first.click()
    ics = Path(download.value.path()).read_text()
    assert "BEGIN:VEVENT" in ics and "TZID:Asia/Karachi" in ics

    # Where she is in her plan.
    page.get_by_role("link", name="My treatment").click()
    expect(page.get_by_text("1 of 3 sessions done")).to_be_visible()

    # Today's aftercare: tick two instructions of the day of the session.
    page.get_by_role("link", name="Aftercare").click()
    today = page.locator("#day-0")
    expect(today).to_have_attribute("open", "")
    today.get_by_role("checkbox").nth(0).check()
    today.get_by_role("checkbox").nth(1).check()
    today.get_by_role("button", name="Save the day of your session").click()
    expect(page.get_by_text("2 of 5 done").first).to_be_visible()
    assert PostCareTick.objects.filter(given=story.given, day=0).count() == 2

    # The consent the clinic sent: read, confirm, draw, sign.
    page.get_by_role("link", name="Consents").click()
    page.get_by_role("link", name=cast.prp_consent.template.title).click()
    _check(page, screenshot, "portal-consent-sign-en")
    page.get_by_label("I have read this text").check()
    canvas = page.locator("canvas[data-signature]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 40 + (step % 3) * 25)
    page.mouse.up()
    page.get_by_role("button", name="Sign and send to the clinic").click()
    expect(page.get_by_text("your signed consent reached the clinic")).to_be_visible()
    assert SignedConsent.objects.filter(patient=cast.amina, recorded_by=cast.patient).exists()

    # Before the next visit: what changed in her health.
    page.get_by_role("link", name="Before your visit").click()
    page.get_by_role("link", name="Tell the clinic what changed").click()
    page.get_by_label("I have started a new medicine").check()
    page.get_by_label(re.compile("Anything else the clinic should know")).fill("Doxycycline")
    page.get_by_role("button", name="Send to the clinic").click()
    expect(page.get_by_text("the clinic will read this before your visit")).to_be_visible()
    assert HistoryUpdate.objects.get(patient=cast.amina).answers["new_medicines"] is True

    # A side effect: a future date is refused inline, then the report reaches the clinic.
    page.get_by_role("link", name="Report a side effect").first.click()
    page.get_by_label("When did it start?").fill(timezone.localdate().isoformat())
    page.get_by_label(re.compile("What is happening")).fill("Redness on the left cheek")
    page.get_by_role("button", name="Send to the clinic").click()
    expect(page.get_by_text("Your report reached the clinic")).to_be_visible()
    assert AdverseEvent.objects.get(patient=cast.amina).status == "draft"

    _walk(page, screenshot, "en", story)

    # The same portal in Urdu, right to left, from the language switcher.
    page.goto("/portal/")
    page.locator(".lang-switch button[lang=ur]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert User.objects.get(pk=cast.patient.pk).preferred_language == "ur"
    expect(page.get_by_role("heading", name="خوش آمدید، Amina")).to_be_visible()
    _walk(page, screenshot, "ur", story)

    # A second consent sent by the clinic, read in Urdu.
    photography = ConsentTemplateVersionFactory(
        template=ConsentTemplateFactory(
            clinic=cast.clinic_a, procedure_type="photography", title="Consent to photography"
        )
    ).template
    request = consent_request_send(patient=cast.amina, template=photography, by=cast.nurse)
    page.goto(f"/portal/consents/to-sign/{request.pk}/")
    expect(page.locator("canvas[data-signature]")).to_be_visible()
    _check(page, screenshot, "portal-consent-sign-ur")


def test_an_invited_patient_sets_a_password_on_a_phone_and_lands_in_urdu(
    phone: Page,
    screenshot: Callable[[Page, str], Path],
    cast: Cast,
    story: PortalStory,
    browser: Browser,
    live_server: LiveServer,
) -> None:
    Patient.objects.filter(pk=cast.bilal.pk).update(preferred_language="ur")
    # The front desk invites Bilal by a link to send by SMS.
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    staff = desk.new_page()
    _sign_in(staff, "frontdesk")
    staff.goto(f"/patients/{cast.bilal.pk}/")
    staff.get_by_role("link", name="Invite to the portal").click()
    staff.get_by_role("button", name="Invite").click()
    link = staff.locator("#invite-link").input_value()
    assert "/portal/welcome/" in link and "Bilal" not in link
    _check(staff, screenshot, "portal-staff-invite-en")
    desk.close()

    page = phone
    page.goto(link.split(live_server.url, 1)[1])
    expect(page.get_by_role("heading", name=re.compile("patient portal"))).to_be_visible()
    _check(page, screenshot, "portal-welcome-en")
    page.get_by_label("Sign-in name").fill("bilal.ahmed")
    page.get_by_label("New password", exact=True).fill(PASSPHRASE)
    page.get_by_label("New password again").fill(PASSPHRASE)
    page.get_by_role("button", name="Set my password and sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    # His preferred language, stored at the clinic, is the portal's from the first page.
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="خوش آمدید، Bilal")).to_be_visible()
    page.reload()  # the flash message list is base.html's (checked by the staff-page axe test)
    _check(page, screenshot, "portal-first-visit-ur")
    assert Patient.objects.get(pk=cast.bilal.pk).portal_user.username == "bilal.ahmed"  # type: ignore[union-attr]
