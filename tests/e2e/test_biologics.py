"""Browser story of the cell lab (issue 6): a lab technician receives Amina's fat harvest and a
donor's cord blood, records processing and QC; a second technician releases both with her
password and the meaning of her signature, prints the labels and issues the units; the nurse
scans at the bedside, is stopped for the wrong patient, and records the administrations for
the right one. Screenshots go to var/screenshots/biologics-*.png."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from scarclinic.biologics import services
from scarclinic.biologics.models import BedsideCheck, ProductAdministration, ProductUnit
from scarclinic.biologics.tests.stories import build_lab_world
from tests.cast import PASSWORD, Cast

pytestmark = pytest.mark.e2e

SignIn = Callable[[str], None]
Screenshot = Callable[[Page, str], Path]


def _local(delta: dt.timedelta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/"))


def _qc(page: Page, test: str, *, value: str = "", unit: str = "", text: str = "") -> None:
    form = page.get_by_role("region", name="Enter a QC result")
    form.get_by_label("Test", exact=True).select_option(test)
    if value:
        form.get_by_label("Value (number)").fill(value)
        form.get_by_label("Unit").fill(unit)
    if text:
        form.get_by_label("Result (text)").fill(text)
    form.get_by_role("button", name="Record the result").click()
    expect(page.locator(".messages")).to_contain_text("QC result recorded.")


def _unit_id(page: Page) -> int:
    match = re.search(r"/biologics/units/(\d+)/", page.url)
    assert match, page.url
    return int(match.group(1))


def _din_of(unit_id: int) -> str:
    return ProductUnit.objects.get(pk=unit_id).din_eye_readable


def test_two_units_go_from_receipt_to_the_patient_through_qc_release_label_and_bedside(
    page: Page, cast: Cast, sign_in: SignIn, screenshot: Screenshot
) -> None:
    world = build_lab_world(cast)
    services.product_codes_load(
        clinic=cast.clinic_a,
        by=cast.director,
        csv_text="code,description,product_type\n"
        "S9901,LOCAL TEST: SVF fresh in syringe,svf\n"
        "S9904,LOCAL TEST: cord blood cells cryopreserved,cord_blood\n",
        licence_note="",
        local_test_codes=True,
    )

    # --- The lab technician receives Amina's harvest and makes an SVF unit --------------
    sign_in("lab")
    page.goto("/biologics/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cell products")
    page.get_by_role("link", name="Receive a harvest").click()
    page.get_by_label("Patient MRN").fill("A-0001")
    page.get_by_label("Harvested at").fill(_local(-dt.timedelta(hours=2)))
    page.get_by_label("Harvest site").fill("Abdomen")
    page.get_by_label("Lipoaspirate volume (mL)").fill("120")
    page.get_by_label("Harvested by").select_option(label="Physician")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".messages")).to_contain_text("Lipoaspirate harvest (autologous) recorded.")
    expect(page.get_by_text("Amina Qureshi · MRN A-0001")).to_be_visible()
    page.get_by_role("link", name="Make a unit").click()
    expect(page.get_by_label("Product type")).to_have_value("svf")
    page.get_by_label("Product code").select_option(
        label="S9901 LOCAL TEST: SVF fresh in syringe (local test code)"
    )
    page.get_by_label("Volume (mL)").fill("4")
    page.get_by_label("Viable cells (x10^6)").fill("25")
    page.get_by_label("Recipient's body weight (kg)").fill("58")
    page.get_by_label("Expires at").fill(_local(dt.timedelta(hours=20)))
    page.get_by_role("button", name="Make the unit").click()
    expect(page.locator(".messages")).to_contain_text("it is in quarantine until released")
    svf_id = _unit_id(page)
    expect(page.locator("#unit-status")).to_have_text("Quarantine")

    steps = page.get_by_role("region", name="Record a processing step")
    steps.get_by_label("Step").select_option("centrifugation")
    steps.get_by_label("Equipment").fill("Centrifuge CF-01")
    steps.get_by_label("Reagents").fill("Lactated Ringer's: LR-5521")
    steps.get_by_role("button", name="Record the step").click()
    expect(page.locator(".messages")).to_contain_text("Processing step recorded.")
    _qc(page, "cell_dose", value="25", unit="x10^6 cells")
    _qc(page, "viability", value="91", unit="%")
    qc = page.get_by_role("region", name="QC against the specification")
    expect(qc).to_contain_text("Not releasable")
    expect(qc).to_contain_text("Sterility (aerobic, anaerobic, fungal culture): pending")
    _qc(page, "sterility", text="No growth")
    _qc(page, "endotoxin", value="0.4", unit="EU/mL")
    expect(qc).to_contain_text("Every required test passed: releasable.")
    expect(qc).to_contain_text("0.4 EU/mL x 4 mL / 58 kg")
    screenshot(page, "biologics-unit-quarantine")

    # --- and receives a donor's cord blood -------------------------------------------------
    page.get_by_role("link", name="Receive donor material").click()
    page.get_by_label("Supplier", exact=True).fill("Test Cord Bank")
    page.get_by_label("Donor id (supplier's)").fill("D-7781")
    page.get_by_label("Eligibility").select_option("eligible")
    page.get_by_label("Screening results").fill(
        "HIV-1/2 antibody and NAT: non-reactive\nHBsAg: non-reactive\nHCV NAT: non-reactive"
    )
    page.get_by_label("Screening date").fill(
        (timezone.localdate() - dt.timedelta(days=60)).isoformat()
    )
    page.get_by_label("Material").select_option("cord_blood")
    page.get_by_label("Supplier's lot").fill("CB-2026-044")
    page.get_by_label("Received at").fill(_local(-dt.timedelta(hours=1)))
    page.get_by_label("Temperature on receipt (°C)").fill("-162")
    page.get_by_label("Time out of storage (minutes)").fill("3")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".messages")).to_contain_text(
        "Donor material received (allogeneic) recorded."
    )
    page.get_by_role("link", name="Make a unit").click()
    expect(page.get_by_label("Product type")).to_have_value("cord_blood")
    page.get_by_label("Product code").select_option(
        label="S9904 LOCAL TEST: cord blood cells cryopreserved (local test code)"
    )
    page.get_by_label("Volume (mL)").fill("5")
    page.get_by_label("Viable cells (x10^6)").fill("150")
    page.get_by_label("Storage condition").select_option("frozen")
    page.get_by_label("Stability after thaw (hours)").fill("4")
    page.get_by_label("Expires at").fill(_local(dt.timedelta(days=200)))
    page.get_by_label("Manipulation").select_option("minimal")
    page.get_by_label("IND number").fill("IND 000000 (test)")
    page.get_by_label("IRB approval").fill("Test IRB 2026-04")
    page.get_by_role("button", name="Make the unit").click()
    cord_id = _unit_id(page)
    store = page.get_by_role("region", name="Store or move")
    store.get_by_label("Location").select_option(label="LN2 tank 1")
    store.get_by_role("button", name="Record the move").click()
    expect(page.locator(".messages")).to_contain_text("This unit needs frozen")
    _qc(page, "cell_dose", value="150", unit="x10^6 cells")
    _qc(page, "viability", value="86", unit="%")
    _qc(page, "sterility", text="No growth")
    expect(page.get_by_role("region", name="QC against the specification")).to_contain_text(
        "releasable"
    )
    page.get_by_role("link", name="Awaiting QC / release").click()
    expect(page.get_by_role("main")).to_contain_text(
        "QC complete: awaiting release by a second person"
    )
    screenshot(page, "biologics-queue")
    # The technician who made the units cannot release them.
    page.goto(f"/biologics/units/{svf_id}/release/")
    page.get_by_label("Approval: I release this unit for clinical use").check()
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Sign and release").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "You made or processed this unit: release needs a second qualified person."
    )
    _sign_out(page)

    # --- A second technician releases both, with her password and its meaning -------------
    sign_in("lab2")
    for unit_id in (svf_id, cord_id):
        page.goto(f"/biologics/units/{unit_id}/release/")
        expect(
            page.get_by_role("region", name="QC results against the specification")
        ).to_contain_text("releasable")
        page.get_by_label("Approval: I release this unit for clinical use").check()
        page.get_by_label("Your password (electronic signature)").fill("not my password")
        page.get_by_role("button", name="Sign and release").click()
        expect(page.get_by_text("The password is not correct")).to_be_visible()
        page.get_by_label("Approval: I release this unit for clinical use").check()
        page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
        if unit_id == svf_id:
            screenshot(page, "biologics-release")
        page.get_by_role("button", name="Sign and release").click()
        expect(page.locator(".messages")).to_contain_text("released.")
        expect(page.locator("#unit-status")).to_have_text("Released")
    signatures = page.get_by_role("region", name="Electronic signatures")
    expect(signatures).to_contain_text("Release by Saima Lab (Cell-lab technician)")

    # The labels: PDF and PNG, with the DIN and its boxed check character.
    page.goto(f"/biologics/units/{svf_id}/")
    pdf = page.request.get(f"/biologics/units/{svf_id}/label.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.goto(f"/biologics/units/{svf_id}/label.png")
    screenshot(page, "biologics-label-in-browser")
    page.goto(f"/biologics/units/{cord_id}/label.png")
    assert page.evaluate("document.images[0].naturalWidth") > 1000

    # Stored while waiting: the storage map shows what is where.
    page.goto(f"/biologics/units/{svf_id}/")
    store = page.get_by_role("region", name="Store or move")
    store.get_by_label("Location").select_option(label="Fridge 2")
    store.get_by_label("Rack").fill("1")
    store.get_by_label("Position").fill("A3")
    store.get_by_role("button", name="Record the move").click()
    expect(page.locator(".messages")).to_contain_text("Stored in Fridge 2.")
    page.get_by_role("link", name="Storage map").click()
    expect(page.get_by_role("region", name=re.compile("^Fridge 2"))).to_contain_text("pos. A3")
    screenshot(page, "biologics-storage-map")
    page.get_by_role("link", name="Inventory").click()
    expect(page.get_by_role("region", name=re.compile(r"^Released, in stock"))).to_contain_text(
        _din_of(svf_id)[:5]
    )
    screenshot(page, "biologics-inventory")

    # Issue: the SVF to its own patient; the cord blood thawed, then issued for Amina.
    page.goto(f"/biologics/units/{svf_id}/")
    issue = page.get_by_role("region", name="Issue to the procedure room")
    issue.get_by_label("Handed to").select_option(label="Nurse")
    issue.get_by_role("button", name="Issue").click()
    expect(page.locator("#unit-status")).to_have_text("Issued")
    page.goto(f"/biologics/units/{cord_id}/")
    page.get_by_role("region", name="Thaw").get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("Thaw recorded")
    issue = page.get_by_role("region", name="Issue to the procedure room")
    issue.get_by_label("For patient (MRN)").fill("A-0001")
    issue.get_by_role("button", name="Issue").click()
    expect(page.locator("#unit-status")).to_have_text("Issued")
    _sign_out(page)

    # --- The nurse at the bedside ----------------------------------------------------------
    sign_in("nurse")
    page.goto("/biologics/bedside/")
    check = page.get_by_role("region", name="Scan")
    check.get_by_label("Product DIN (scan or type)").fill(_din_of(cord_id))
    check.get_by_label("Patient MRN (scan the wristband or type)").fill("A-0002")
    check.get_by_role("button", name="Check").click()
    stop = page.get_by_role("alert")
    expect(stop).to_contain_text("STOP: do not administer")
    expect(stop).to_contain_text("This unit was issued for another patient: wrong patient.")
    expect(stop).to_contain_text("No signed consent to cell therapy in force for this patient.")
    expect(stop).to_contain_text("This refused check is recorded")
    screenshot(page, "biologics-bedside-refused")
    assert BedsideCheck.objects.filter(outcome="refused", product_id=cord_id).count() == 1

    for unit_id in (cord_id, svf_id):
        page.goto("/biologics/bedside/")
        check = page.get_by_role("region", name="Scan")
        check.get_by_label("Product DIN (scan or type)").fill(_din_of(unit_id))
        check.get_by_label("Patient MRN (scan the wristband or type)").fill("A-0001")
        check.get_by_role("button", name="Check").click()
        passed: Locator = page.get_by_role("status")
        expect(passed).to_contain_text("Check passed: right unit, right patient")
        expect(passed).to_contain_text("Amina Qureshi")
        record = page.get_by_role("region", name="Record the administration")
        record.get_by_label("Sites").fill("Both cheeks")
        if unit_id == svf_id:
            screenshot(page, "biologics-bedside-passed")
        record.get_by_role("button", name="Record the administration").click()
        expect(page.locator(".messages")).to_contain_text("Administration recorded")
        expect(page.locator("#unit-status")).to_have_text("Administered")
    expect(page.get_by_role("region", name="Administration")).to_contain_text("Amina Qureshi")
    timeline = page.get_by_role("region", name="Chain of custody: the whole history")
    for event in (
        "Made / received in the lab",
        "Processing step",
        "QC result entered",
        "Released",
        "Issued to the procedure room",
        "Administered",
    ):
        expect(timeline).to_contain_text(event)
    screenshot(page, "biologics-unit-timeline")
    assert ProductAdministration.objects.filter(patient=cast.amina).count() == 2

    # The same unit cannot be given again.
    page.goto("/biologics/bedside/")
    check = page.get_by_role("region", name="Scan")
    check.get_by_label("Product DIN (scan or type)").fill(_din_of(svf_id))
    check.get_by_label("Patient MRN (scan the wristband or type)").fill("A-0001")
    check.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_contain_text("Already administered: a unit is given once.")
    assert world.lab2.username == "lab2"
