from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scarclinic.web.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Load deterministic demo data (clinics, one user per role, patients). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients",
            type=int,
            default=None,
            help="How many patients (default 200; with --network 100,000, or 1,000 with --quick)",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1)")
        parser.add_argument(
            "--network",
            action="store_true",
            help="Benchmark scale: 10 clinics, 10 assessments, 3 procedure records and half a "
            "cell product per patient, bulk-loaded into an empty database "
            "(--patients defaults to 100,000 here)",
        )
        parser.add_argument(
            "--quick", action="store_true", help="With --network: 1,000 patients (1/100)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["network"]:
            self._network(options)
            return
        if options["patients"] is None:
            options["patients"] = 200
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

    def _network(self, options: dict[str, Any]) -> None:
        from scarclinic.web.demo_network import FULL_PATIENTS, NetworkExists, build_network

        patients = options["patients"] or (
            FULL_PATIENTS // 100 if options["quick"] else FULL_PATIENTS
        )
        if patients < 20:
            self.stderr.write("--patients must be at least 20 with --network")
            raise SystemExit(2)
        try:
            report = build_network(patients=patients, seed=options["seed"], log=self.stdout.write)
        except NetworkExists as error:
            self.stderr.write(str(error))
            raise SystemExit(2) from error
        counts = report.counts()
        self.stdout.write(
            ", ".join(f"{n:,} {name}" for name, n in counts.items())
            + f" in {report.seconds:.1f} s (bulk: {report.region_findings:,} region findings, "
            f"{report.appointments:,} appointments)"
        )
