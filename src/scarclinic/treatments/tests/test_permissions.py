"""Who may do what in the consultation: the rows handed to the global matrix, checked here
role by role, and the stories behind them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from scarclinic.accounts.models import User
from scarclinic.config.api import api
from scarclinic.treatments.models import ConsultationLabs, SharedDecision
from scarclinic.treatments.tests.permission_rows import (
    CONSULTATION_BODIES,
    CONSULTATION_ROUTES,
    consultation_world,
)
from tests.cast import Cast
from tests.permissions import ROLES, World, cast_ids, row_route, walk_column

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


@pytest.fixture
def world(cast: Cast) -> World:
    return World(cast, cast_ids(cast) | consultation_world(cast))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_column_of_the_consultation_rows(role: str, world: World) -> None:
    statuses, _ = walk_column(role, world, CONSULTATION_ROUTES, CONSULTATION_BODIES)
    column = ROLES.index(role)
    assert statuses == {route: row[column] for route, row in CONSULTATION_ROUTES.items()}


def test_every_consultation_url_and_api_operation_has_a_row() -> None:
    rows = {row_route(key) for key in CONSULTATION_ROUTES}
    (consultation,) = [
        p for p in get_resolver().url_patterns if "consultation" in str(getattr(p, "pattern", ""))
    ]
    routes = {
        "consultation/" + str(p.pattern)
        for p in consultation.url_patterns  # type: ignore[attr-defined]
        if isinstance(p, URLPattern)
    }
    assert routes == {route for _, route in rows if route.startswith("consultation/")}
    operations = {
        (method.upper(), path)
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/consultation")
        for method in item
    }
    covered = {
        (method, "/" + route.replace("<int:patient_id>", "{patient_id}"))
        for method, route in rows
        if route.startswith("api/")
    }
    assert operations == covered


def test_the_outsider_gets_404_for_another_clinics_patient_everywhere(
    world: World, login: Login
) -> None:
    client = login(world.cast.outsider)
    amina = world.cast.amina.pk
    for url in (
        f"/consultation/patient/{amina}/",
        f"/consultation/patient/{amina}/pdf/",
        f"/consultation/patient/{amina}/section/",
        f"/consultation/decisions/{world.ids['amina_decision']}/",
        f"/api/v1/consultation/patients/{amina}/options",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Amina" not in response.content and b"A-0001" not in response.content


def test_the_front_desk_cannot_open_the_consultation(world: World, login: Login) -> None:
    client = login(world.cast.frontdesk)
    assert client.get(f"/consultation/patient/{world.cast.amina.pk}/").status_code == 403


def test_the_nurse_sees_the_comparison_but_cannot_record_the_decision(
    world: World, login: Login
) -> None:
    client = login(world.cast.nurse)
    page = client.get(f"/consultation/patient/{world.cast.amina.pk}/")
    assert page.status_code == 200
    assert b"Options for your scars" in page.content
    assert b"Record the decision" not in page.content
    assert b"decision is for the physician." in page.content
    before = SharedDecision.objects.count()
    refused = client.post(
        f"/consultation/patient/{world.cast.amina.pk}/decision/", {"chosen": "none_yet"}
    )
    assert refused.status_code == 403
    api = client.post(
        f"/api/v1/consultation/patients/{world.cast.amina.pk}/decisions",
        {"chosen": "none_yet"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert SharedDecision.objects.count() == before
    # The nurse records blood results, which screening uses.
    labs = client.post(
        f"/consultation/patient/{world.cast.amina.pk}/labs/",
        {"platelet_count_10e9_per_l": "85", "haemoglobin_g_dl": "12", "measured_on": "2025-02-01"},
    )
    assert labs.status_code == 302
    assert ConsultationLabs.objects.get(patient=world.cast.amina).recorded_by == world.cast.nurse
