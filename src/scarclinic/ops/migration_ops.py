"""Migration operations for a live PostgreSQL that also run on SQLite (make run, tests).

``AddIndexConcurrently`` from django.contrib.postgres fails on SQLite; this one builds the
index CONCURRENTLY on PostgreSQL (writes go on while it builds) and plainly elsewhere. The
migration that uses it sets ``atomic = False``::

    from scarclinic.ops.migration_ops import PortableAddIndexConcurrently

    class Migration(migrations.Migration):
        atomic = False
        operations = [PortableAddIndexConcurrently("reminder", models.Index(...))]
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.models import IndexOperation


class _ConcurrentlyOnPostgreSQL(IndexOperation):
    """The vendor switch: the CONCURRENTLY operation (next in the MRO) on PostgreSQL, the
    ``plain`` one it extends on every other database."""

    plain: ClassVar[type[IndexOperation]]

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class PortableAddIndexConcurrently(_ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    plain = AddIndex


class PortableRemoveIndexConcurrently(_ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    plain = RemoveIndex
