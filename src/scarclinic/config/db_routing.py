"""Read replicas: analytics and exports read from ``DATABASE_REPLICA_URL`` when it is set;
everything else, and every write, goes to the primary.

Callers opt in with ``with replica_reads(): ...`` around the reads that may lag the
primary by a few seconds (cohort analytics, bulk exports). Without a replica configured the
block reads from the primary, so code need not know how the service is deployed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _replica_reads.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: object, obj2: object, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica receives its schema from the primary by replication.
        return db != REPLICA
