"""FHIR bulk export speed and memory: resources per second and peak memory at two sizes.

    python bench/fhir_export.py                 # the database in DATABASE_URL (the network's)
    python bench/fhir_export.py --quick         # smaller sizes
    DATABASE_URL=sqlite:///var/bench/fhir.sqlite3 python bench/fhir_export.py --build 2000

It streams the bulk export of the largest clinic exactly as the background task does (the
exporters of scarclinic.interop.export, each resource built with fhir.resources and written
as one NDJSON line to a temporary file) and stops after N resources, for two values of N.
Each size runs twice: once for speed, once under tracemalloc for the peak of Python memory
(tracemalloc slows it down, so its time is not the figure). Peak memory that does not grow
with N is what "memory flat" means. With ``--build N`` an empty database is first filled with
the benchmark network (scarclinic.web.demo_network). Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scarclinic.config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'fhir.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from scarclinic.accounts.models import Clinic  # noqa: E402
from scarclinic.config.db_routing import replica_reads  # noqa: E402
from scarclinic.interop import export  # noqa: E402
from scarclinic.interop.resources import streaming  # noqa: E402


def stream(clinic: Clinic, limit: int) -> tuple[int, int, dict[str, int]]:
    """Export up to ``limit`` resources; (resources, bytes, per type)."""
    count, size, per_type = 0, 0, {}
    with tempfile.TemporaryFile() as out, replica_reads(), streaming():
        for exporter in export.EXPORTERS:
            n = 0
            for resource_obj in exporter.rows(clinic, "4.0", "http://bench.invalid"):
                line = resource_obj.model_dump_json().encode() + b"\n"
                out.write(line)
                size += len(line)
                n += 1
                count += 1
                if count >= limit:
                    break
            per_type[exporter.resource_type] = n
            if count >= limit:
                break
    return count, size, per_type


def calibration() -> float:
    """Observations built per second by fhir.resources alone, no database: how busy the
    machine is (the same figure idle says what the export would reach there)."""
    from scarclinic.interop.resources import resource_class

    observation = resource_class("4.0", "Observation")
    started, n = time.perf_counter(), 2000
    for i in range(n):
        observation(
            id=f"observation-{i}",
            status="final",
            code={
                "coding": [
                    {"system": "https://scarclinic.org/fhir/CodeSystem/scar-scales", "code": "ecca"}
                ]
            },
            subject={"reference": "Patient/patient-1"},
            effectiveDateTime="2026-01-01",
            valueInteger=50,
        )
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="")
    parser.add_argument("--build", type=int, default=0, help="build the network first (patients)")
    args = parser.parse_args()
    sizes = [
        int(s) for s in (args.sizes or ("5000,20000" if args.quick else "20000,100000")).split(",")
    ]
    if args.build:
        Path(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0)
        if not Clinic.objects.filter(patients__isnull=False).exists():
            from scarclinic.web.demo_network import build_network

            started = time.perf_counter()
            build_network(patients=args.build)
            print(
                f"built the network ({args.build} patients) in {time.perf_counter() - started:.0f} s"
            )
    clinic = Clinic.objects.annotate(n=Count("patients")).order_by("-n").first()
    if clinic is None or not clinic.n:  # type: ignore[attr-defined]
        print("no patients in this database: run with --build N")
        return
    print(
        f"database: {connection.vendor}; clinic {clinic.code} with {clinic.n:,} patients"  # type: ignore[attr-defined]
    )
    print(
        f"calibration: fhir.resources builds {calibration():,.0f} bare Observations/s here "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(
        "| resources | seconds | resources/s | MB written | peak Python memory (tracemalloc) | max RSS of the process |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        started = time.perf_counter()
        count, written, per_type = stream(clinic, size)
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        stream(clinic, size)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"| {count:,} | {elapsed:.1f} | {count / elapsed:,.0f} | {written / 1e6:.1f} "
            f"| {peak / 1e6:.1f} MB | {rss_mb:.0f} MB |"
        )
        print(f"  by type: {per_type}")


if __name__ == "__main__":
    main()
