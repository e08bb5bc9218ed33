"""Fixtures of the cell lab's tests: the cast plus the lab's world (stories.py)."""

from __future__ import annotations

import pytest

from scarclinic.biologics.tests.stories import LabWorld, build_lab_world
from tests.cast import Cast


@pytest.fixture
def world(cast: Cast) -> LabWorld:
    return build_lab_world(cast)
