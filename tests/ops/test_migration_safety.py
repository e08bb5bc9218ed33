"""Migrations are safe for a running system (rules in scarclinic/ops/migration_policy.py and
docs/deploy.md): reversible or excused, and no needless lock of a large table."""

from __future__ import annotations

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

from scarclinic.ops import migration_policy as policy


def test_every_migration_is_reversible_and_takes_no_needless_lock() -> None:
    assert [str(f) for f in policy.violations()] == []


def test_every_exception_still_excuses_something_and_says_why() -> None:
    assert policy.stale_exceptions() == []
    assert all(len(reason) > 20 for reason in policy.IRREVERSIBLE.values())
    assert all(len(reason) > 20 for reason in policy.LOCK_EXCEPTIONS.values())


def test_the_check_reads_every_migration_of_our_apps() -> None:
    names = {f"{m.app_label}.{m.name}" for m in policy.our_migrations()}
    assert "patients.0001_initial" in names and "ops.0001_initial" in names
    assert not any(name.startswith(("auth.", "django_tasks_db.")) for name in names)


def _migration(*operations: object, app: str = "treatments") -> migrations.Migration:
    migration = migrations.Migration("0099_probe", app)
    migration.operations = list(operations)
    return migration


def _rules(*operations: object) -> list[str]:
    return [f.rule for f in policy.check_migration(_migration(*operations))]


def _noop(apps: object, schema_editor: object) -> None:
    return None


def test_one_way_data_and_sql_migrations_are_caught() -> None:
    assert _rules(migrations.RunPython(_noop)) == ["irreversible"]
    assert _rules(migrations.RunSQL("UPDATE x SET y = 1")) == ["irreversible"]
    assert _rules(migrations.RunPython(_noop, migrations.RunPython.noop)) == []
    assert _rules(migrations.RunSQL("CREATE INDEX a ON b (c)", "DROP INDEX a")) == []


def test_a_computed_default_on_an_existing_table_is_caught() -> None:
    import uuid

    add = migrations.AddField("reminder", "token", models.UUIDField(default=uuid.uuid4))
    assert _rules(add) == ["volatile-default"]
    nullable = migrations.AddField("reminder", "token", models.UUIDField(null=True))
    constant = migrations.AddField("reminder", "note", models.CharField(default="", max_length=9))
    assert _rules(nullable) == [] and _rules(constant) == []
    in_the_database = migrations.AddField(
        "reminder", "note", models.CharField(default="", db_default="", max_length=9)
    )
    assert _rules(in_the_database) == []
    from django.db.models.functions import Now

    per_row = migrations.AddField("reminder", "seen_at", models.DateTimeField(db_default=Now()))
    assert _rules(per_row) == ["volatile-default"]


def test_a_blocking_index_on_a_large_table_is_caught_but_not_on_a_new_one() -> None:
    index = models.Index(fields=["due_at"], name="reminder_due")
    assert _rules(migrations.AddIndex("reminder", index)) == ["blocking-index"]
    assert _rules(AddIndexConcurrently("reminder", index)) == []
    created = migrations.CreateModel("Reminder", [("id", models.BigAutoField(primary_key=True))])
    assert _rules(created, migrations.AddIndex("reminder", index)) == []
    small = migrations.AddIndex("roomsettings", models.Index(fields=["x"], name="x"))
    assert _rules(small) == []


@pytest.mark.django_db(transaction=True)  # outside a transaction, as the migration runs
def test_the_portable_concurrent_index_builds_concurrently_on_postgresql_only() -> None:
    # The SQL is collected, not run.
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from scarclinic.ops.migration_ops import PortableAddIndexConcurrently

    operation = PortableAddIndexConcurrently(
        "reminder", models.Index(fields=["sent_at"], name="reminder_sent_probe")
    )
    before = MigrationLoader(None, ignore_no_migrations=True).project_state()
    after = before.clone()
    operation.state_forwards("treatments", after)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        operation.database_forwards("treatments", editor, before, after)
        operation.database_backwards("treatments", editor, after, before)
    create, drop = editor.collected_sql
    concurrently = connection.vendor == "postgresql"
    assert create.startswith("CREATE INDEX CONCURRENTLY" if concurrently else "CREATE INDEX")
    assert ("CONCURRENTLY" in create) == concurrently and ("CONCURRENTLY" in drop) == concurrently
    assert policy.check_migration(_migration(operation)) == []
