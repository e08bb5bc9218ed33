"""The hash of an audit entry: SHA-256 over a canonical JSON of its fields and the previous hash."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def entry_digest(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_username: str,
    clinic_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    patient_id: int | None,
    ip_address: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        # Microseconds are kept by both PostgreSQL and SQLite, so the value read back hashes
        # the same as the value written.
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "clinic_id": clinic_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "patient_id": patient_id,
        "ip_address": ip_address,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
