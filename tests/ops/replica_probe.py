"""Run in a child process started with DATABASE_URL (the primary) and DATABASE_REPLICA_URL
(the replica) set, by test_replica_routing.py: exercises the router through the ORM and
prints what each database answered, as JSON on the last line."""

from __future__ import annotations

import json

from django.db import router

from scarclinic.accounts.models import Clinic
from scarclinic.config.db_routing import replica_reads


def names(using: str | None = None) -> list[str]:
    qs = Clinic.objects.all() if using is None else Clinic.objects.using(using)
    return sorted(qs.values_list("name", flat=True))


def main() -> None:
    Clinic.objects.create(name="Written to the primary", code="P")
    report: dict[str, object] = {"primary_outside": names()}
    with replica_reads():
        report["inside"] = names()
        report["write_alias_inside"] = router.db_for_write(Clinic)
        made = Clinic.objects.create(name="Made during an export", code="E")
        report["made_on"] = made._state.db
        report["read_from"] = Clinic.objects.get(code="R")._state.db
    report["primary_after"] = names("default")
    report["replica_after"] = names("replica")
    report["outside_again"] = names()
    print(json.dumps(report))  # noqa: T201 - the parent test reads it
