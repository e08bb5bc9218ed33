"""Who is acting and from where, for the audit entries written while handling a request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    user: Any  # a User, or None for system work (seeding, commands)
    ip_address: str | None


current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)
