"""Exactly-once effects on top of at-least-once task delivery.

The worker may run a task again: it is requeued when a shutdown interrupts it, or when its
worker died (ops.worker). A task whose effect must happen once wraps that effect in
:func:`once`; the key is written in the same transaction as the effect, so either both are
committed or neither is, and a second run sees the key and skips the work::

    with once(f"export:{export_id}") as first:
        if first:
            ...  # the writes of the export

Reminders have their own key (``Reminder.idempotency_key``) and claim their row before
sending (treatments/services/reminders.py); they need no entry here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from scarclinic.ops.models import CompletedOnce


@contextmanager
def once(key: str) -> Iterator[bool]:
    """One transaction: yields True the first time ``key`` is seen (do the work), False once
    it was committed before (skip it). An exception inside rolls the key back too."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                CompletedOnce.objects.create(key=key, completed_at=timezone.now())
        except IntegrityError:
            yield False
            return
        yield True


def was_completed(key: str) -> bool:
    return CompletedOnce.objects.filter(key=key).exists()
