"""A physician grades a patient's scars on the face map and signs the assessment."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from scarclinic.assessments.models import ScarAssessment
from tests.cast import Cast

pytestmark = pytest.mark.e2e


def test_the_physician_records_and_signs_an_assessment_on_the_face_map(
    cast: Cast,
    page: Page,
    sign_in: Callable[[str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    sign_in("physician")
    page.goto(f"/patients/{cast.amina.pk}/")
    page.get_by_role("link", name="Record an assessment").click()
    expect(page.get_by_role("heading", name=re.compile("New scar assessment"))).to_be_visible()

    # Clicking a region on the map jumps to its row of the count grid.
    page.locator("a[href='#row-cheek_left']").click()
    expect(page).to_have_url(re.compile("#row-cheek_left$"))
    page.get_by_label("Cheek left: Boxcar, shallow").fill("12")
    page.get_by_label("Cheek right: Ice-pick").fill("7")
    page.get_by_label("Forehead: Rolling").fill("4")
    # The scores follow the typing (htmx preview), before anything is saved.
    live = page.locator("#live")
    expect(live).to_contain_text("9 / 84")
    expect(live).to_contain_text("95 / 540")
    expect(page.locator("a[href='#row-cheek_left']")).to_have_attribute(
        "aria-label", "Cheek left: 12 scars"
    )
    page.get_by_role("radio", name=re.compile(r"3 Moderate")).check()
    screenshot(page, "assessment-entry")
    page.get_by_role("button", name="Save and sign").click()

    expect(page.get_by_text("Assessment signed.")).to_be_visible()
    assessment = ScarAssessment.objects.get(patient=cast.amina)
    assert (assessment.status, assessment.goodman_baron_score, assessment.ecca_score) == (
        "signed",
        9,
        95,
    )
    screenshot(page, "assessment-detail")

    page.get_by_role("link", name="Add an addendum or correction").click()
    page.get_by_label("What this addendum corrects or adds").fill(
        "Forehead rolling scars recounted: 2"
    )
    page.get_by_label("Correct the scar counts").check()
    page.locator("summary", has_text="Corrected counts").click()
    page.get_by_label("Forehead: Rolling").fill("2")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_text("Corrected by addendum")).to_be_visible()
    assessment.refresh_from_db()
    assert assessment.goodman_baron_score == 9  # the signed original is kept

    page.goto(f"/patients/{cast.amina.pk}/")
    section = page.locator("section[aria-labelledby='s-assess']")
    expect(section).to_contain_text("corrected")
    screenshot(page, "assessment-chart")
