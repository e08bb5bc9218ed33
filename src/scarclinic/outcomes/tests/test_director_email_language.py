"""The email about a serious adverse event reaches each medical director in their own stored
language, whatever language the person who recorded the event was using."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Role
from scarclinic.outcomes.tests.stories import serious_event
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _directors(cast: Cast) -> None:
    cast.director.email = "director@clinic-a.example"
    cast.director.preferred_language = "en"
    cast.director.save()
    urdu = User.objects.create_user(
        username="director.ur", email="hakim@clinic-a.example", preferred_language="ur"
    )
    Membership.objects.create(user=urdu, clinic=cast.clinic_a, role=Role.DIRECTOR)


@pytest.mark.parametrize("recorded_in", ["en", "ur"])
def test_each_director_is_written_to_in_their_own_language(
    cast: Cast, django_capture_on_commit_callbacks: Any, recorded_in: str
) -> None:
    _directors(cast)
    with translation.override(recorded_in), django_capture_on_commit_callbacks(execute=True):
        event = serious_event(cast)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["director@clinic-a.example", "hakim@clinic-a.example"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # no director sees another's address
    english, urdu = by_address["director@clinic-a.example"], by_address["hakim@clinic-a.example"]
    assert english.subject == f"Serious adverse event to review (#{event.pk})"
    assert "waits for your review" in english.body
    assert urdu.subject == f"جائزے کے لیے سنگین مضر اثر (#{event.pk})"
    assert "review" not in urdu.body and "sign-in" not in urdu.body
    for message in mail.outbox:
        assert f"/outcomes/adverse-events/{event.pk}/" in message.body
        assert "Amina" not in message.body + message.subject
