"""Browser stories: the clinic's people driving the real pages in Chromium.

Each story signs in through the login form, works through the pages as a person would
(typing, clicking, drawing a signature) and checks what the database kept. Screenshots go
to var/screenshots/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from scarclinic.clinical.history import age_on
from scarclinic.patients.models import Patient, SignatureMethod, SignedConsent
from tests.cast import Cast

pytestmark = pytest.mark.e2e

SignIn = Callable[[str], None]
Screenshot = Callable[[Page, str], Path]
DEMO_ROLES = ["physician", "nurse", "lab", "frontdesk", "director", "admin", "patient"]


def test_the_physician_registers_finds_and_charts_a_new_patient(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")
    sign_in("physician")
    expect(page.get_by_role("heading", level=1)).to_have_text("Physician · Clinic A Islamabad")
    screenshot(page, "home-physician")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register patient").click()
    expect(page.get_by_role("heading", name="Register a patient")).to_be_visible()
    page.get_by_label("MRN").fill("A-0420")
    page.get_by_label("Given name").fill("Sana")
    page.get_by_label("Family name").fill("Rauf")
    page.get_by_label("Date of birth").fill("1994-07-02")
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_label("Phone").fill("+92 321 5550142")
    page.get_by_label("Email").fill("sana.rauf@example.org")
    page.get_by_label("Address").fill("House 12, Street 4\nF-7/2, Islamabad")
    screenshot(page, "register")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Registered Sana Rauf (A-0420).")

    # The list shows recent patients first; typing narrows it live, without a page load.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(3)  # Amina, Bilal and the new patient
    list_url = page.url
    page.get_by_role("searchbox", name="Search patients").press_sequentially("rauf", delay=40)
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Rauf, Sana")
    expect(results.first).to_contain_text("A-0420")
    assert page.url == list_url, "the live search must not reload or push a new URL"
    # Each search replaces the rows: by MRN another patient, then by date of birth ours.
    page.get_by_role("searchbox", name="Search patients").fill("A-0001")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Qureshi, Amina")
    page.get_by_role("searchbox", name="Search patients").fill("02/07/1994")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Rauf, Sana")
    expect(results.first).to_contain_text("+92 321 5550142")
    screenshot(page, "search")

    results.first.get_by_role("link", name="Rauf, Sana").click()
    header = page.get_by_role("region", name="Patient")
    expect(header.get_by_role("heading", level=1)).to_have_text("Sana Rauf")
    age = age_on(dt.date(1994, 7, 2), timezone.localdate())
    expect(header).to_contain_text("MRN A-0420")
    expect(header).to_contain_text(f"Age {age} (1994-07-02)")
    expect(header).to_contain_text("Skin type not recorded")
    expect(page.get_by_text("No medical history recorded yet.")).to_be_visible()

    page.get_by_role("link", name="Record medical history").click()
    page.get_by_label("Fitzpatrick skin type").select_option(label="Type V")
    page.get_by_label("Herpes simplex history").check()
    page.get_by_label("Allergies", exact=True).fill("latex, penicillin")
    page.get_by_label("Change note").fill("Intake at first visit")
    page.get_by_role("button", name="Save as new version").click()

    expect(page.locator(".messages")).to_contain_text("Medical history saved as a new version.")
    alerts = header.get_by_label("Alerts")
    expect(alerts).to_contain_text("Herpes simplex history")
    expect(alerts).to_contain_text("Fitzpatrick V: risk of hyperpigmentation")
    expect(header).to_contain_text("Skin type Type V")
    expect(header).to_contain_text("Allergies latex, penicillin")
    screenshot(page, "chart")

    patient = Patient.objects.select_related("current_history").get(
        clinic=cast.clinic_a, mrn="A-0420"
    )
    assert (patient.given_name, patient.family_name) == ("Sana", "Rauf")
    assert patient.registered_by == cast.physician
    history = patient.current_history
    assert history is not None
    assert (history.version, history.fitzpatrick, history.herpes_simplex_history) == (1, 5, True)
    assert history.allergies == ["latex", "penicillin"]
    assert history.recorded_by == cast.physician


def test_the_nurse_records_a_drawn_consent_and_then_its_withdrawal(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in("nurse")
    page.goto(f"/patients/{cast.amina.pk}/")
    page.get_by_role("link", name="Record a signed consent").click()
    expect(page.get_by_role("button", name="Record signature")).to_be_disabled()

    # Choosing the document reloads the page with its text (the select submits itself).
    page.get_by_label("Consent document").select_option(str(cast.prp_consent.pk))
    expect(page.get_by_role("heading", name="Consent to PRP, version 1")).to_be_visible()
    expect(page.locator(".consent-text")).to_contain_text("Blood will be drawn")
    page.get_by_label("The patient has read this text").check()
    expect(page.get_by_label("Name of the person signing")).to_have_value("Amina Qureshi")
    page.get_by_role("radio", name="Drawn signature").check()

    pad = page.locator("canvas#sig")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + 110)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(box["x"] + 30 + i * 16, box["y"] + 110 - (i % 6) * 14, steps=2)
    page.mouse.up()
    expect(page.locator("#id_signature_png")).to_have_value(re.compile(r"^data:image/png;base64,"))
    page.get_by_role("button", name="Record signature").click()

    expect(page.locator(".messages")).to_contain_text("Consent 'Consent to PRP' signed.")
    consents = page.get_by_role("region", name="Consents")
    expect(consents.get_by_role("listitem")).to_have_count(1)
    expect(consents.get_by_role("listitem")).to_contain_text("in force")

    consents.get_by_role("link", name="Consent to PRP").click()
    expect(page.get_by_text("In force", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Drawn signature of Amina Qureshi")).to_be_visible()
    expect(page.locator(".consent-text")).to_contain_text("Blood will be drawn")
    screenshot(page, "consent")

    page.get_by_label("Reason").fill("Patient's wish: prefers to wait until after Eid")
    page.get_by_role("button", name="Record withdrawal").click()
    expect(page.locator(".messages")).to_contain_text("Withdrawal recorded")
    expect(page.get_by_text(re.compile(r"^Withdrawn .* prefers to wait"))).to_be_visible()
    expect(page.get_by_role("button", name="Record withdrawal")).to_have_count(0)
    page.get_by_role("link", name="Back to the chart").click()
    expect(page.get_by_role("region", name="Consents")).to_contain_text("withdrawn")

    consent = SignedConsent.objects.get(patient=cast.amina)
    assert consent.method == SignatureMethod.DRAWN
    assert consent.signature_png.startswith("data:image/png;base64,")
    assert consent.recorded_by == cast.nurse
    assert consent.withdrawn_by == cast.nurse
    assert consent.withdrawal_reason.startswith("Patient's wish")


def test_a_birth_date_in_the_future_is_refused_next_to_the_field_and_nothing_is_saved(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    patients_before = Patient.objects.count()
    sign_in("physician")
    page.goto("/patients/register/")
    page.get_by_label("MRN").fill("A-0999")
    page.get_by_label("Given name").fill("Future")
    page.get_by_label("Family name").fill("Child")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Date of birth").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Save").click()

    dob_field = page.locator(".field").filter(has=page.locator("#id_date_of_birth"))
    expect(dob_field.get_by_role("alert")).to_have_text(
        "The date of birth cannot be in the future."
    )
    expect(page.get_by_role("alert")).to_have_count(1)  # no other field is blamed
    expect(page.get_by_label("MRN")).to_have_value("A-0999")  # what was typed is kept
    expect(page.get_by_label("Date of birth")).to_have_value(tomorrow.isoformat())
    screenshot(page, "register-error")
    assert Patient.objects.count() == patients_before
    assert not Patient.objects.filter(mrn="A-0999").exists()


def test_every_role_lands_on_a_home_page_without_broken_links(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot, live_server: LiveServer
) -> None:
    broken: list[str] = []
    for role in DEMO_ROLES:
        page.context.clear_cookies()
        sign_in(role)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        screenshot(page, f"home-{role}")
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        same_origin = sorted(
            {urldefrag(h).url for h in hrefs if h.startswith(live_server.url + "/")}
        )
        assert same_origin, f"{role}'s home page has no links"
        for url in same_origin:
            response = page.request.get(url)
            if response.status >= 400 or "/login/" in response.url:
                broken.append(f"{role}: {url} -> {response.status} {response.url}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_chart_fits_a_phone_screen_without_sideways_scrolling(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("physician")
    page.goto(f"/patients/{cast.amina.pk}/")
    header = page.get_by_role("region", name="Patient")
    expect(header.get_by_role("heading", level=1)).to_have_text("Amina Qureshi")
    expect(header.get_by_label("Alerts")).to_contain_text("Herpes simplex history")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= 390 + 1, f"the chart is {scroll_width}px wide on a 390px screen"
    screenshot(page, "chart-mobile")
