"""Writing audit entries. Called by every service and selector-backed view that touches
patient data, inside the same transaction as the work it records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Model

from scarclinic.audit.chain import entry_digest
from scarclinic.audit.context import current
from scarclinic.audit.models import AuditAction, AuditChainHead, AuditEntry


def _now() -> datetime:
    # UTC with microseconds, so the stored value and the hashed value are identical.
    return datetime.now(tz=UTC)


@transaction.atomic
def audit_record(
    *,
    action: AuditAction | str,
    object_type: str,
    object_id: str | int = "",
    patient_id: int | None = None,
    clinic_id: int | None = None,
    detail: dict[str, Any] | None = None,
    actor: Any = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain. The actor and address default to the request's."""
    context = current.get()
    if actor is None and context is not None:
        actor = context.user
    if ip_address is None and context is not None:
        ip_address = context.ip_address
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    fields: dict[str, Any] = {
        "seq": head.last_seq + 1,
        "at": _now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.get_username() if actor is not None else "",
        "clinic_id": clinic_id,
        "action": str(action),
        "object_type": object_type,
        "object_id": str(object_id),
        "patient_id": patient_id,
        "ip_address": ip_address,
        "detail": detail or {},
        "prev_hash": head.last_hash,
    }
    entry_hash = entry_digest(**fields)
    entry = AuditEntry.objects.create(**fields, entry_hash=entry_hash)
    head.last_seq = entry.seq
    head.last_hash = entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


def audit_object(
    *,
    action: AuditAction | str,
    obj: Model,
    patient_id: int | None,
    clinic_id: int | None,
    actor: Any,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Shorthand for an entry about one model instance, by the person who acted."""
    return audit_record(
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        patient_id=patient_id,
        clinic_id=clinic_id,
        detail=detail,
        actor=actor,
    )


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # "altered", "broken_link" (inserted or deleted before it), "gap", "tail"
    message: str


def audit_verify(*, batch_size: int = 2000) -> list[ChainProblem]:
    """Walk the whole chain in order and report every entry that does not fit it."""
    problems: list[ChainProblem] = []
    expected_prev = "0" * 64
    expected_seq = 1
    last_seq = 0
    queryset = AuditEntry.objects.order_by("seq").values()
    for row in queryset.iterator(chunk_size=batch_size):
        seq = row["seq"]
        if seq != expected_seq:
            problems.append(
                ChainProblem(seq, "gap", f"entries {expected_seq}..{seq - 1} are missing")
            )
        if row["prev_hash"] != expected_prev:
            problems.append(
                ChainProblem(seq, "broken_link", "previous hash does not match the entry before")
            )
        recomputed = entry_digest(
            seq=seq,
            at=row["at"].astimezone(UTC),
            actor_id=row["actor_id"],
            actor_username=row["actor_username"],
            clinic_id=row["clinic_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            patient_id=row["patient_id"],
            ip_address=row["ip_address"],
            detail=row["detail"],
            prev_hash=row["prev_hash"],
        )
        if recomputed != row["entry_hash"]:
            problems.append(ChainProblem(seq, "altered", "content does not match its hash"))
        expected_prev = row["entry_hash"]
        expected_seq = seq + 1
        last_seq = seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        problems.append(
            ChainProblem(
                head.last_seq,
                "tail",
                f"the chain head records entry {head.last_seq} but the log ends at {last_seq}",
            )
        )
    return problems
