"""The lab's pages and the bedside page: forms show the service's errors on their fields, the
exceptional release goes through the director's password, pages take a fixed number of
queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scarclinic.biologics import services
from scarclinic.biologics.models import (
    BedsideCheck,
    Collection,
    ProductCode,
    ProductUnit,
    QcSpecification,
    Recall,
)
from scarclinic.biologics.tests.stories import (
    LabWorld,
    pass_qc,
    released_cord,
    released_svf,
    svf_unit,
)
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


def _local(hours: float) -> str:
    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_a_harvest_for_an_unknown_mrn_is_shown_on_the_field_and_not_saved(
    world: LabWorld, client: Client
) -> None:
    client.force_login(world.lab)
    page = client.post(
        "/biologics/receive/harvest/",
        {
            "patient_mrn": "B-0001",
            "collected_at": _local(-1),
            "harvest_site": "Abdomen",
            "volume_ml": "100",
        },
    )
    assert page.status_code == 200
    assert "No patient with this MRN in this clinic." in page.content.decode()
    assert not Collection.objects.exists()


def test_making_a_unit_in_the_browser_shows_the_regulatory_refusal_on_its_field(
    world: LabWorld, client: Client
) -> None:
    client.force_login(world.lab)
    collection = services.harvest_record(
        clinic=world.clinic,
        by=world.lab,
        patient=world.cast.amina,
        collected_at=timezone.now() - dt.timedelta(hours=1),
        harvest_site="Abdomen",
        volume_ml="90",
    )
    page = client.post(
        f"/biologics/collections/{collection.pk}/units/new/",
        {
            "product_type": "svf",
            "volume_ml": "3",
            "storage_condition": "refrigerated",
            "expires_at": _local(10),
            "regulatory_class": "361",
            "manipulation": "enzymatic",
        },
    )
    assert page.status_code == 200
    assert "more than minimally manipulated" in page.content.decode()
    assert not ProductUnit.objects.exists()


def test_the_exceptional_release_form_asks_for_the_directors_signature(
    world: LabWorld, client: Client
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit, skip=("sterility",))
    client.force_login(world.lab2)
    page = client.get(f"/biologics/units/{unit.pk}/release/").content.decode()
    assert "Medical director (user name)" in page and "Sterility" in page
    justification = "Same-day autologous use; sterility culture pending, gram stain negative."
    refused = client.post(
        f"/biologics/units/{unit.pk}/release/",
        {
            "meaning": "responsibility",
            "password": PASSWORD,
            "justification": justification,
            "director_username": "director",
            "director_password": "wrong",
        },
    )
    assert "The medical director&#x27;s password is not correct." in refused.content.decode()
    done = client.post(
        f"/biologics/units/{unit.pk}/release/",
        {
            "meaning": "responsibility",
            "password": PASSWORD,
            "justification": justification,
            "director_username": "director",
            "director_password": PASSWORD,
        },
    )
    assert done.status_code == 302
    page = client.get(f"/biologics/units/{unit.pk}/").content.decode()
    assert "EXCEPTIONAL RELEASE" in page and justification in page


def test_a_normal_release_page_offers_no_exceptional_fields(
    world: LabWorld, client: Client
) -> None:
    unit = svf_unit(world)
    pass_qc(world, unit)
    client.force_login(world.lab2)
    page = client.get(f"/biologics/units/{unit.pk}/release/").content.decode()
    assert "Every required test passed: releasable." in page
    assert "Medical director (user name)" not in page


def test_the_bedside_page_stops_the_wrong_patient_and_keeps_the_check(
    world: LabWorld, client: Client
) -> None:
    unit = released_svf(world)
    client.force_login(world.cast.nurse)
    page = client.post(
        "/biologics/bedside/",
        {"action": "check", "din": unit.din_eye_readable, "patient_identifier": "A-0002"},
    ).content.decode()
    assert "STOP: do not administer" in page
    assert "another patient&#x27;s own (autologous) unit" in page
    assert BedsideCheck.objects.get().outcome == "refused"
    passed = client.post(
        "/biologics/bedside/",
        {"action": "check", "din": unit.din_eye_readable, "patient_identifier": "A-0001"},
    ).content.decode()
    assert "Check passed: right unit, right patient" in passed
    assert "Record the administration" in passed


def test_lookback_page_csv_and_recall_in_the_browser(world: LabWorld, client: Client) -> None:
    vial = released_cord(world)
    client.force_login(world.cast.director)
    page = client.get("/biologics/lookback/?lot=LOT-A1").content.decode()
    assert "1 unit(s) from lot LOT-A1" in page and vial.din[:5] in page
    export = client.get("/biologics/lookback/export.csv?lot=LOT-A1")
    assert export["Content-Type"].startswith("text/csv")
    assert export.content.decode().splitlines()[0].startswith("din,product_type")
    recalled = client.post("/biologics/recalls/", {"reason": "Supplier notice", "lot": "LOT-A1"})
    assert recalled.status_code == 302 and "lot=LOT-A1" in recalled["Location"]
    assert Recall.objects.get().units.get().product == vial


def test_the_director_loads_codes_and_changes_a_specification_in_the_browser(
    world: LabWorld, client: Client
) -> None:
    client.force_login(world.cast.director)
    client.post(
        "/biologics/settings/codes/",
        {
            "csv_file": SimpleUploadedFile("c.csv", b"code,description\nS9908,LOCAL TEST y\n"),
            "local_test_codes": "on",
        },
    )
    assert ProductCode.objects.get().code == "S9908"
    page = client.get("/biologics/settings/qc/svf/").content.decode()
    assert "unverified" in page and "clinical reference §6" in page
    client.post(
        "/biologics/settings/qc/svf/",
        {
            "cell_dose__minimum": "5",
            "cell_dose__required": "on",
            "viability__minimum": "70",
            "viability__required": "on",
            "sterility__required": "on",
            "endotoxin__maximum": "5",
            "endotoxin__required": "on",
            "reason": "Protocol",
        },
    )
    assert QcSpecification.objects.get().change.startswith("Viable cell dose")
    assert client.get("/biologics/settings/qc/nonsense/").status_code == 404


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/biologics/", "/biologics/storage/", "/biologics/queue/"])
def test_the_lab_lists_take_the_same_number_of_queries_for_one_unit_or_many(
    world: LabWorld, client: Client, url: str
) -> None:
    client.force_login(world.lab)
    released_cord(world)
    one = _count(client, url)
    for _ in range(4):
        released_cord(world)
        pass_qc(world, svf_unit(world), skip=("sterility",))
    assert _count(client, url) == one


def test_a_units_page_takes_the_same_number_of_queries_however_long_its_history(
    world: LabWorld, client: Client
) -> None:
    client.force_login(world.lab)
    short, long = released_svf(world), released_svf(world)
    for _ in range(5):
        services.product_hand_over(product=long, by=world.lab, to=world.lab2)
        services.qc_result_record(
            product=long, by=world.lab, test_code="viability", value="90", unit="%"
        )
    assert _count(client, f"/biologics/units/{short.pk}/") == _count(
        client, f"/biologics/units/{long.pk}/"
    )


def test_every_lab_page_renders_for_the_roles_that_may_see_it(
    world: LabWorld, client: Client
) -> None:
    unit = released_svf(world)
    pages: dict[str, list[Any]] = {
        "lab": [
            "/biologics/",
            "/biologics/queue/",
            "/biologics/storage/",
            "/biologics/receive/harvest/",
            "/biologics/receive/blood-draw/",
            "/biologics/receive/donor/",
            f"/biologics/collections/{unit.collection_id}/",
            f"/biologics/collections/{unit.collection_id}/units/new/",
            f"/biologics/units/{unit.pk}/",
        ],
        "director": ["/biologics/settings/", "/biologics/lookback/", "/biologics/settings/qc/prp/"],
        "nurse": ["/biologics/bedside/", f"/biologics/units/{unit.pk}/"],
    }
    for role, urls in pages.items():
        client.force_login(world.cast.users[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            assert (
                b"Cell products" in response.content or b'<nav class="lab-nav"' in response.content
            )
