"""Rules for migrations that run against a live system (docs/deploy.md, "Migrations"),
checked by tests/ops/test_migration_safety.py in ``make test``.

1. Every migration can be reversed: every RunPython has reverse code (``RunPython.noop``
   when there is nothing to undo), every RunSQL has reverse SQL, or the migration is in
   IRREVERSIBLE with the reason.
2. No AddField of a NOT NULL column whose default is computed (a callable or a database
   expression) on an existing table: Django evaluates a callable once, so every existing row
   gets the same value, and a database expression rewrites the table under an exclusive
   lock. Add it nullable, fill it in batches, then make it NOT NULL.
3. On the tables that grow with every visit (LARGE_TABLES), no plain AddIndex, AddConstraint
   or indexed AddField on PostgreSQL: CREATE INDEX blocks writes for as long as it takes and
   a CHECK constraint scans the table under an exclusive lock. Use
   ``scarclinic.ops.migration_ops.PortableAddIndexConcurrently`` (CONCURRENTLY on PostgreSQL,
   plain on SQLite) in a non-atomic migration, and
   for a constraint add it NOT VALID and validate it in a second migration (RunSQL).
   Tables created in the same migration are empty and exempt.

Exceptions are written below with their reason; an entry that no longer matches anything
fails the test, so the lists stay true."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.models.expressions import Value

# Our apps: third-party migrations are their maintainers' business.
APPS_PREFIX = "scarclinic."

# app_label.model_name: the tables that grow with every patient, visit and look at a record.
LARGE_TABLES = frozenset(
    {
        "audit.auditentry",
        "patients.patient",
        "patients.medicalhistoryversion",
        "patients.signedconsent",
        "assessments.scarassessment",
        "assessments.regionfinding",
        "assessments.photo",
        "assessments.photoset",
        "assessments.patientreportedoutcome",
        "treatments.appointment",
        "treatments.reminder",
        "treatments.procedurerecord",
        "biologics.productunit",
        "biologics.custodyevent",
    }
)

# "app_label.migration_name": why it cannot be reversed.
IRREVERSIBLE: dict[str, str] = {}

# ("app_label.migration_name", rule): why the rule does not apply there.
LOCK_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("biologics.0003_product_clinic_created_idx", "blocking-index"): (
        "Made before the first production release: no installation has product units when "
        "it runs. Later indexes on product units use PortableAddIndexConcurrently."
    ),
    ("treatments.0004_procedure_product_administration", "blocking-index"): (
        "Made before the first production release, together with the procedure record "
        "table (0003): no installation has procedure records when it runs."
    ),
}


@dataclass(frozen=True)
class Finding:
    migration: str  # "app_label.migration_name"
    rule: str  # "irreversible" | "volatile-default" | "blocking-index"
    detail: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.rule}: {self.detail}"


def _created_here(migration: Migration) -> set[str]:
    return {op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)}


def _computed_default(field: models.Field) -> bool:  # type: ignore[type-arg]
    db_default = getattr(field, "db_default", models.NOT_PROVIDED)
    # A plain value ("", 0) is a constant default (Django 5.2 keeps it unwrapped); only an
    # expression other than Value (Now(), a function) is computed per row.
    if hasattr(db_default, "resolve_expression") and not isinstance(db_default, Value):
        return True
    return field.has_default() and callable(field.default)


def check_migration(migration: Migration) -> list[Finding]:
    """What is wrong with one migration under the rules above (exceptions not applied)."""
    label = f"{migration.app_label}.{migration.name}"
    found: list[Finding] = []
    created = _created_here(migration)
    for op in migration.operations:
        if isinstance(op, migrations.RunPython) and op.reverse_code is None:
            found.append(Finding(label, "irreversible", "RunPython without reverse_code"))
        elif isinstance(op, migrations.RunSQL) and op.reverse_sql is None:
            found.append(Finding(label, "irreversible", "RunSQL without reverse_sql"))
        elif not isinstance(op, migrations.RunPython | migrations.RunSQL) and not op.reversible:
            found.append(Finding(label, "irreversible", f"{type(op).__name__} is one-way"))

        model = getattr(op, "model_name", None) or ""
        table = f"{migration.app_label}.{model.lower()}"
        existing = model.lower() not in created
        if (
            isinstance(op, migrations.AddField)
            and existing
            and not op.field.null
            and _computed_default(op.field)
        ):
            found.append(
                Finding(label, "volatile-default", f"{model}.{op.name} NOT NULL, computed")
            )
        if table in LARGE_TABLES and existing:
            if isinstance(op, migrations.AddIndex) and not isinstance(op, AddIndexConcurrently):
                found.append(Finding(label, "blocking-index", f"AddIndex {op.index.name}"))
            elif isinstance(op, migrations.AddConstraint):
                found.append(
                    Finding(label, "blocking-index", f"AddConstraint {op.constraint.name}")  # type: ignore[attr-defined]
                )
            elif isinstance(op, migrations.AddField) and (
                getattr(op.field, "db_index", False) or op.field.unique
            ):
                found.append(Finding(label, "blocking-index", f"indexed AddField {op.name}"))
    return found


def our_migrations() -> list[Migration]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        migration
        for (app_label, _), migration in sorted(loader.disk_migrations.items())
        if type(migration).__module__.startswith(APPS_PREFIX)
    ]


def violations() -> list[Finding]:
    """Every finding of our migrations that no exception covers."""
    result = []
    for migration in our_migrations():
        for finding in check_migration(migration):
            if finding.rule == "irreversible" and finding.migration in IRREVERSIBLE:
                continue
            if (finding.migration, finding.rule) in LOCK_EXCEPTIONS:
                continue
            result.append(finding)
    return result


def stale_exceptions() -> list[str]:
    """Exceptions that no longer excuse anything (the migration changed or is gone)."""
    found = {(f.migration, f.rule) for m in our_migrations() for f in check_migration(m)}
    stale = [m for m in IRREVERSIBLE if (m, "irreversible") not in found]
    stale += [f"{m} ({rule})" for (m, rule) in LOCK_EXCEPTIONS if (m, rule) not in found]
    return stale
