"""/api/v1/adverse-events: list per patient, read, create, update; scoped and audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.outcomes import services
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.outcomes.tests.stories import days_ago, serious_event, svf_given_to_amina
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
URL = "/api/v1/adverse-events"


def _json(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")


def _body(cast: Cast, **changes: Any) -> dict[str, Any]:
    return {
        "patient_id": cast.amina.pk,
        "onset_on": days_ago(2).isoformat(),
        "description": "Redness",
        "category": "prolonged_erythema",
        "severity": 2,
        "modality": "microneedling",
        **changes,
    }


def test_a_physician_records_lists_and_updates_an_event(cast: Cast, login: Login) -> None:
    client = login(cast.physician)
    created = _json(client, "POST", URL, _body(cast))
    assert created.status_code == 201, created.content
    event_id = created.json()["id"]
    assert created.json()["status"] == "recorded" and created.json()["severity"] == 2
    listed = client.get(f"{URL}?patient_id={cast.amina.pk}")
    assert [e["id"] for e in listed.json()] == [event_id]
    patched = _json(
        client,
        "PATCH",
        f"{URL}/{event_id}",
        {"outcome": "resolved", "resolved_on": days_ago(1).isoformat()},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["outcome"] == "resolved" and patched.json()["severity"] == 2


def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(cast: Cast, login: Login) -> None:
    client = login(cast.physician)
    response = _json(client, "POST", URL, _body(cast, severity=5))
    assert response.status_code == 422
    assert {"field": "outcome", "msg": "A grade 5 event (death) has the outcome fatal."} in (
        response.json()["detail"]
    )
    assert not AdverseEvent.objects.exists()
    response = _json(client, "POST", URL, _body(cast, product_unit_id=999999))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "product_unit_id"


def test_the_lot_of_a_cell_product_event_is_given(cast: Cast, login: Login) -> None:
    unit, _ = svf_given_to_amina(cast)
    client = login(cast.physician)
    response = _json(
        client, "POST", URL, _body(cast, product_unit_id=unit.pk, modality="", category="nodule")
    )
    assert response.status_code == 201, response.content
    assert response.json()["lot_id"] == unit.collection_id


def test_a_patients_draft_is_graded_over_the_api(cast: Cast, login: Login) -> None:
    draft = services.adverse_event_report_by_patient(
        patient=cast.amina, by=cast.patient, onset_on=days_ago(2), description="Sore"
    )
    client = login(cast.nurse)
    refused = _json(client, "PATCH", f"{URL}/{draft.pk}", {"relatedness": "possible"})
    assert refused.status_code == 422
    done = _json(
        client,
        "PATCH",
        f"{URL}/{draft.pk}",
        {"severity": 1, "category": "prolonged_erythema", "relatedness": "possible"},
    )
    assert done.status_code == 200 and done.json()["status"] == "recorded"


def test_scoping_and_permissions(cast: Cast, login: Login) -> None:
    event = serious_event(cast)
    assert login(cast.outsider).get(f"{URL}/{event.pk}").status_code == 404
    assert login(cast.outsider).get(f"{URL}?patient_id={cast.amina.pk}").status_code == 404
    assert login(cast.frontdesk).get(f"{URL}?patient_id={cast.amina.pk}").status_code == 403
    assert _json(login(cast.director), "POST", URL, _body(cast)).status_code == 201
    assert _json(login(cast.lab), "POST", URL, _body(cast)).status_code == 403
    assert Client().get(f"{URL}/{event.pk}").status_code == 401


def test_unknown_fields_are_refused(cast: Cast, login: Login) -> None:
    response = _json(login(cast.physician), "POST", URL, _body(cast, status="draft"))
    assert response.status_code == 422
