"""Who may do what with cell products: the rows handed to the global matrix, checked here
role by role, and the stories behind them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, resolve

from scarclinic.biologics.tests.permission_rows import (
    BIOLOGICS_BODIES,
    BIOLOGICS_CHANGES_DATABASE,
    BIOLOGICS_ROUTES,
    biologics_snapshot,
    biologics_world,
)
from scarclinic.config.api import api
from tests.cast import Cast

pytestmark = pytest.mark.django_db
ROLES = (
    "physician",
    "nurse",
    "lab",
    "frontdesk",
    "director",
    "admin",
    "patient",
    "outsider",
    "anonymous",
)


@dataclass
class World:
    cast: Cast
    ids: dict[str, int]


@pytest.fixture
def world(cast: Cast) -> World:
    ids = {
        "amina": cast.amina.pk,
        "bilal": cast.bilal.pk,
        "zara": cast.zara.pk,
        "clinic_a": cast.clinic_a.pk,
        "clinic_b": cast.clinic_b.pk,
        "nurse_user": cast.nurse.pk,
    }
    return World(cast, ids | biologics_world(cast))


def _send(client: Client, route: str, world: World) -> Any:
    method, template = route.split(" ", 1)
    path = template.format(**world.ids)
    body = BIOLOGICS_BODIES[route](world) if route in BIOLOGICS_BODIES else None
    if path.startswith("/api/"):
        return client.generic(
            method,
            path,
            data=b"" if body is None else json.dumps(body),
            content_type="application/json",
        )
    if method == "GET":
        return client.get(path)
    return client.post(path, body or {})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_column_of_the_cell_product_rows(role: str, world: World) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(world.cast.users[role])
    statuses, writes = {}, set()
    for route in BIOLOGICS_ROUTES:
        with transaction.atomic():
            before = biologics_snapshot()
            statuses[route] = _send(client, route, world).status_code
            if biologics_snapshot() != before:
                writes.add(route)
            transaction.set_rollback(True)
    column = ROLES.index(role)
    assert statuses == {route: row[column] for route, row in BIOLOGICS_ROUTES.items()}
    assert writes == {r for r, roles in BIOLOGICS_CHANGES_DATABASE.items() if role in roles}


class _Ones(dict[str, int]):
    def __missing__(self, key: str) -> int:
        return 1


def test_every_cell_product_url_and_api_operation_has_a_row() -> None:
    rows = {
        (
            key.split(" ", 1)[0],
            resolve(key.split(" ", 1)[1].format_map(_Ones()).split("?")[0]).route,
        )
        for key in BIOLOGICS_ROUTES
    }
    (biologics,) = [
        p for p in get_resolver().url_patterns if str(getattr(p, "pattern", "")) == "biologics/"
    ]
    routes = {
        "biologics/" + str(p.pattern)
        for p in biologics.url_patterns  # type: ignore[attr-defined]
        if isinstance(p, URLPattern)
    }
    assert routes == {route for _, route in rows if route.startswith("biologics/")}
    operations = {
        (method.upper(), path)
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/biologics")
        for method in item
    }
    covered = {
        (method, "/" + route.replace("<int:", "{").replace("<", "{").replace(">", "}"))
        for method, route in rows
        if route.startswith("api/")
    }
    assert operations == covered


def test_every_writing_row_has_a_body() -> None:
    for key in BIOLOGICS_ROUTES:
        if key.split(" ", 1)[0] in {"POST", "PUT", "PATCH"}:
            assert key in BIOLOGICS_BODIES or key.endswith("/thaw/"), key
    assert set(BIOLOGICS_CHANGES_DATABASE) <= set(BIOLOGICS_ROUTES)
    assert set(BIOLOGICS_BODIES) <= set(BIOLOGICS_ROUTES)
