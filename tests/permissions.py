"""What every permission test shares: the role columns, the world of named ids, how a row's
request is sent, and the walk of one role's column (the matrix in test_permissions_matrix.py
and the apps' own ``*/tests/test_permissions.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet
from django.test import Client
from django.urls import resolve

from tests.cast import Cast

# The columns: the six staff roles and the portal patient at clinic A, the outsider (a
# physician of clinic B) and an anonymous visitor.
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
    """The cast, plus the ids of the objects the rows name ({amina}, {amina_decision}...)."""

    cast: Cast
    ids: dict[str, int]


def cast_ids(cast: Cast) -> dict[str, int]:
    """The ids every table of rows may name: the three patients and the two clinics."""
    return {
        "amina": cast.amina.pk,
        "bilal": cast.bilal.pk,
        "zara": cast.zara.pk,
        "clinic_a": cast.clinic_a.pk,
        "clinic_b": cast.clinic_b.pk,
    }


def client_as(role: str, cast: Cast) -> Client:
    """A test client signed in as the cast member of that role (none for "anonymous")."""
    client = Client()
    if role != "anonymous":
        client.force_login(cast.users[role])
    return client


def send(
    client: Client, route: str, ids: Mapping[str, int], body: Any, *, multipart: bool = False
) -> Any:
    """One row's request: JSON for the API and FHIR (unless ``multipart``), a GET or a form
    post (multipart when the body holds a file) for the pages."""
    method, template = route.split(" ", 1)
    path = template.format(**ids)
    if path.startswith(("/api/", "/fhir")) and not multipart:
        return client.generic(
            method,
            path,
            data=b"" if body is None else json.dumps(body),
            content_type="application/json",
        )
    if method == "GET":
        return client.get(path)
    assert method == "POST", route
    return client.post(path, body or {})


def walk_column(
    role: str,
    world: World,
    routes: Iterable[str],
    bodies: Mapping[str, Callable[[Any], Any]],
    snapshot: Callable[[], object] = lambda: None,
) -> tuple[dict[str, int], set[str]]:
    """Each route as ``role``, each in a savepoint rolled back so that every route meets the
    same database: the status of each, and the routes that changed what ``snapshot`` sees."""
    client = client_as(role, world.cast)
    statuses: dict[str, int] = {}
    writes: set[str] = set()
    for route in routes:
        with transaction.atomic():
            before = snapshot()
            body = bodies[route](world) if route in bodies else None
            statuses[route] = send(client, route, world.ids, body).status_code
            if snapshot() != before:
                writes.add(route)
            transaction.set_rollback(True)
    return statuses, writes


class _AnyId(dict[str, int]):
    def __missing__(self, key: str) -> int:
        return 1


def row_route(key: str) -> tuple[str, str]:
    """A row's method and the URL route it resolves to ("GET", "biologics/<int:pk>/")."""
    method, template = key.split(" ", 1)
    path = template.format_map(_AnyId()).split("?")[0]
    return method, resolve(path).route


class CompiledRows:
    """The rows of fixed querysets, read again and again with their SQL compiled once.

    The matrix reads every table a request could change after each of its ~170 writes, for
    each role; building the ORM's SQL anew each time was more than half of a role's run
    (cProfile, outsider: 79 s of 145 s in the snapshot). The rows come back through Django's
    own converters, as ``values()`` gives them, as tuples in the queryset's column order."""

    def __init__(self, querysets: Mapping[str, QuerySet[Any, Any]]) -> None:
        self._queries = []
        for name, queryset in querysets.items():
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            self._queries.append((name, compiler, sql, params))

    def __call__(self) -> dict[str, list[Any]]:
        rows: dict[str, list[Any]] = {}
        for name, compiler, sql, params in self._queries:
            with connections[compiler.using].cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
            rows[name] = list(compiler.results_iter(results=[fetched], tuple_expected=True))
        return rows
