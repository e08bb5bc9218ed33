"""Browser story: the physician takes a patient's standard photo set at two visits, sees a
bad file refused with nothing stored, and compares the visits side by side.

The photos are synthetic faces drawn with Pillow (scarclinic.assessments.demo_photos),
written to disk as a camera would, and chosen in the file inputs. Screenshots go to
var/screenshots/photos-*.png."""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from scarclinic.assessments.demo_photos import after_treatment, face_jpeg, random_face
from scarclinic.assessments.models import REQUIRED_VIEWS, Photo, PhotoConsentGrant, PhotoSet
from tests.cast import Cast

pytestmark = pytest.mark.e2e

SignIn = Callable[[str], None]
Screenshot = Callable[[Page, str], Path]
LABELS = {
    "frontal": "Frontal",
    "left_45": "Left 45°",
    "right_45": "Right 45°",
    "left_90": "Left 90° (profile)",
    "right_90": "Right 90° (profile)",
}


@pytest.fixture
def camera_roll(tmp_path: Path, settings) -> dict[str, dict[str, Path]]:  # type: ignore[no-untyped-def]
    """JPEG files of one synthetic face before and after treatment, one per view."""
    settings.MEDIA_ROOT = tmp_path / "media"
    rng = random.Random(2024)
    before = random_face(rng, fitzpatrick=4, long_hair=True)
    after = after_treatment(before, rng)
    roll: dict[str, dict[str, Path]] = {"before": {}, "after": {}}
    for visit, face in (("before", before), ("after", after)):
        for view in REQUIRED_VIEWS:
            path = tmp_path / f"IMG_{visit}_{view}.jpg"
            path.write_bytes(face_jpeg(face, view, quality=90))
            roll[visit][view] = path
    (tmp_path / "notes.jpg").write_bytes(b"Shopping list: sunscreen, moisturiser\n" * 30)
    return roll


@pytest.fixture
def one_request_at_a_time(live_server: LiveServer) -> Iterator[None]:
    """The chart loads its sections and thumbnails at once, and each of them writes an
    audit entry. On SQLite the live server's threads share one in-memory connection, which
    answers overlapping writes with "table is locked" instead of waiting as the file
    database (WAL, busy timeout) or PostgreSQL do; so for this story the test server
    handles one request at a time."""
    httpd = live_server.thread.httpd  # type: ignore[attr-defined]
    app = httpd.get_app()
    lock = threading.Lock()

    def serial(environ: dict[str, Any], start_response: Any) -> Any:
        with lock:
            return app(environ, start_response)

    httpd.set_app(serial)
    yield
    httpd.set_app(app)


def open_set(page: Page, patient_id: int, visit_date: dt.date) -> None:
    page.goto(f"/patients/{patient_id}/")
    photos = page.get_by_role("region", name="Photos")
    photos.get_by_role("link", name="New photo set").click()
    expect(page.get_by_role("heading", name="New photo set")).to_be_visible()
    page.get_by_label("Visit date").fill(visit_date.isoformat())
    page.get_by_label("Lighting").fill("Standardised ring light")
    page.get_by_label("Camera distance (cm)").fill("50")
    page.get_by_label("Camera", exact=True).fill("Clinic DSLR, 60 mm macro")
    page.get_by_role("button", name="Open photo set").click()
    expect(page.locator(".messages")).to_contain_text("Photo set opened")


def all_loaded(page: Page, selector: str) -> None:
    """Wait until every image the selector matches has arrived and decoded."""
    for img in page.locator(selector).all():
        img.scroll_into_view_if_needed()  # lazy thumbnails load once near the viewport
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )


def upload(page: Page, view: str, path: Path) -> None:
    label = LABELS[view]
    page.get_by_label(f"{label} photo").set_input_files(path)
    page.get_by_role("button", name=f"Upload {label}", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"{label} photo stored.")


def test_the_physician_takes_two_photo_sets_and_compares_them(
    page: Page,
    cast: Cast,
    sign_in: SignIn,
    screenshot: Screenshot,
    camera_roll: dict[str, dict[str, Path]],
    tmp_path: Path,
    one_request_at_a_time: None,
) -> None:
    today = timezone.localdate()
    sign_in("physician")
    page.goto(f"/patients/{cast.amina.pk}/")
    expect(page.get_by_role("region", name="Photos")).to_contain_text("No photo set yet.")

    # First visit: all five standard views
    open_set(page, cast.amina.pk, today - dt.timedelta(days=91))
    inputs = page.locator('input[type="file"]')
    expect(inputs).to_have_count(6)  # five views and a close-up
    for i in range(6):
        expect(inputs.nth(i)).to_have_attribute("accept", "image/*")
        expect(inputs.nth(i)).to_have_attribute("capture", "environment")
    expect(page.locator("#missing-views li")).to_have_count(5)
    screenshot(page, "photos-set-empty")

    for view in ("frontal", "left_45", "right_45", "left_90"):
        upload(page, view, camera_roll["before"][view])
    expect(page.locator("#missing-views li")).to_have_text(["Right 90° (profile)"])

    # A text file named .jpg is refused on the page; nothing is stored
    files_before = {p for p in (tmp_path / "media").rglob("*") if p.is_file()}
    page.get_by_label("Right 90° (profile) photo").set_input_files(tmp_path / "notes.jpg")
    page.get_by_role("button", name="Upload Right 90° (profile)").click()
    failure = page.get_by_role("alert").filter(has_text="The photo was not stored")
    expect(failure).to_contain_text("The file is not a photograph")
    screenshot(page, "photos-upload-error")
    assert Photo.objects.count() == 4
    assert {p for p in (tmp_path / "media").rglob("*") if p.is_file()} == files_before

    upload(page, "right_90", camera_roll["before"]["right_90"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("complete")
    expect(page.locator("#missing-views")).to_have_count(0)
    expect(page.get_by_text("All five standard views are present.")).to_be_visible()
    thumbs = page.locator("#views img")
    expect(thumbs).to_have_count(5)
    all_loaded(page, "#views img")
    screenshot(page, "photos-set-complete")

    # Follow-up visit three months later: frontal and both 45° views so far
    open_set(page, cast.amina.pk, today)
    for view in ("frontal", "left_45", "right_45"):
        upload(page, view, camera_roll["after"][view])

    # The chart shows both sets and what the second still lacks
    page.goto(f"/patients/{cast.amina.pk}/")
    photos = page.get_by_role("region", name="Photos")
    expect(photos.locator("tbody tr")).to_have_count(2)
    expect(photos).to_contain_text("2 missing")
    expect(photos).to_contain_text("complete")
    expect(photos.locator("img")).to_have_count(8)
    photos.scroll_into_view_if_needed()
    all_loaded(page, "#main img")
    screenshot(page, "photos-chart")

    # Teaching permission, then the comparison
    photos.get_by_role("link", name="Photo consent").click()
    page.get_by_role("button", name="Grant teaching use").click()
    expect(page.locator(".messages")).to_contain_text("Teaching use granted.")
    expect(page.get_by_role("region", name="Teaching")).to_contain_text("granted")
    screenshot(page, "photos-consent")
    assert PhotoConsentGrant.objects.get(patient=cast.amina).use == "teaching"

    page.goto(f"/patients/{cast.amina.pk}/")
    page.get_by_role("region", name="Photos").get_by_role("link", name="Compare visits").click()
    expect(page.get_by_role("heading", name="Compare photos")).to_be_visible()
    first, latest = PhotoSet.objects.filter(patient=cast.amina).order_by("visit_date")
    expect(page.get_by_role("combobox", name="Before")).to_have_value(str(first.pk))
    expect(page.get_by_role("combobox", name="After")).to_have_value(str(latest.pk))
    page.get_by_role("combobox", name="View").select_option(label="Left 45°")  # submits itself
    expect(page).to_have_url(re.compile(r"view=left_45"))
    side_by_side = page.locator("#side-by-side")
    expect(side_by_side.get_by_role("img")).to_have_count(2)
    expect(side_by_side).to_contain_text((today - dt.timedelta(days=91)).isoformat())
    expect(side_by_side).to_contain_text(today.isoformat())
    all_loaded(page, "#side-by-side img")
    overlay = page.locator("#overlay")
    expect(overlay).to_be_visible()  # built by photos.js
    page.get_by_role("slider", name="Before ← → After").fill("30")
    clip = overlay.locator("img").nth(1).evaluate("img => img.style.clipPath")
    assert clip == "inset(0px 0px 0px 30%)" or clip == "inset(0 0 0 30%)", clip
    screenshot(page, "photos-compare")
