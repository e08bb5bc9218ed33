from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scarclinic.web.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Load deterministic demo data (clinics, one user per role, patients). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=int, default=200, help="How many patients (default 200)"
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 1:
            self.stderr.write("--patients must be at least 1")
            raise SystemExit(2)
        started = time.perf_counter()
        report = seed_demo(patients=options["patients"], seed=options["seed"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Demo data: {report.patients} patients, {report.histories} history versions, "
            f"{report.consents} consents, {report.assessments} assessments, {report.photo_sets} photo sets, {report.plans} plans, {report.products} cell products, {report.users} users "
            f"created in {elapsed:.1f} s "
            "(existing records kept)."
        )
        self.stdout.write(
            "Demo logins (password "
            + DEMO_PASSWORD
            + "): "
            + ", ".join(u[0] for u in DEMO_USERS)
            + ", physician.lahore"
        )
