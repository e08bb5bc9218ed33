"""The floor: what a page would cost if Django did nothing but its SQL.

``RecordViewQueries`` (innermost middleware, bench settings only) records, when a request
carries ``X-Bench-Record: <page>``, every statement the view and its template run, with
their parameters, into ``BENCH_FLOOR_DIR/<page>.pickle``. ``floor_view`` replays exactly
those statements (fetching every row) behind the same middleware and returns a few bytes,
so ours / floor is what the view, its template and the response add over the database.

The replay runs in one transaction that is rolled back: a page's writes (its audit entry,
the chain head's update) are executed, locks included, but leave nothing behind. The audit
entry's ``seq`` is unique, so the replayed insert gets a negative ``seq`` of its own; the
real page commits and the floor rolls back, which favours the floor slightly."""

from __future__ import annotations

import pickle
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_INSERT = re.compile(r'^INSERT INTO "audit_auditentry" \((?P<columns>[^)]*)\)')


def _path(page: str) -> Path:
    return Path(settings.BENCH_FLOOR_DIR) / f"{page}.pickle"


class RecordViewQueries:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page = request.headers.get("X-Bench-Record", "")
        if not page or not settings.BENCH_FLOOR_DIR or not re.fullmatch(r"[\w-]+", page):
            return self.get_response(request)
        statements: list[tuple[str, Any, bool]] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if many:
                params = list(params)
            statements.append((sql, params, many))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = self.get_response(request)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        session = getattr(request, "session", None)
        data = {
            "statements": statements,
            "session_modified": bool(session is not None and session.modified),
            "status": response.status_code,
        }
        _path(page).parent.mkdir(parents=True, exist_ok=True)
        _path(page).write_bytes(pickle.dumps(data))
        return response


def _load(page: str) -> dict[str, Any]:
    path = _path(page)
    mtime = path.stat().st_mtime
    cached = _cache.get(page)
    if cached is None or cached[0] != mtime:
        cached = (mtime, pickle.loads(path.read_bytes()))  # noqa: S301 - our own file
        _cache[page] = cached
    return cached[1]


def _audit_seq_index(sql: str) -> int | None:
    match = _INSERT.match(sql)
    if match is None:
        return None
    columns = [c.strip().strip('"') for c in match["columns"].split(",")]
    return columns.index("seq") if "seq" in columns else None


def _run(statements: list[tuple[str, Any, bool]]) -> None:
    with connection.cursor() as cursor:
        for sql, params, many in statements:
            if sql.lstrip().upper().startswith("BEGIN"):
                continue  # SQLite's atomic() sends BEGIN as a statement; the replay has its own
            index = _audit_seq_index(sql) if not many else None
            if index is not None:
                params = list(params)
                params[index] = -random.randint(1, 2**62)
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()


def replay(statements: list[tuple[str, Any, bool]]) -> int:
    """Run the statements; a page that writes has them run in one transaction, rolled back
    (a read-only page's run in autocommit, as the page ran them). Returns how many ran."""
    writes = any(not sql.lstrip().upper().startswith("SELECT") for sql, _, _ in statements)
    if not writes or connection.in_atomic_block:
        # Read-only; or inside a transaction someone else rolls back (a test's), where the
        # page's own savepoints are among the statements and a savepoint of ours would add
        # statements the page did not make.
        _run(statements)
        return len(statements)
    with transaction.atomic():
        _run(statements)
        transaction.set_rollback(True)
    return len(statements)


def floor_view(request: HttpRequest, page: str) -> HttpResponse:
    data = _load(page)
    n = replay(data["statements"])
    if data["session_modified"]:
        request.session.modified = True  # the real page saved its session: so does the floor
    return HttpResponse(f"{page}: {n} statements\n", content_type="text/plain")
