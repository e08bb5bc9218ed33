"""Who may do what with cell products: the rows handed to the global matrix, checked here
role by role, and the stories behind them."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver

from scarclinic.biologics.tests.permission_rows import (
    BIOLOGICS_BODIES,
    BIOLOGICS_CHANGES_DATABASE,
    BIOLOGICS_ROUTES,
    biologics_snapshot,
    biologics_world,
)
from scarclinic.config.api import api
from tests.cast import Cast
from tests.permissions import ROLES, World, cast_ids, row_route, walk_column

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast: Cast) -> World:
    return World(cast, cast_ids(cast) | {"nurse_user": cast.nurse.pk} | biologics_world(cast))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_column_of_the_cell_product_rows(role: str, world: World) -> None:
    statuses, writes = walk_column(
        role, world, BIOLOGICS_ROUTES, BIOLOGICS_BODIES, biologics_snapshot
    )
    column = ROLES.index(role)
    assert statuses == {route: row[column] for route, row in BIOLOGICS_ROUTES.items()}
    assert writes == {r for r, roles in BIOLOGICS_CHANGES_DATABASE.items() if role in roles}


def test_every_cell_product_url_and_api_operation_has_a_row() -> None:
    rows = {row_route(key) for key in BIOLOGICS_ROUTES}
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
