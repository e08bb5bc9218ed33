from __future__ import annotations

import pytest

from scarclinic.portal.demo import seed_demo_portal
from scarclinic.portal.models import ConsentRequest
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_the_demo_patient_gets_one_consent_to_sign_and_only_once(cast: Cast) -> None:
    assert seed_demo_portal(patient=cast.amina, by=cast.nurse) == 1
    assert seed_demo_portal(patient=cast.amina, by=cast.nurse) == 0
    request = ConsentRequest.objects.get()
    assert request.patient == cast.amina and request.template.clinic == cast.clinic_a
