"""Schemathesis against /api/v1/openapi.json: every operation, generated bodies and
parameters, signed in as a physician. No 5xx, and responses match the documented schema.

Bounded here (SCHEMATHESIS_EXAMPLES, default 6 per operation) so `make test` stays fast;
`bench/api_fuzz.sh` runs the same with many more examples."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.cast import Cast

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CSRF = "Sch3mathesisCsrfToken0123456789a"  # 32 letters and digits, as Django expects


# Loaded at collection: the schema view needs no database, only the URL configuration.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open() -> Iterator[None]:
    # The WSGI calls run inside the test's transaction; like Django's own test client, stop
    # the end of each request from closing the database connection under it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def session_cookies(cast: Cast) -> dict[str, str]:
    client = Client()
    client.force_login(cast.physician)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_fails_on_generated_input(
    case: Any, session_cookies: dict[str, str], db: None
) -> None:
    case.call_and_validate(
        cookies=session_cookies,
        headers={"X-CSRFToken": CSRF},
        checks=[not_a_server_error, response_schema_conformance],
    )
