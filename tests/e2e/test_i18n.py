"""English and Urdu in the browser: the switcher, the stored choice, right-to-left pages in
the shipped Naskh font, and the screenshots of the main pages for the README."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from scarclinic.accounts.models import User
from scarclinic.assessments.models import Instrument
from scarclinic.web.demo import DEMO_PASSWORD, seed_demo
from tests.e2e.staff_pages import StaffPage, staff_pages

pytestmark = pytest.mark.e2e

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The pages the README shows, by their name in staff_pages().
README_PAGES = ["home-physician", "patients", "chart", "assessment", "consultation", "plan"]
README_PAGES += ["calendar-week", "inventory", "home-director"]


@pytest.fixture
def demo(live_server: LiveServer) -> list[StaffPage]:
    builtin = importlib.import_module("scarclinic.assessments.migrations.0002_builtin_instruments")
    if not Instrument.objects.filter(clinic__isnull=True).exists():
        builtin.create(django_apps, None)
    seed_demo(patients=6, seed=1)
    return staff_pages()


def _context(browser: Browser, live_server: LiveServer) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 760}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    return context


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _box_x(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"]


def test_urdu_is_chosen_in_the_header_kept_on_the_user_and_mirrors_the_page(
    browser: Browser, live_server: LiveServer, demo: list[StaffPage]
) -> None:
    context = _context(browser, live_server)
    page = context.new_page()
    _sign_in(page, "physician")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert _box_x(page, ".brand") < _box_x(page, ".who")  # brand on the left in English

    page.locator(".lang-switch").get_by_role("button", name="اردو").click()
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    nav = page.get_by_role("navigation", name="مرکزی")
    expect(nav.get_by_role("link", name="مریض", exact=True)).to_be_visible()
    # Mirrored: the brand is now on the right, the user's block on the left.
    assert _box_x(page, ".brand") > _box_x(page, ".who")
    # The shipped Naskh font is loaded and used for the Urdu text.
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Naskh Arabic\"', 'مریض')")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Noto Naskh Arabic"')
    assert User.objects.get(username="physician").preferred_language == "ur"

    # Dates are written the Urdu way on a chart (day, Urdu month, year) and the phone
    # number keeps its left-to-right order.
    chart = next(p for p in demo if p.name == "chart")
    page.goto(chart.path)
    phone = page.locator("dl.facts-list bdi[dir=ltr]").first
    expect(phone).to_have_css("direction", "ltr")
    context.close()

    # Another device: the choice follows the user through sign-in.
    context = _context(browser, live_server)
    page = context.new_page()
    _sign_in(page, "physician")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator(".lang-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert User.objects.get(username="physician").preferred_language == "en"
    context.close()


def test_screenshots_of_the_main_pages_in_both_languages(
    browser: Browser, live_server: LiveServer, demo: list[StaffPage]
) -> None:
    """docs/screenshots/<page>-<en|ur>.png, shown in the README."""
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p for p in demo if p.name in README_PAGES}
    assert set(wanted) == set(README_PAGES)
    for language in ("en", "ur"):
        context = _context(browser, live_server)
        page = context.new_page()
        page.goto("/login/")
        if language == "ur":
            page.locator(".lang-switch button[value=ur]").click()
        # The switch posts and redirects: a screenshot taken during that navigation fails.
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"login-{language}.png"))
        for role in sorted({p.role for p in wanted.values()}):
            context.clear_cookies()
            _sign_in(page, role)
            switch = page.locator(f".lang-switch button[value={language}]")
            if switch.count():
                switch.click()
                expect(page.locator("html")).to_have_attribute("lang", language)
            for name in README_PAGES:
                if wanted[name].role != role:
                    continue
                page.goto(wanted[name].path)
                page.wait_for_load_state("networkidle")
                expect(page.locator("html")).to_have_attribute("lang", language)
                path = DOCS_SCREENSHOTS / f"{name}-{language}.png"
                page.screenshot(path=str(path))
                assert path.stat().st_size > 10_000
        context.close()
