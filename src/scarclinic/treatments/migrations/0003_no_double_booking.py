"""PostgreSQL refuses double bookings: no two appointments that hold their time (booked or
completed) may overlap for the same clinician, room or device. Exclusion constraints over
``tstzrange(starts_at, ends_at, '[)')`` (an appointment ending at 10:00 and one starting at
10:00 do not overlap), with btree_gist for the equality on the ids.

SQLite has no exclusion constraints: there the booking service checks for overlaps under the
database's write lock (transactions begin IMMEDIATE, see settings and services/scheduling.py)."""

from typing import Any

from django.db import migrations

HOLDING = "status IN ('booked', 'completed')"
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist;",
    "ALTER TABLE treatments_appointment ADD CONSTRAINT no_double_booking_clinician "
    "EXCLUDE USING gist (clinician_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    f"WHERE ({HOLDING});",
    "ALTER TABLE treatments_appointment ADD CONSTRAINT no_double_booking_room "
    "EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    f"WHERE ({HOLDING});",
    "ALTER TABLE treatments_appointment ADD CONSTRAINT no_double_booking_device "
    "EXCLUDE USING gist (device_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    f"WHERE ({HOLDING} AND device_id IS NOT NULL);",
]
POSTGRES_REVERSE = [
    "ALTER TABLE treatments_appointment DROP CONSTRAINT IF EXISTS no_double_booking_clinician;",
    "ALTER TABLE treatments_appointment DROP CONSTRAINT IF EXISTS no_double_booking_room;",
    "ALTER TABLE treatments_appointment DROP CONSTRAINT IF EXISTS no_double_booking_device;",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatments", "0002_plans_scheduling_procedures")]
    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
