"""Benchmark of the clinic analytics at network scale: prints, for clinics of 1k, 10k and
100k patients (about ``--per-patient`` signed assessments each), the time to compute the
aggregates in the database, the time to fit the mixed-effects model, and the time the
director's comparison page takes to answer from the precomputed snapshot.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/analytics_db \\
        .venv/bin/python bench/analytics.py --sizes 1000,10000,100000

A clinic "BENCH<n>" of each size is built once with bulk inserts (patients, signed
assessments whose scores fall with the sessions done, plans, sessions and signed procedure
records through the demo history loader) and reused on the next run. Never in tests: wall
clock figures belong here, not in assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scarclinic.config.settings")
os.environ.setdefault("REQUIRE_STAFF_2FA", "0")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from scarclinic.accounts.models import Clinic, Membership, User  # noqa: E402
from scarclinic.accounts.roles import Role  # noqa: E402
from scarclinic.analytics.demo_trajectories import DemoCourse, DemoSession  # noqa: E402
from scarclinic.analytics.services import snapshot_compute  # noqa: E402
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment  # noqa: E402
from scarclinic.clinical.evidence import Modality  # noqa: E402
from scarclinic.patients.models import Patient  # noqa: E402
from scarclinic.treatments.demo_plans import seed_demo_history  # noqa: E402

MODALITIES = (
    (Modality.MICRONEEDLING_PRP, 6.0),
    (Modality.TCA_CROSS, 5.0),
    (Modality.FRACTIONAL_ABLATIVE_LASER, 7.0),
    (Modality.STEM_CELL_SVF_INJECTION, 9.0),
    (Modality.SUBCISION, 4.0),
)


def _staff(code: str) -> tuple[Clinic, User]:
    clinic, _ = Clinic.objects.get_or_create(code=code, defaults={"name": f"Bench clinic {code}"})
    user, made = User.objects.get_or_create(username=f"bench.{code.lower()}")
    if made:
        user.set_password("bench-analytics-only")
        user.save()
    Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": Role.DIRECTOR})
    return clinic, user


def build(size: int, per_patient: int, batch: int = 2000) -> tuple[Clinic, User, float]:
    clinic, director = _staff(f"BENCH{size}")
    have = Patient.objects.filter(clinic=clinic).count()
    if have >= size:
        return clinic, director, 0.0
    started = time.perf_counter()
    rng = random.Random(size)
    now = timezone.now()
    for first in range(have, size, batch):
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                Patient(
                    clinic=clinic,
                    mrn=f"B{size}-{n:07d}",
                    given_name="Bench",
                    family_name=f"Patient {n}",
                    date_of_birth=date(1990, 1, 1) + timedelta(days=n % 5000),
                )
                for n in range(first, min(first + batch, size))
            )
            rows: list[ScarAssessment] = []
            courses: list[tuple[Patient, int, DemoCourse]] = []
            for patient in patients:
                modality, effect = MODALITIES[rng.randrange(len(MODALITIES))]
                start = date(2023, 1, 2) + timedelta(days=rng.randrange(700))
                intercept = rng.gauss(0, 4)
                base_gb, base_ecca = rng.randint(20, 70), rng.randint(150, 450)
                sessions = [start + timedelta(days=28 * (k + 1)) for k in range(3)]
                index = len(rows)
                for v in range(per_patient):
                    on = start + timedelta(days=30 * v)
                    done = sum(1 for s in sessions if s < on)
                    share = 0.0 if v == 0 else effect * done + intercept + rng.gauss(0, 3)
                    share = min(max(share, -30.0), 95.0)
                    rows.append(
                        ScarAssessment(
                            patient=patient,
                            visit_date=on,
                            assessed_by=director,
                            status=AssessmentStatus.SIGNED,
                            fitzpatrick=rng.choice((3, 4, 4, 5)),
                            keloid_area_cm2=Decimal(0),
                            goodman_baron_score=round(base_gb * (1 - share / 100)),
                            ecca_score=round(base_ecca * (1 - share / 100)),
                            signed_at=now,
                            signed_by=director,
                        )
                    )
                course = DemoCourse(
                    planned={modality: 3},
                    interval_weeks={modality: 4},
                    sessions=tuple(DemoSession(d, modality, k + 1) for k, d in enumerate(sessions)),
                    dropped_out=False,
                )
                courses.append((patient, index, course))
            ScarAssessment.objects.bulk_create(rows, batch_size=5000)
            seed_demo_history(courses=[(p, rows[i], c) for p, i, c in courses], physician=director)
        print(f"  built {min(first + batch, size):>7} / {size} patients", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return clinic, director, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--per-patient", type=int, default=10, help="assessments per patient")
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    for size in (int(s) for s in args.sizes.split(",")):
        clinic, director, built = build(size, args.per_patient)
        counts = (
            Patient.objects.filter(clinic=clinic).count(),
            ScarAssessment.objects.filter(patient__clinic=clinic).count(),
        )
        started = time.perf_counter()
        snapshot = snapshot_compute(clinic_id=clinic.pk)
        total = time.perf_counter() - started
        timings = snapshot.inputs.get("timings_ms", {})
        client = Client()
        client.force_login(director)
        client.get("/analytics/comparison/")  # warm: templates, imports
        reads = []
        for _ in range(5):
            t = time.perf_counter()
            response = client.get("/analytics/comparison/")
            reads.append(time.perf_counter() - t)
            assert response.status_code == 200
        print(
            f"{counts[0]:>7} patients, {counts[1]:>8} assessments"
            f"{f' (built in {built:.0f} s)' if built else ''}: "
            f"snapshot {total:.1f} s = aggregates {timings.get('aggregates', 0) / 1000:.1f} s "
            f"+ model {timings.get('model', 0) / 1000:.1f} s (both scales; model on "
            f"{snapshot.results['goodman_baron_quantitative']['model_inputs']['patients']} "
            f"patients); comparison page {min(reads) * 1000:.0f} ms (best of 5)",
            flush=True,
        )


if __name__ == "__main__":
    main()
