"""One database's part of the benchmark, run in its own process by ``python -m bench``:
build the network data (``--build N``), then render every page once in-process with the
recorder on (``RecordViewQueries``) and count the queries of the page and of its floor.

    DATABASE_URL=... python -m bench.prepare --build 1000 --floor-dir DIR --out pages.json

Writes JSON: the build report (when built) and, per page, its URL, user, status, query
count and the floor's query count."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _setup(floor_dir: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_FLOOR_DIR"] = floor_dir
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("REQUIRE_STAFF_2FA", "0")
    import django

    django.setup()


def pages() -> list[dict[str, Any]]:
    """The pages measured, with concrete ids from this database: who opens them and where.

    The patient is a bulk patient of the first clinic with a full course and a cell
    product; the search is the first four letters of their family name (hundreds of hits
    at full size); the calendar is this week, which has booked sessions."""
    from datetime import timedelta

    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from scarclinic.accounts.models import Clinic
    from scarclinic.biologics.models import ProductUnit

    def treated(clinic_id: int) -> Any:
        unit = (
            ProductUnit.objects.filter(
                clinic_id=clinic_id, status="administered", collection__kind="blood_draw"
            )
            .select_related("intended_recipient")
            .order_by("-id")
            .first()
        )
        if unit is None or unit.intended_recipient is None:
            raise SystemExit("no administered PRP unit: is the network data loaded?")
        return unit.intended_recipient

    patient = treated(Clinic.objects.get(code="ISB").pk)
    # The director works in their first clinic (by name) unless they switch: the lookback
    # and the comparison are that clinic's.
    director_clinic = _director_clinic()
    recipient = treated(director_clinic.pk)
    # Next week: the network's booked sessions start tomorrow (this week may be all past).
    next_week = (timezone.localdate() + timedelta(days=7)).isoformat()
    result = [
        {
            "name": "search",
            "label": "patient search",
            "user": "physician",
            "url": f"/patients/?q={patient.family_name[:4].lower()}",
        },
        {
            "name": "chart",
            "label": "patient chart",
            "user": "physician",
            "url": f"/patients/{patient.pk}/",
        },
        {
            "name": "chart-assessments",
            "label": "chart: assessments section",
            "user": "physician",
            "url": f"/assessments/patient/{patient.pk}/section/",
        },
        {
            "name": "assessment-entry",
            "label": "assessment entry",
            "user": "physician",
            "url": f"/assessments/patient/{patient.pk}/new/",
        },
        {
            "name": "calendar-week",
            "label": "calendar week",
            "user": "physician",
            "url": f"/treatments/calendar/?view=week&date={next_week}",
        },
        {"name": "inventory", "label": "lab inventory", "user": "lab", "url": "/biologics/"},
        {
            "name": "lookback",
            "label": "product lookback",
            "user": "director",
            "url": f"/biologics/lookback/?mrn={recipient.mrn}",
        },
    ]
    with contextlib.suppress(NoReverseMatch):
        result.append(
            {
                "name": "analytics",
                "label": "director's analytics",
                "user": "director",
                "url": reverse("analytics:comparison"),
            }
        )
    return result


def _director_clinic() -> Any:
    from scarclinic.accounts.access import memberships_of
    from scarclinic.accounts.models import User

    return memberships_of(User.objects.get(username="director"))[0].clinic


def analytics_snapshot(rebuild: bool) -> float | None:
    """The director's comparison reads precomputed aggregates: compute those of the
    director's clinic, timed; None without the analytics app or when already computed."""
    from django.apps import apps

    if not apps.is_installed("scarclinic.analytics"):
        return None
    from scarclinic.analytics.models import AnalyticsSnapshot
    from scarclinic.analytics.services import snapshot_compute

    clinic = _director_clinic()
    if (
        not rebuild
        and AnalyticsSnapshot.objects.filter(clinic=clinic, computed_at__isnull=False).exists()
    ):
        return None
    started = time.perf_counter()
    snapshot_compute(clinic_id=clinic.pk)
    return round(time.perf_counter() - started, 2)


def capture(floor_dir: str) -> list[dict[str, Any]]:
    """Each page twice (the first warms per-process caches), the second recorded; then its
    floor, counted the same way (the whole request, middleware included)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from scarclinic.accounts.models import User

    out = []
    clients: dict[str, Client] = {}
    for page in pages():
        client = clients.get(page["user"])
        if client is None:
            client = clients[page["user"]] = Client()
            client.force_login(User.objects.get(username=page["user"]))
        try:
            client.get(page["url"])
            with CaptureQueriesContext(connection) as real:
                response = client.get(page["url"], headers={"X-Bench-Record": page["name"]})
            with CaptureQueriesContext(connection) as bare:
                floor = client.get(f"/__floor__/{page['name']}/")
        except Exception as error:  # noqa: BLE001 - a broken page is reported, not fatal
            out.append(page | {"status": f"error: {type(error).__name__}: {error}"[:300]})
            continue
        out.append(
            page
            | {
                "status": response.status_code,
                "bytes": len(response.content),
                "queries": len(real),
                "floor_status": floor.status_code,
                "floor_queries": len(bare),
            }
        )
    del floor_dir
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=int, default=0, help="build the network: patients")
    parser.add_argument("--floor-dir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    _setup(args.floor_dir)
    from django.core.management import call_command

    result: dict[str, Any] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, skip_checks=True)
    migrated = time.perf_counter() - started
    if args.build:
        from scarclinic.web.demo_network import build_network

        report = build_network(
            patients=args.build, log=lambda text: print(text, file=sys.stderr, flush=True)
        )
        result["build"] = {
            "migrate_s": round(migrated, 1),
            "seconds": report.seconds,
            "steps": report.steps,
            "loaded": report.loaded,
            "counts": report.counts(),
        }
    result["analytics_snapshot_s"] = analytics_snapshot(bool(args.build))
    result["pages"] = capture(args.floor_dir)
    from scarclinic.patients.models import Patient

    # Patients of the first clinic, for the load test's physician (spread over the ids).
    ids = list(Patient.objects.filter(clinic__code="ISB").values_list("pk", flat=True))
    result["patient_ids"] = ids[:: max(1, len(ids) // 200)][:200]
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
