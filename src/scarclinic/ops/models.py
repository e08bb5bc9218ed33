"""What the operations layer keeps in the database: one heartbeat row per running worker
process, and the ledger of work that must be done once only."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A running background worker. The worker updates ``seen_at`` every few seconds (from a
    thread, so a long task does not look like a dead worker) and deletes its row when it stops
    cleanly. A row not seen for ``WORKER_STALE_SECONDS`` is a dead worker: ``/readyz`` fails
    when no fresh row is left, and the tasks it was running go back to the queue."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    running_task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.hostname} (pid {self.pid})"


class CompletedOnce(models.Model):
    """The idempotency ledger: a key recorded in the same transaction as the work it names,
    so a task that is run again (after a crash, or enqueued twice) finds the key and does
    nothing (ops.idempotency.once)."""

    key = models.CharField(max_length=200, unique=True)
    completed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key
