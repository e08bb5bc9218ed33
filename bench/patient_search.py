"""Patient search at clinic scale: seeds N patients (default 100,000) and prints latencies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scarclinic_bench python bench/patient_search.py
    python bench/patient_search.py --patients 20000   # SQLite under var/ by default

Prints, per kind of query, the median and 95th percentile of `patient_search` (the selector
behind the list page and the API, audit entry included) and of the bare SQL it runs, so
the ratio shows what the application adds. Also prints the PostgreSQL plan of each query,
to show which index it uses. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scarclinic.config.settings")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parents[1] / 'var' / 'bench.sqlite3'}"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from scarclinic.accounts.models import Clinic, User  # noqa: E402
from scarclinic.patients.models import Patient  # noqa: E402
from scarclinic.patients.search import parse_query  # noqa: E402
from scarclinic.patients.selectors import _apply_query, patient_search  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", patients=args.patients, seed=1, verbosity=0)
    print(
        f"database: {connection.vendor}; seed_demo to {args.patients} patients: {time.perf_counter() - started:.1f} s"
    )

    clinic = Clinic.objects.get(code="ISB")
    user = User.objects.get(username="physician")
    sample = Patient.objects.filter(clinic=clinic).order_by("id")[args.patients // 3]
    queries = {
        "family name prefix": sample.family_name[:4],
        "given + family": f"{sample.given_name[:3]} {sample.family_name[:3]}",
        "MRN": sample.mrn,
        "phone": sample.phone,
        "birth date": sample.date_of_birth.isoformat(),
        "typo: prefix miss, trigram": sample.family_name[:-1] + "qx" + " " + sample.given_name,
    }
    print(
        f"\n{'query':24} {'results':>7} {'app p50 ms':>11} {'app p95 ms':>11} {'sql p50 ms':>11} {'ratio':>6}"
    )
    for label, text in queries.items():
        app: list[float] = []
        bare: list[float] = []
        results = 0
        base = Patient.objects.filter(clinic_id=clinic.pk).select_related("current_history")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            results = len(patient_search(user=user, clinic_id=clinic.pk, text=text))
            app.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            list(_apply_query(base, parse_query(text))[:50])
            bare.append((time.perf_counter() - t0) * 1000)
        p50_app, p50_sql = statistics.median(app), statistics.median(bare)
        print(
            f"{label:24} {results:7d} {p50_app:11.2f} {percentile(app, 0.95):11.2f} {p50_sql:11.2f} {p50_app / p50_sql:6.1f}"
        )
    if connection.vendor == "postgresql":
        print("\nPostgreSQL plans:")
        for label, text in queries.items():
            qs = _apply_query(Patient.objects.filter(clinic_id=clinic.pk), parse_query(text))[:50]
            plan = qs.explain()
            index_lines = [
                line.strip() for line in plan.splitlines() if "Index" in line or "Seq Scan" in line
            ]
            print(f"  {label}: {index_lines[0] if index_lines else plan.splitlines()[0]}")


if __name__ == "__main__":
    main()
