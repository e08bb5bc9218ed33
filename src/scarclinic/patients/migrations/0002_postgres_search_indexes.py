"""PostgreSQL indexes for patient search at 100,000 patients: pattern-ops btree indexes so
prefix LIKE uses an index under any collation, and a trigram GIN index for typo-tolerant
name search (pg_trgm). SQLite uses the plain indexes of 0001."""

from typing import Any

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
    "CREATE INDEX IF NOT EXISTS patient_family_prefix ON patients_patient "
    "(clinic_id, family_search varchar_pattern_ops);",
    "CREATE INDEX IF NOT EXISTS patient_given_prefix ON patients_patient "
    "(clinic_id, given_search varchar_pattern_ops);",
    "CREATE INDEX IF NOT EXISTS patient_phone_prefix ON patients_patient "
    "(clinic_id, phone_digits varchar_pattern_ops);",
    "CREATE INDEX IF NOT EXISTS patient_mrn_prefix ON patients_patient "
    "(clinic_id, (UPPER(mrn::text)) text_pattern_ops);",
    "CREATE INDEX IF NOT EXISTS patient_name_trgm ON patients_patient "
    "USING gin (name_search gin_trgm_ops);",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS patient_family_prefix;",
    "DROP INDEX IF EXISTS patient_given_prefix;",
    "DROP INDEX IF EXISTS patient_phone_prefix;",
    "DROP INDEX IF EXISTS patient_mrn_prefix;",
    "DROP INDEX IF EXISTS patient_name_trgm;",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
