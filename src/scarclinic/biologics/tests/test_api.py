"""The cell-product API: the lab's way from receipt to release, the bedside, lookback; bad
input is a 422 naming the field with nothing saved; another clinic's records are 404."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.biologics.models import (
    BedsideCheck,
    Collection,
    ProductAdministration,
    ProductUnit,
    QcSpecification,
)
from scarclinic.biologics.tests.stories import LabWorld, released_cord, released_svf
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db
API = "/api/v1/biologics"
Login = Callable[[User], Client]


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    return client.generic(
        method,
        API + path,
        data=b"" if body is None else json.dumps(body),
        content_type="application/json",
    )


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.content
    return {d["field"] for d in response.json()["detail"]}


def _iso(hours: float) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def test_the_lab_takes_a_harvest_to_release_and_the_nurse_administers_it(
    world: LabWorld, client: Client
) -> None:
    client.force_login(world.lab)
    harvest = call(
        client,
        "POST",
        "/collections/harvest",
        {
            "patient_id": world.cast.amina.pk,
            "collected_at": _iso(-2),
            "harvest_site": "Abdomen",
            "volume_ml": 110,
        },
    )
    assert harvest.status_code == 201 and harvest.json()["kind"] == "harvest"
    made = call(
        client,
        "POST",
        f"/collections/{harvest.json()['id']}/units",
        {
            "product_type": "svf",
            "volume_ml": 4,
            "cell_count_million": 22,
            "dose_body_weight_kg": 60,
            "storage_condition": "refrigerated",
            "expires_at": _iso(20),
            "regulatory_class": "same_surgical_procedure",
            "manipulation": "minimal",
        },
    )
    assert made.status_code == 201, made.content
    unit = made.json()
    assert unit["status"] == "quarantine" and not unit["evaluation"]["releasable"]
    uid = unit["id"]
    steps = call(
        client,
        "POST",
        f"/units/{uid}/processing",
        {
            "step": "centrifugation",
            "equipment": "CF-01",
            "reagents": [{"reagent": "LR", "lot": "L1"}],
        },
    )
    assert steps.status_code == 201 and steps.json()["reagents"] == [{"reagent": "LR", "lot": "L1"}]
    for body in (
        {"test_code": "cell_dose", "value": 22, "unit": "x10^6 cells"},
        {"test_code": "viability", "value": 88, "unit": "%"},
        {"test_code": "sterility", "text": "No growth"},
        {"test_code": "endotoxin", "value": 0.5, "unit": "EU/mL"},
    ):
        result = call(client, "POST", f"/units/{uid}/qc", body)
        assert result.status_code == 201, result.content
    assert result.json()["evaluation"]["releasable"]
    # The maker cannot release; the second technician can, with her password and meaning.
    assert fields(
        call(client, "POST", f"/units/{uid}/release", {"password": PASSWORD, "meaning": "approval"})
    ) == {"signer"}
    client.force_login(world.lab2)
    released = call(
        client, "POST", f"/units/{uid}/release", {"password": PASSWORD, "meaning": "approval"}
    )
    assert released.status_code == 200 and released.json()["status"] == "released"
    issued = call(client, "POST", f"/units/{uid}/issue", {"handed_to_id": world.cast.nurse.pk})
    assert issued.json()["status"] == "issued"
    label = client.get(f"{API}/units/{uid}/label?format=png")
    assert label.status_code == 200 and label["Content-Type"] == "image/png"
    timeline = call(client, "GET", f"/units/{uid}/timeline").json()
    assert [e["kind"] for e in timeline][:2] == ["received", "processed"]

    client.force_login(world.cast.nurse)
    din = ProductUnit.objects.get(pk=uid).din_eye_readable
    check = call(client, "POST", "/bedside/check", {"din": din, "patient_identifier": "A-0002"})
    assert check.status_code == 200
    assert check.json()["outcome"] == "refused"
    assert "other_patient" in {r["code"] for r in check.json()["refusals"]}
    given = call(
        client,
        "POST",
        "/administrations",
        {
            "din": din,
            "patient_identifier": "A-0001",
            "route": "Intradermal injection",
            "volume_ml": 4,
        },
    )
    assert given.status_code == 201, given.content
    assert given.json()["patient_id"] == world.cast.amina.pk
    again = call(
        client,
        "POST",
        "/administrations",
        {
            "din": din,
            "patient_identifier": "A-0001",
            "route": "Intradermal injection",
            "volume_ml": 4,
        },
    )
    assert fields(again) == {"din"}
    assert ProductAdministration.objects.count() == 1
    assert BedsideCheck.objects.filter(outcome="refused").count() == 2


def test_bad_input_is_a_422_naming_the_field_and_nothing_is_saved(
    world: LabWorld, client: Client
) -> None:
    client.force_login(world.lab)
    before = Collection.objects.count()
    response = call(
        client,
        "POST",
        "/collections/harvest",
        {
            "patient_id": world.cast.zara.pk,
            "collected_at": _iso(2),
            "harvest_site": "x",
            "volume_ml": -1,
        },
    )
    assert fields(response) == {"patient_id"}
    response = call(
        client,
        "POST",
        "/collections/harvest",
        {
            "patient_id": world.cast.amina.pk,
            "collected_at": _iso(2),
            "harvest_site": "x",
            "volume_ml": -1,
        },
    )
    assert fields(response) == {"collected_at", "volume_ml"}
    assert Collection.objects.count() == before
    unit = released_svf(world)
    assert fields(
        call(client, "POST", f"/units/{unit.pk}/qc", {"test_code": "viability", "value": 80})
    ) == {"unit"}
    assert fields(
        call(
            client, "POST", f"/units/{unit.pk}/custody", {"kind": "store", "to_location_id": 999999}
        )
    ) == {"to_location_id"}
    # Unknown fields are refused by the schema itself.
    assert call(client, "POST", f"/units/{unit.pk}/issue", {"patient": 1}).status_code == 422


def test_another_clinics_units_are_not_found_and_lists_stay_in_their_clinic(
    world: LabWorld, client: Client
) -> None:
    unit = released_svf(world)
    client.force_login(world.cast.outsider)
    assert call(client, "GET", f"/units/{unit.pk}").status_code == 404
    assert call(client, "GET", "/units").json() == []
    assert call(client, "GET", f"/units?clinic_id={world.cast.clinic_a.pk}").status_code == 403
    client.force_login(world.cast.frontdesk)
    assert call(client, "GET", "/units").status_code == 403


def test_lookback_and_recall_over_the_api(world: LabWorld, client: Client) -> None:
    vial = released_cord(world)
    client.force_login(world.cast.director)
    found = call(client, "GET", "/lookback?lot=LOT-A1").json()
    assert [u["product_id"] for u in found["units"]] == [vial.pk]
    assert fields(call(client, "GET", "/lookback")) == {"scope"}
    recall = call(client, "POST", "/recalls", {"reason": "Supplier notice", "lot": "LOT-A1"})
    assert recall.status_code == 201
    assert recall.json()["units"] == [{"product_id": vial.pk, "status_before": "released"}]
    vial.refresh_from_db()
    assert vial.status == "recalled"


def test_settings_codes_and_specifications_over_the_api(world: LabWorld, client: Client) -> None:
    client.force_login(world.cast.director)
    assert call(client, "GET", "/settings").json()["facility_identification_number"] == "T9999"
    assert fields(call(client, "PUT", "/settings", {"facility_identification_number": "bad!"})) == {
        "facility_identification_number"
    }
    loaded = call(
        client,
        "POST",
        "/product-codes",
        {
            "csv": "code,description,product_type\nS9907,LOCAL TEST x,prp\n",
            "local_test_codes": True,
        },
    )
    assert loaded.status_code == 201 and loaded.json()[0]["is_local_test_code"]
    spec = call(client, "GET", "/qc-specs/cord_msc").json()
    assert spec["number"] is None and "cd105_positive" in [t["code"] for t in spec["tests"]]
    changed = call(
        client,
        "POST",
        "/qc-specs/prp",
        {"changes": {"platelet_count": {"minimum": "800", "required": True}}, "reason": "Protocol"},
    )
    assert changed.status_code == 201 and changed.json()["number"] == 1
    assert QcSpecification.objects.get().tests[0]["minimum"] == "800"
    assert fields(call(client, "GET", "/qc-specs/nonsense")) == {"product_type"}
