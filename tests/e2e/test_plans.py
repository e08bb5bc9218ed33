"""Browser story of a treatment plan (issue 7, "Done when"): the physician makes the plan from
the patient's decision, the front desk books every session (and sees a clash refused), the
nurse completes the checklist, records the procedure and gives the post-care, the physician
signs; the patient's handout (Urdu) and .ics download work. Screenshots go to
var/screenshots/plans-*.png."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from scarclinic.treatments import services as consultation_services
from scarclinic.treatments.models import (
    Appointment,
    PostCareGiven,
    ProcedureRecord,
    Reminder,
    TreatmentPlan,
    TreatmentSession,
)
from scarclinic.treatments.tests.plan_stories import clinic_a, ready_for_prp
from tests.cast import Cast
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_consultation import _chart_sections_one_at_a_time

pytestmark = pytest.mark.e2e

SignIn = Callable[[str], None]
Screenshot = Callable[[Page, str], Path]


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_a_plan_from_decision_to_booked_sessions_procedure_record_and_handout(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    clinic_a(cast)
    patient = ready_for_prp(cast)
    patient.preferred_language = "ur"
    patient.email = "amina@example.org"
    patient.save(update_fields=["preferred_language", "email"])
    consultation_services.decision_record(
        patient=patient, by=cast.physician, chosen="microneedling_prp"
    )
    _chart_sections_one_at_a_time(page)

    # The physician makes the plan from the decision: the catalogue's protocol is filled in.
    sign_in("physician")
    page.goto(f"/patients/{patient.pk}/")
    options = page.get_by_role("region", name="Treatment options")
    options.get_by_role("link", name="Make the treatment plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"New treatment plan · {patient.full_name}"
    )
    expect(page.get_by_label("Microneedling with PRP: sessions")).to_have_value("3")
    expect(page.get_by_label("Microneedling with PRP: every")).to_have_value("2")
    expect(page.locator("fieldset.modality-set")).to_contain_text(
        "Usual protocol: 3-4 sessions, every 2-4 weeks (clinical reference §9)"
    )
    page.get_by_label("Goal of the plan").fill("Shallower rolling and boxcar scars on both cheeks")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.locator(".messages")).to_contain_text("Plan made (proposed)")
    plan = TreatmentPlan.objects.get(patient=patient)
    page.get_by_role("button", name="The patient accepts the plan").click()
    expect(page.locator(".messages")).to_contain_text("The plan is now accepted by the patient.")
    expect(page.get_by_role("region", name="Cost estimate")).to_contain_text("PKR 54,000")
    screenshot(page, "plans-plan")
    with page.expect_download() as estimate:
        page.get_by_role("link", name="Cost estimate (PDF) English").click()
    assert Path(estimate.value.path()).read_bytes().startswith(b"%PDF-")
    _sign_out(page)

    # The front desk books every session at a suggested free time; a clash is refused.
    sign_in("frontdesk")
    page.goto(f"/treatments/plans/{plan.pk}/book/")
    sessions = list(TreatmentSession.objects.filter(plan=plan).order_by("number"))
    first = page.locator(f"#session-{sessions[0].pk}")
    first.get_by_role("button", name=re.compile(r"^Book ")).first.click()
    expect(page.locator(".messages")).to_contain_text("Booked: Microneedling with PRP 1")
    booked = Appointment.objects.get(session=sessions[0])
    start = timezone.localtime(booked.starts_at)
    second = page.locator(f"#session-{sessions[1].pk}")
    second.get_by_text("Book another time…").click()
    second.get_by_label("Starts at").fill(f"{start:%Y-%m-%dT%H:%M}")
    second.get_by_label("Clinician").select_option(label="Physician")
    second.get_by_label("Room").select_option(label="Room 2")
    second.get_by_role("button", name="Book", exact=True).click()
    second = page.locator(f"#session-{sessions[1].pk}")
    expect(second.get_by_role("alert")).to_contain_text(
        f"Physician is booked {start:%Y-%m-%d %H:%M}-"
    )
    screenshot(page, "plans-booking-clash")
    for session in sessions[1:]:
        card = page.locator(f"#session-{session.pk}")
        card.get_by_role("button", name=re.compile(r"^Book ")).first.click()
        expect(page.locator(".messages")).to_contain_text(
            f"Booked: Microneedling with PRP {session.number}"
        )
    assert Appointment.objects.filter(session__plan=plan, status="booked").count() == 3
    expect(page.locator(".session-card.session-booked")).to_have_count(3)
    screenshot(page, "plans-booking")
    with page.expect_download() as ics:
        page.get_by_role("link", name="Calendar file for the patient (.ics)").click()
    text = Path(ics.value.path()).read_text()
    assert text.count("BEGIN:VEVENT") == 3 and "TZID=Asia/Karachi" in text
    assert ics.value.suggested_filename == f"plan-{plan.pk}.ics"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    # The view select submits itself from a deferred script: choose once the page has
    # loaded, or the change can come before the script listens (flaky under load).
    expect(page).to_have_url(re.compile(r"/treatments/calendar/"))
    page.wait_for_load_state("load")
    page.locator("#cal-view").select_option("week")
    expect(page).to_have_url(re.compile(r"view=week"))
    page.goto(f"/treatments/calendar/?view=week&date={start:%Y-%m-%d}")
    expect(page.get_by_role("article", name=re.compile(patient.full_name)).first).to_be_visible()
    screenshot(page, "plans-calendar-week")
    _sign_out(page)

    # The nurse: checklist (worked out from the records), what was done, post-care.
    sign_in("nurse")
    page.goto(f"/treatments/plans/{plan.pk}/")
    page.get_by_role("link", name="Microneedling with PRP 1").click()
    checklist = page.get_by_role("region", name="Pre-procedure checklist")
    expect(checklist.locator("li.pass")).to_have_count(4)
    checklist.get_by_label(re.compile("I went through every item")).check()
    checklist.get_by_role("button", name="Complete the checklist").click()
    expect(page.locator(".messages")).to_contain_text("Checklist complete")
    record = page.get_by_role("region", name=re.compile("Procedure record"))
    record.get_by_label("Device").fill("Microneedling pen")
    record.get_by_label("Needle depth (mm)").fill("1.5")
    record.get_by_label("Passes").fill("3")
    record.get_by_label("PRP volume (mL)").fill("4")
    record.get_by_label("PRP applied").select_option("topical")
    record.get_by_label("Anaesthesia", exact=True).select_option("topical")
    record.get_by_label("Anaesthetic agent").fill("Topical anaesthetic cream")
    record.get_by_label("Redness (erythema)").check()
    record.get_by_role("button", name="Save what was done").click()
    expect(page.locator(".messages")).to_contain_text("What was done is recorded.")
    expect(page.get_by_role("region", name=re.compile("Procedure record"))).to_contain_text(
        "Needle depth: 1.5 mm"
    )
    post = page.get_by_role("region", name="Post-care")
    post.get_by_role("button", name=re.compile("Post-care given")).click()
    expect(page.locator(".messages")).to_contain_text("reminder(s) scheduled")
    screenshot(page, "plans-session")
    with page.expect_download() as handout:
        page.get_by_role("link", name=re.compile(r"Handout for the patient")).click()
    pdf = Path(handout.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and b"NotoNaskhArabic" in pdf
    _render(pdf, "plans-handout-ur")
    _sign_out(page)

    # The physician who performed it signs; the record is closed to edits.
    sign_in("physician")
    session = sessions[0]
    page.goto(f"/treatments/sessions/{session.pk}/")
    page.get_by_role("button", name="Sign the record").click()
    expect(page.locator(".messages")).to_contain_text("Record signed")
    expect(page.get_by_role("button", name="Save what was done")).to_have_count(0)
    screenshot(page, "plans-session-signed")

    saved = ProcedureRecord.objects.get(session=session)
    assert (saved.status, saved.checklist_by, saved.signed_by) == (
        "signed",
        cast.nurse,
        cast.physician,
    )
    assert saved.details["depth_mm"] == "1.5"
    assert PostCareGiven.objects.get(session=session).language == "ur"
    assert Reminder.objects.filter(kind="appointment").count() >= 2
    assert Reminder.objects.filter(kind="postcare").exists()


def _render(pdf: bytes, name: str) -> None:
    """The first page of a PDF as var/screenshots/<name>.png (poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    source = SCREENSHOTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(source), str(SCREENSHOTS / name)],
        check=True,
    )
    source.unlink()
