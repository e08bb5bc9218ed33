from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.portal.tests.stories import PortalStory
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_the_patient_lists_only_their_own_upcoming_appointments(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    rows = login(cast.patient).get("/api/v1/portal/appointments").json()
    assert [r["id"] for r in rows] == [story.booked.pk]
    assert rows[0]["treatment"] == "Microneedling with PRP"


def test_staff_cannot_use_the_portal_api(cast: Cast, login: Login) -> None:
    assert login(cast.nurse).get("/api/v1/portal/appointments").status_code == 403


def test_a_side_effect_through_the_api_is_a_draft_and_a_future_date_is_422(
    cast: Cast, login: Login
) -> None:
    client = login(cast.patient)
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/portal/side-effects",
        json.dumps({"onset_on": tomorrow, "description": "Red"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "onset_on"
    assert not AdverseEvent.objects.exists()
    response = client.post(
        "/api/v1/portal/side-effects",
        json.dumps({"onset_on": timezone.localdate().isoformat(), "description": "Red cheek"}),
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "draft"
    assert AdverseEvent.objects.get().patient == cast.amina
