"""The demo cell lab: every status, QC failures, fake FIN and local codes, idempotent."""

from __future__ import annotations

import random

import pytest

from scarclinic.accounts.models import Membership, User
from scarclinic.biologics.demo import seed_demo_biologics
from scarclinic.biologics.models import (
    BedsideCheck,
    BiologicsSettings,
    ProductCode,
    ProductStatus,
    ProductUnit,
    QcTestResult,
)
from scarclinic.biologics.tests.stories import LabWorld
from scarclinic.web.demo import DEMO_PASSWORD
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _demo_users(cast: Cast) -> dict[str, User]:
    """Demo-like staff with the demo password (the demo signs releases with it)."""
    users = {}
    for role in ("lab", "director", "nurse", "physician"):
        user = User.objects.create_user(username=f"demo.{role}", password=DEMO_PASSWORD)
        Membership.objects.create(user=user, clinic=cast.clinic_a, role=role)
        users[role] = user
    return users


def test_the_demo_has_units_in_every_status_with_failures_and_fake_identifiers(
    world: LabWorld,
) -> None:
    cast = world.cast
    BiologicsSettings.objects.filter(clinic=cast.clinic_a).delete()
    users = _demo_users(cast)
    patients = [cast.amina, cast.bilal]
    made = seed_demo_biologics(
        clinic=cast.clinic_a, users=users, patients=patients, rng=random.Random(1)
    )
    units = ProductUnit.objects.filter(clinic=cast.clinic_a)
    assert made == units.count() > 0
    assert set(units.values_list("status", flat=True)) == set(ProductStatus.values)
    assert units.filter(exceptional_release=True).exists()
    settings = BiologicsSettings.objects.get(clinic=cast.clinic_a)
    assert settings.facility_identification_number.startswith("DEMO") and settings.fin_is_demo
    assert all(din.startswith("DEMO") for din in units.values_list("din", flat=True))
    codes = ProductCode.objects.filter(clinic=cast.clinic_a)
    assert codes and all(c.is_local_test_code and "LOCAL TEST" in c.description for c in codes)
    texts = set(
        QcTestResult.objects.filter(product__clinic=cast.clinic_a).values_list("text", flat=True)
    )
    assert {"Positive", "Growth: coagulase-negative staphylococci"} <= texts
    assert BedsideCheck.objects.filter(clinic=cast.clinic_a, outcome="refused").exists()
    again = seed_demo_biologics(
        clinic=cast.clinic_a, users=users, patients=patients, rng=random.Random(1)
    )
    assert again == 0 and ProductUnit.objects.filter(clinic=cast.clinic_a).count() == made
