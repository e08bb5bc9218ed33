"""Accessibility: every staff page, in English and in Urdu, checked with axe-core.

WCAG 2.2 AA: axe-core (axe-playwright-python) runs the WCAG 2.0/2.1/2.2 A and AA rules on
each page of ``staff_pages()`` as the role that uses it, on the demo data; no serious or
critical violation may be found. Forms are driven by the keyboard alone, and the face map's
regions are reached with Tab and named."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps as django_apps
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from scarclinic.accounts.models import Clinic, User
from scarclinic.analytics.services import snapshot_compute
from scarclinic.assessments.models import Instrument
from scarclinic.interop.services import bulk_export_start
from scarclinic.patients.models import Patient
from scarclinic.web.demo import DEMO_PASSWORD, seed_demo
from tests.e2e.staff_pages import StaffPage, staff_pages

pytestmark = pytest.mark.e2e

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
BLOCKING = {"serious", "critical"}


@pytest.fixture
def demo(live_server: LiveServer) -> list[StaffPage]:
    """The demo clinic. A browser test's database is emptied after it, data migrations'
    rows included: the built-in questionnaires are put back first."""
    builtin = importlib.import_module("scarclinic.assessments.migrations.0002_builtin_instruments")
    if not Instrument.objects.filter(clinic__isnull=True).exists():
        builtin.create(django_apps, None)
    seed_demo(patients=6, seed=1)
    # The analytics pages with their figures, not only "not computed yet".
    isb = Clinic.objects.get(code="ISB")
    snapshot_compute(clinic_id=isb.pk)
    # A finished FHIR bulk export, for the exports list and the export's own page.
    bulk_export_start(
        clinic=isb, by=User.objects.get(username="director"), base_url=live_server.url
    )
    return staff_pages()


def _context(browser: Browser, live_server: LiveServer) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    return context


def _sign_in(page: Page, username: str, language: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    switch = page.locator(f".lang-switch button[value={language}]")
    if switch.count():
        switch.click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _blocking(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page, options=AXE_OPTIONS)
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("language", ["en", "ur"])
def test_every_staff_page_passes_axe_in_both_languages(
    browser: Browser, live_server: LiveServer, demo: list[StaffPage], language: str
) -> None:
    axe = Axe()
    problems: dict[str, list[str]] = {}
    direction = "rtl" if language == "ur" else "ltr"
    for role in sorted({p.role for p in demo}):
        context = _context(browser, live_server)
        page = context.new_page()
        _sign_in(page, role, language)
        for staff_page in (p for p in demo if p.role == role):
            response = page.goto(staff_page.path)
            assert response is not None and response.status == 200, staff_page
            page.wait_for_load_state("networkidle")  # htmx chart sections
            expect(page.locator("html")).to_have_attribute("dir", direction)
            found = _blocking(axe, page)
            if found:
                problems[f"{role} {staff_page.path}"] = found
        context.close()
    context = _context(browser, live_server)
    page = context.new_page()
    page.goto("/login/")
    if language == "ur":
        page.locator(".lang-switch button[value=ur]").click()
    expect(page.locator("html")).to_have_attribute("dir", direction)
    if found := _blocking(axe, page):
        problems["anonymous /login/"] = found
    context.close()
    assert problems == {}


@pytest.fixture
def keyboard_page(
    browser: Browser, live_server: LiveServer, demo: list[StaffPage]
) -> Iterator[Page]:
    context = _context(browser, live_server)
    yield context.new_page()
    context.close()


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_sign_in_switch_language_and_register_a_patient_by_keyboard_alone(
    keyboard_page: Page,
) -> None:
    page = keyboard_page
    page.goto("/login/")
    # The skip link comes first, and the first field takes the focus when the page opens.
    page.keyboard.type("frontdesk")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    # The language switcher is a button in the header: Tab to it and press Enter.
    _tab_to(page, ".lang-switch button[value=ur]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _tab_to(page, ".lang-switch button[value=en]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto("/patients/register/")
    _tab_to(page, "#id_mrn")
    page.keyboard.type("ISB-KEY-01")
    fields = [("#id_given_name", "Nadia"), ("#id_family_name", "Keyboard")]
    for selector, text in fields:
        _tab_to(page, selector, limit=3)
        page.keyboard.type(text)
    _tab_to(page, "#id_date_of_birth", limit=3)
    page.keyboard.type("04051990")  # day and month in the order the browser's locale uses
    typed = page.locator("#id_date_of_birth").input_value()
    assert typed in ("1990-05-04", "1990-04-05"), typed
    _tab_to(page, "#id_sex", limit=3)
    page.keyboard.type("F")  # a focused list selects by first letter: Female
    expect(page.locator("#id_sex")).to_have_value("female")
    _tab_to(page, "#id_preferred_language", limit=6)
    page.keyboard.type("U")
    _tab_to(page, "main form button[type=submit]", limit=6)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nadia Keyboard")
    patient = Patient.objects.get(mrn="ISB-KEY-01")
    assert (patient.sex, patient.preferred_language) == ("female", "ur")
    assert patient.date_of_birth == dt.date.fromisoformat(typed)


def test_the_face_map_regions_are_reached_with_tab_and_named(
    keyboard_page: Page, demo: list[StaffPage]
) -> None:
    page = keyboard_page
    _sign_in(page, "physician", "en")
    new_assessment = next(p for p in demo if p.name == "assessment-new")
    page.goto(new_assessment.path)
    regions = page.locator("svg.face-map a")
    assert regions.count() >= 8
    for i in range(regions.count()):
        name = regions.nth(i).get_attribute("aria-label") or ""
        assert re.match(r".+: \d+ scars?$", name), name
    _tab_to(page, "svg.face-map a >> nth=0", limit=120)
    first = regions.nth(0)
    page.keyboard.press("Tab")
    expect(regions.nth(1)).to_be_focused()
    # Enter on a region goes to its row of the counts table.
    first.focus()
    page.keyboard.press("Enter")
    assert re.search(r"#row-", page.url)
