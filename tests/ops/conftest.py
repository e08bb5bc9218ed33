from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ops import postgres


@pytest.fixture(scope="session", autouse=True)
def _drop_the_ops_template() -> Iterator[None]:
    yield
    postgres.drop_template()
