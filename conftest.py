"""Fixtures shared by every test (src/ and tests/): the named cast and a login helper."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings

from scarclinic.accounts.models import User
from tests.cast import PASSWORD, Cast, build_cast

# Hypothesis profiles: "ci" (the default, what make test runs) keeps Hypothesis's defaults;
# "thorough" (HYPOTHESIS_PROFILE=thorough, before a release) draws ten times as many. The
# database-heavy property tests take their budget from the profile (tests/budget.py), so one
# switch lengthens every run.
hypothesis_settings.register_profile("ci", hypothesis_settings.get_profile("default"))
hypothesis_settings.register_profile("thorough", max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """login(user) signs the test client in as that user and returns the client."""

    def _login(user: User) -> Client:
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2 at production strength costs ~0.3 s a user; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run_sql(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def _audit_triggers_lifted_for_the_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests (browser tests, concurrency tests) commit for real, so
    pytest-django empties every table after each one, and the audit log's append-only
    triggers refuse that. The triggers stay on while the test runs and are dropped only for
    the flush: this teardown runs just before transactional_db's."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    triggers = importlib.import_module("scarclinic.audit.migrations.0002_append_only_triggers")
    create, drop = triggers.BY_VENDOR[connection.vendor]
    _run_sql(drop + create)  # idempotent: a previous flush left them dropped
    yield
    _run_sql(drop)


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Photos written by a test land in the test's own folder, never in var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_lockout_unless_asked(settings) -> None:  # type: ignore[no-untyped-def]
    # django-axes needs the request to count failures, and the test client's login() has
    # none; tests of the lock-out switch it back on.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _second_factor_off_unless_asked(settings) -> None:  # type: ignore[no-untyped-def]
    # Tests sign in with a password only; the two-factor tests switch the requirement on.
    settings.REQUIRE_STAFF_2FA = False


@pytest.fixture(autouse=True)
def _english_and_the_default_zone_to_start() -> Iterator[None]:
    # A request in Urdu leaves Urdu active in the thread (LocaleMiddleware activates, nothing
    # deactivates), and the next test on the same xdist worker would start in it.
    from django.utils import timezone, translation

    translation.activate("en")
    timezone.deactivate()
    yield
    translation.activate("en")
    timezone.deactivate()
