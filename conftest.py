"""Fixtures shared by every test (src/ and tests/): the named cast and a login helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from tests.cast import PASSWORD, Cast, build_cast


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
