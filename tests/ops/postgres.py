"""Databases of our own on the local PostgreSQL server, for the tests that run real
processes (worker, gunicorn) or need two databases (replica routing).

The server is the one DATABASE_URL names; the databases are ``ops_<purpose>_<pid>_<n>``,
never ``test`` or ``test_test``. One migrated template per test process (``migrate`` takes
about ten seconds); every test copies it (CREATE DATABASE ... TEMPLATE, well under a second)
and drops its copy afterwards."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
_counter = itertools.count()
_template: str | None = None


def server() -> dict[str, Any]:
    """Connection parameters of the PostgreSQL server of this run, or a skip."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (this run is on SQLite): set DATABASE_URL=postgres://...")
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or "",
    }


def url(name: str) -> str:
    s = server()
    auth = s["user"] + (f":{s['password']}" if s["password"] else "")
    return f"postgres://{auth}@{s['host']}:{s['port']}/{name}"


def admin_sql(sql: str) -> None:
    _admin(sql)


def _admin(sql: str) -> None:
    s = server()
    with psycopg.connect(dbname="postgres", autocommit=True, **s) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def manage(*args: str, env: dict[str, str], timeout: float = 180) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=base_env() | env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def base_env() -> dict[str, str]:
    """The environment of a child process: this one's, without test-only settings."""
    drop = {"DATABASE_URL", "DATABASE_REPLICA_URL", "SQLITE_TEST_FILE", "TASKS_BACKEND", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    return env


def _migrated_template() -> str:
    global _template
    if _template is None:
        name = f"ops_template_{os.getpid()}"
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
        manage("migrate", "--noinput", "-v0", env={"DATABASE_URL": url(name)})
        _template = name
    return _template


def drop_template() -> None:
    global _template
    if _template is not None:
        _admin(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        _template = None


@contextmanager
def own_database(purpose: str, *, migrated: bool = True) -> Iterator[str]:
    """A new database (migrated, from the template); yields its name, drops it after."""
    name = f"ops_{purpose}_{os.getpid()}_{next(_counter)}"
    if migrated:
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_migrated_template()}"')
    else:
        _admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        for alias in list(connections.settings):
            if connections.settings[alias].get("NAME") == name:
                connections[alias].close()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_database(source: str, purpose: str) -> str:
    """A snapshot of ``source`` as a new database (it must have no open connections)."""
    name = f"ops_{purpose}_{os.getpid()}_{next(_counter)}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return name


def drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def alias_for(name: str, alias: str) -> Iterator[str]:
    """Django connection ``alias`` to database ``name`` for the length of the block."""
    config = dict(connections.settings["default"])
    config["NAME"] = name
    config["TEST"] = {"NAME": name}
    connections.settings[alias] = config
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
