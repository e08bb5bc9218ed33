from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction

from scarclinic.accounts.models import Membership, User
from scarclinic.patients.models import MedicalHistoryVersion, Patient, SignedConsent
from scarclinic.web import demo
from scarclinic.web.demo import DEMO_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_demo_photos(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo without its photo sets (image processing: more than half of a 20-patient
    seed's time) for the tests about patients, histories and scores. The photo sets draw from
    their own random stream, so everything else is seeded exactly as with them; they have
    their own tests (assessments/tests/test_photo_services.py), and the two tests here that
    seed the whole demo (twice; by the command) keep them."""
    monkeypatch.setattr(demo, "seed_demo_photos", lambda **kwargs: 0)


def _snapshot() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Patient.objects.count(),
        MedicalHistoryVersion.objects.count(),
        SignedConsent.objects.count(),
    )


def test_seeding_twice_creates_nothing_the_second_time() -> None:
    seed_demo(patients=60, seed=3)
    first = _snapshot()
    report = seed_demo(patients=60, seed=3)
    assert report.patients == 0 and report.consents == 0
    assert _snapshot() == first
    assert first[1] == 60


@pytest.mark.usefixtures("no_demo_photos")
def test_the_same_seed_gives_the_same_patients() -> None:
    def run() -> list[tuple[object, ...]]:
        with transaction.atomic():
            seed_demo(patients=20, seed=5)
            rows = list(
                Patient.objects.order_by("mrn").values_list(
                    "mrn", "given_name", "family_name", "date_of_birth", "phone"
                )
            )
            transaction.set_rollback(True)
        return rows

    first = run()
    assert len(first) == 20 and not Patient.objects.exists()
    assert run() == first


@pytest.mark.usefixtures("no_demo_photos")
def test_growing_the_demo_adds_only_the_missing_patients() -> None:
    seed_demo(patients=20, seed=1)
    report = seed_demo(patients=30, seed=1)
    assert report.patients == 10
    assert Patient.objects.count() == 30


def test_every_demo_role_can_sign_in_with_the_demo_password() -> None:
    call_command("seed_demo", patients=10, seed=1)
    for username in ["physician", "nurse", "lab", "frontdesk", "director", "admin", "patient"]:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert Membership.objects.filter(user=user, role=username).exists()


@pytest.mark.usefixtures("no_demo_photos")
def test_demo_histories_are_coherent_and_each_patient_has_a_current_version() -> None:
    from django.utils import timezone

    from scarclinic.clinical.history import history_problems

    seed_demo(patients=200, seed=2)
    today = timezone.localdate()
    for patient in Patient.objects.select_related("current_history"):
        assert patient.current_history is not None
        assert history_problems(patient.current_history.to_core(), today=today) == {}


@pytest.mark.usefixtures("no_demo_photos")
def test_the_portal_patient_opens_their_own_record() -> None:
    seed_demo(patients=5, seed=1)
    patient = Patient.objects.get(portal_user__username="patient")
    assert patient.mrn == "ISB-000001"
    assert patient.portal_user is not None and patient.portal_user.first_name == patient.given_name


@pytest.mark.usefixtures("no_demo_photos")
def test_demo_assessment_scores_agree_with_their_region_counts() -> None:
    from scarclinic.assessments.models import ScarAssessment
    from scarclinic.assessments.selectors import findings_grid
    from scarclinic.clinical.scales import scores_from_findings

    seed_demo(patients=80, seed=4)
    assessments = list(ScarAssessment.objects.prefetch_related("findings"))
    assert len(assessments) > 20
    for assessment in assessments:
        scores = scores_from_findings(findings_grid(assessment), float(assessment.keloid_area_cm2))
        assert (scores.goodman_baron, scores.ecca) == (
            assessment.goodman_baron_score,
            assessment.ecca_score,
        )
        assert assessment.status == "signed" and assessment.qualitative_grade in (1, 2, 3, 4)
