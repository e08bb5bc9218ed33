"""Fixtures of the interop tests: the cast plus full records (stories.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scarclinic.interop.tests.stories import InteropWorld, build_interop_world
from tests.cast import Cast


@pytest.fixture
def world(cast: Cast, settings: Any, tmp_path: Any) -> InteropWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_interop_world(cast)
