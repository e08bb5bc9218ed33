"""How many examples a database-heavy property test draws: every example builds records
through the services, so these draw a quarter of the loaded Hypothesis profile's examples
(25 under "ci", the default; 250 under HYPOTHESIS_PROFILE=thorough), never fewer than 25."""

from __future__ import annotations

from hypothesis import settings

FLOOR = 25


def db_examples() -> int:
    return max(FLOOR, settings.default.max_examples // 4)
