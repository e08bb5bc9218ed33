"""The demo adverse events: realistic, mostly mild, one serious awaiting review, one linked to
a cell product unit; idempotent."""

from __future__ import annotations

import random

import pytest

from scarclinic.outcomes.demo import seed_demo_adverse_events
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.outcomes.tests.stories import course, svf_given_to_amina
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_the_demo_makes_a_few_realistic_events_once(cast: Cast) -> None:
    course(cast)
    unit, _ = svf_given_to_amina(cast)
    made = seed_demo_adverse_events(clinic=cast.clinic_a, users=cast.users, rng=random.Random(1))
    events = list(AdverseEvent.objects.filter(clinic=cast.clinic_a))
    assert made == len(events) >= 4
    recorded = [e for e in events if e.status == "recorded"]
    assert sum(e.severity is not None and e.severity <= 2 for e in recorded) >= len(recorded) - 1
    assert [e.awaits_review for e in events].count(True) == 1
    assert [e.product_unit_id for e in events if e.product_unit_id] == [unit.pk]
    assert [e.source for e in events if e.status == "draft"] == ["patient"]
    assert all(e.procedure is None or e.procedure.patient_id == e.patient_id for e in events)
    assert (
        seed_demo_adverse_events(clinic=cast.clinic_a, users=cast.users, rng=random.Random(1)) == 0
    )
