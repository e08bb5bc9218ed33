"""Read replicas: analytics and exports read from ``DATABASE_REPLICA_URL`` when it is set;
everything else, and every write, goes to the primary.

Callers opt in with ``with replica_reads(): ...`` around reads that may lag the primary by a
few seconds: the outcome analytics snapshot (analytics/services.py) and the FHIR bulk export
(interop/services.py). Inside the block:

* reads of every model go to the replica (a streaming, read-only hot standby);
* writes still go to the primary (progress rows of an export, the snapshot itself), and an
  object read from the replica and saved is saved on the primary;
* a row written a moment ago on the primary may not be on the replica yet: read what you
  have just written outside the block.

Without a replica configured the block reads from the primary, so code need not know how
the service is deployed. The state is a context variable: it holds for the current thread
(or task) only, and nested blocks are fine. Tested with two PostgreSQL databases in
tests/ops/test_replica_routing.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

PRIMARY = "default"
REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside the block may come from the replica (see the module's docstring)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _replica_reads.get() and replica_configured():
            return REPLICA
        return None  # Django's default: the primary

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return PRIMARY  # never the replica, even for an object that was read from it

    def allow_relation(self, obj1: object, obj2: object, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: objects from both may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica receives its schema from the primary by replication.
        return db != REPLICA
