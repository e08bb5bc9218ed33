"""Read replicas with two real PostgreSQL databases: a primary and a replica made as a copy
of it that then falls behind (rows the primary does not have, none of the primary's new
ones), read-only as a hot standby is, so a write that went there would fail.

A child process runs with ``DATABASE_URL`` and ``DATABASE_REPLICA_URL`` as production does
(tests/ops/replica_probe.py): inside ``replica_reads()`` reads go to the replica, everything
else to the primary, and writes always to the primary."""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import router

from scarclinic.accounts.models import Clinic
from scarclinic.config.db_routing import REPLICA, replica_reads
from tests.ops import postgres


def test_replica_reads_go_to_the_replica_and_writes_to_the_primary(
    django_db_blocker,  # type: ignore[no-untyped-def]
) -> None:
    postgres.server()
    with postgres.own_database("primary") as primary, postgres.own_database("replica") as replica:
        with psycopg.connect(postgres.url(replica), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO accounts_clinic (name, code, city, created_at)"
                " VALUES ('Seen only on the replica', 'R', '', now())"
            )
        postgres.admin_sql(f'ALTER DATABASE "{replica}" SET default_transaction_read_only = on')

        output = postgres.manage(
            "shell",
            "-c",
            "from tests.ops.replica_probe import main; main()",
            env={
                "DATABASE_URL": postgres.url(primary),
                "DATABASE_REPLICA_URL": postgres.url(replica),
            },
        )
    report = json.loads(output.strip().splitlines()[-1])
    assert report["primary_outside"] == ["Written to the primary"]
    assert report["inside"] == ["Seen only on the replica"]
    assert report["read_from"] == "replica"
    assert report["write_alias_inside"] == "default" and report["made_on"] == "default"
    assert report["primary_after"] == ["Made during an export", "Written to the primary"]
    assert report["replica_after"] == ["Seen only on the replica"]  # no write reached it
    assert report["outside_again"] == report["primary_after"]


def test_the_replica_is_never_migrated(db: None) -> None:
    assert router.allow_migrate(REPLICA, "patients") is False
    assert router.allow_migrate("default", "patients") is not False


@pytest.mark.django_db
def test_without_a_replica_replica_reads_read_the_primary() -> None:
    Clinic.objects.create(name="Only database", code="O")
    with replica_reads():
        assert router.db_for_read(Clinic) == "default"
        assert list(Clinic.objects.values_list("code", flat=True)) == ["O"]
