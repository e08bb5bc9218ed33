from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scarclinic.accounts.models import Clinic
from scarclinic.analytics import services


class Command(BaseCommand):
    help = (
        "Queue a recomputation of the cohort analytics of every clinic (or of --clinic CODE), "
        "e.g. nightly from cron; the task worker computes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="Only this clinic (its code)")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.order_by("code")
        if options["clinic"]:
            clinics = clinics.filter(code=options["clinic"])
            if not clinics.exists():
                self.stderr.write(f"No clinic with the code {options['clinic']!r}.")
                raise SystemExit(2)
        for clinic in clinics:
            snapshot = services.snapshot_request_refresh(clinic=clinic, by=None)
            self.stdout.write(f"{clinic.code}: {snapshot.status}")
