from __future__ import annotations

from typing import Any

import pytest

from scarclinic.portal.tests.stories import PortalStory, portal_story
from tests.cast import Cast


@pytest.fixture
def story(cast: Cast, settings: Any, tmp_path: Any) -> PortalStory:
    settings.MEDIA_ROOT = tmp_path / "media"
    return portal_story(cast)
