"""Browser stories of the consultation: a physician walks a patient through the treatment
comparison on a tablet (1024x768), records the shared decision and hands over the PDF; the
director adjusts a candidacy rule. Screenshots go to var/screenshots/consultation-*.png."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from scarclinic.clinical.candidacy import add_months
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.models import CandidacyRuleSettings, Screening, SharedDecision
from scarclinic.treatments.tests.stories import months_ago, patient_with
from tests.cast import Cast

pytestmark = pytest.mark.e2e

SignIn = Callable[[str], None]
Screenshot = Callable[[Page, str], Path]
TABLET = {"width": 1024, "height": 768}


def _chart_sections_one_at_a_time(page: Page) -> None:
    """The chart loads its sections (assessments, photos, treatment options) by htmx at once.
    The test server shares one in-memory SQLite connection between its threads, and
    concurrent writes there (each section audits its read) fail with "database table is
    locked". The requests still reach the real server, only one after the other: a section
    asked for while another is on its way waits in a queue."""
    waiting: list[Route] = []
    busy = False

    def handle(route: Route) -> None:
        nonlocal busy
        waiting.append(route)
        if busy:
            return
        busy = True
        try:
            while waiting:
                current = waiting.pop(0)
                current.fulfill(response=current.fetch())
        finally:
            busy = False

    page.route(re.compile(r"/section/$"), handle)


def _demo_like_patient(cast: Cast):  # type: ignore[no-untyped-def]
    """Mixed ice-pick, boxcar and rolling scars (moderate), skin type IV, cold sores, and
    isotretinoin stopped 4 months ago: the ablative laser must wait."""
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    return patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=months_ago(timezone.localdate(), 4),
        fitzpatrick=4,
        herpes_simplex_history=True,
    )


def test_the_physician_walks_the_patient_through_the_comparison_and_records_the_decision(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    patient = _demo_like_patient(cast)
    until = add_months(patient.current_history.isotretinoin_last_dose, 6).isoformat()
    page.set_viewport_size(TABLET)
    _chart_sections_one_at_a_time(page)
    sign_in("physician")

    # From the chart: the section loads by htmx and leads to the comparison.
    page.goto(f"/patients/{patient.pk}/")
    options_section = page.get_by_role("region", name="Treatment options")
    expect(options_section).to_contain_text("No decision recorded yet.")
    options_section.get_by_role("link", name="Open the treatment comparison").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Treatment options · {patient.full_name}"
    )

    # Options side by side, each with numbers, the study and its source.
    suitable = page.get_by_role("region", name=re.compile(r"^Options for your scars"))
    tca = suitable.get_by_role("article", name="TCA CROSS", exact=True)
    expect(tca).to_contain_text("good response 82% (65% TCA), 94% (100% TCA)")
    expect(tca).to_contain_text("Lee et al. Dermatol Surg 2002;28:1017-21")
    expect(tca).to_contain_text("PKR 28,000 to PKR 42,000")
    expect(tca).to_contain_text("Darker skin type: pigmentation risk")
    prp = suitable.get_by_role("article", name="Microneedling with PRP", exact=True)
    expect(prp).to_contain_text("Kang & Lu, Front Med 2022")
    expect(prp).to_contain_text("Stronger evidence")
    svf = suitable.get_by_role("article", name="Stem cell / SVF injection")
    expect(svf).to_contain_text("Investigational")
    expect(svf).to_contain_text("Weak evidence")
    expect(svf).to_contain_text("No clinic data yet.")
    # Two cards side by side on the tablet.
    first, second = (suitable.locator("article.option").nth(i).bounding_box() for i in range(2))
    assert first is not None and second is not None
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + 300
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= TABLET["width"], f"{scroll_width}px wide on a 1024px tablet"
    # The laser waits, marked as such, and is not among the suitable options.
    expect(suitable.get_by_role("article", name=re.compile("Fractional ablative"))).to_have_count(0)
    not_now = page.get_by_role("region", name=re.compile(r"^Not now"))
    laser = not_now.get_by_role("article", name=re.compile(r"^Fractional ablative laser"))
    expect(laser.first).to_contain_text(f"Deferred until {until}")
    expect(laser.first).to_contain_text("You stopped isotretinoin recently.")
    screenshot(page, "consultation-page")
    _viewport_shot(page, "consultation-tablet-top", locator=page.get_by_role("heading", level=1))
    _viewport_shot(page, "consultation-tablet-not-now", locator=not_now)

    # The shared decision: only options that can go ahead are offered.
    decision = page.get_by_role("region", name="Shared decision")
    expect(decision.get_by_role("radio", name=re.compile("Fractional ablative"))).to_have_count(0)
    decision.get_by_role("radio", name="Microneedling with PRP", exact=True).check()
    decision.get_by_label("Questions the patient asked").fill(
        "Is the PRP made from my own blood? How many weeks between sessions? "
        "Answered: yes, your own blood; 2-4 weeks."
    )
    _viewport_shot(page, "consultation-tablet-decision", locator=decision)
    decision.get_by_role("button", name="Record the decision").click()

    expect(page.locator(".messages")).to_contain_text(
        "Decision recorded: Microneedling with PRP. It is the start of a treatment plan (proposed)."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Shared decision · {patient.full_name}"
    )
    chosen = page.get_by_role("article", name="Microneedling with PRP", exact=True)
    expect(chosen).to_contain_text("Chosen")
    screenshot(page, "consultation-decision")

    page.get_by_role("link", name=f"← Chart of {patient.full_name}").click()
    options_section = page.get_by_role("region", name="Treatment options")
    expect(options_section).to_contain_text("Start of a treatment plan")
    expect(options_section).to_contain_text("Microneedling with PRP")
    expect(options_section).to_contain_text("3-4 sessions, every 2-4 weeks")
    options_section.scroll_into_view_if_needed()
    _viewport_shot(page, "consultation-chart", locator=options_section)

    # The PDF to take home.
    page.goto(f"/consultation/patient/{patient.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF for the patient (English)").click()
    download = download_info.value
    today = timezone.localdate().isoformat()
    assert download.suggested_filename == f"treatment-options-{patient.pk}-{today}-en.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-") and len(content) > 5_000

    saved = SharedDecision.objects.get(patient=patient)
    assert (saved.chosen_option, saved.decided_by, saved.status) == (
        "microneedling_prp",
        cast.physician,
        "proposed",
    )
    assert saved.questions.startswith("Is the PRP made from my own blood?")
    laser_kept = Screening.objects.filter(patient=patient, modality="fractional_ablative_laser")
    assert {s.status for s in laser_kept} == {"defer"}


def _viewport_shot(page: Page, name: str, locator: object | None = None) -> None:
    """What the tablet shows at once (not the whole page)."""
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if locator is not None:
        locator.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_the_director_switches_off_the_isotretinoin_rule_and_the_laser_is_offered(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    patient = _demo_like_patient(cast)
    page.set_viewport_size(TABLET)
    sign_in("director")
    page.goto("/consultation/rules/")
    row = page.locator("#rule-isotretinoin_recent_ablative")
    expect(row).to_contain_text("Waldman et al. Dermatol Surg 2017;43:1249-62")
    expect(row).to_contain_text("6 months after the last dose")
    row.get_by_text("Switch off…").click()
    row.get_by_role("button", name="Switch off").click()
    expect(row.get_by_role("alert")).to_contain_text("Say why the rule is switched off")
    row = page.locator("#rule-isotretinoin_recent_ablative")
    row.get_by_text("Switch off…").click()
    row.get_by_label("Reason (required)").fill("Our CO2 laser is used in fractional mode only")
    row.get_by_role("button", name="Switch off").click()
    expect(page.locator(".messages")).to_contain_text(
        "Rule isotretinoin_recent_ablative switched off."
    )
    version = CandidacyRuleSettings.objects.get().version
    expect(page.get_by_role("heading", name=f"In force: {version}")).to_be_visible()
    screenshot(page, "consultation-rules")

    page.goto(f"/consultation/patient/{patient.pk}/")
    suitable = page.get_by_role("region", name=re.compile(r"^Options for your scars"))
    expect(
        suitable.get_by_role("article", name="Fractional ablative laser (CO2 / erbium)", exact=True)
    ).to_be_visible()
    expect(page.get_by_text(version).first).to_be_visible()
    latest = Screening.objects.filter(patient=patient, modality="fractional_ablative_laser").latest(
        "id"
    )
    assert (latest.status, latest.rule_set_version) == ("caution", version)
