"""Synthetic cohorts with a KNOWN effect, written to the database the way the app stores them
(signed assessments; plans, sessions and signed procedure records through the demo history
loader), so the statistics can be checked against the truth."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from scarclinic.accounts.models import Clinic, User
from scarclinic.analytics.demo_trajectories import DemoCourse, DemoSession
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.demo_plans import seed_demo_history

BASELINE_GB = 60  # within 0-84 (clinical reference §3)
BASELINE_ECCA = 400  # within 0-540 (§4)


def build_cohort(
    *,
    clinic: Clinic,
    physician: User,
    effects: dict[Modality, float],
    patients_per_modality: int,
    patient_sd: float = 3.0,
    noise_sd: float = 2.0,
    seed: int = 7,
    untreated: int = 0,
    start: date = date(2024, 1, 8),
) -> list[Patient]:
    """Per modality, patients with 4 sessions two weeks apart, assessed at baseline, after
    2 sessions and after 4; their % improvement is effect x sessions + their own intercept +
    noise. ``untreated`` patients are assessed twice with no session between."""
    rng = random.Random(seed)
    now = timezone.now()
    made: list[Patient] = []
    courses: list[tuple[Patient, ScarAssessment, DemoCourse]] = []
    plan: list[tuple[Modality | None, int]] = [
        (m, i) for m in effects for i in range(patients_per_modality)
    ] + [(None, i) for i in range(untreated)]
    for n, (modality, _) in enumerate(plan):
        patient = Patient.objects.create(
            clinic=clinic,
            mrn=f"SYN-{seed}-{n:05d}",
            given_name="Synthetic",
            family_name=f"Patient {n}",
            date_of_birth=date(1995, 1, 1),
        )
        made.append(patient)
        intercept = rng.gauss(0, patient_sd)
        session_days = [start + timedelta(days=14 * (k + 1)) for k in range(4)]
        visits = [(start, 0), (session_days[2], 2), (session_days[3] + timedelta(days=21), 4)]
        if modality is None:
            visits = [(start, 0), (start + timedelta(days=90), 0)]
        rows = []
        for on, done in visits:
            if done == 0 and on == start:
                share = 0.0
            else:
                effect = effects[modality] if modality else 0.0
                share = effect * done + intercept + rng.gauss(0, noise_sd)
            share = min(max(share, -50.0), 95.0)
            rows.append(
                ScarAssessment(
                    patient=patient,
                    visit_date=on,
                    assessed_by=physician,
                    status=AssessmentStatus.SIGNED,
                    fitzpatrick=4,
                    keloid_area_cm2=Decimal(0),
                    goodman_baron_score=round(BASELINE_GB * (1 - share / 100)),
                    ecca_score=round(BASELINE_ECCA * (1 - share / 100)),
                    signed_at=now,
                    signed_by=physician,
                )
            )
        ScarAssessment.objects.bulk_create(rows)
        if modality is not None:
            course = DemoCourse(
                planned={modality: 4},
                interval_weeks={modality: 2},
                sessions=tuple(DemoSession(d, modality, k + 1) for k, d in enumerate(session_days)),
                dropped_out=False,
            )
            courses.append((patient, rows[0], course))
    seed_demo_history(courses=courses, physician=physician)
    return made
