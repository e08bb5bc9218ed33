"""The background worker: django-tasks-db's database worker, with a heartbeat, a bounded
graceful shutdown, and recovery of tasks whose worker died.

At-least-once delivery, exactly-once effects:

* SIGTERM (systemd stop, a deploy) stops claiming new tasks and lets the running one finish
  for up to ``WORKER_SHUTDOWN_GRACE_SECONDS``. If it has not finished by then, or a second
  SIGTERM/SIGINT comes, :class:`ShutdownRequested` is raised inside the task: its open
  transaction rolls back and the task goes back to the queue (READY), to run again from
  the start at the next worker. It is never marked failed for being interrupted.
* A worker killed outright (SIGKILL, power loss) leaves its task RUNNING. Every worker
  writes a heartbeat (``ops.WorkerHeartbeat``); a RUNNING task whose worker has not been
  seen for ``WORKER_STALE_SECONDS`` is put back in the queue by the next worker that looks.
* So a task may run more than once; a task whose effect must happen once commits that
  effect together with an idempotency key (``ops.idempotency.once``, or its own, like
  ``Reminder.idempotency_key``), and a second run finds the key and does nothing.
* Code that must not be cut in the middle (a message handed to the mail server and its
  record) can run under :func:`uninterruptible`: a shutdown that comes meanwhile waits for
  the end of the block.

Run it with ``manage.py run_worker`` (``make worker``); do not mix it with the upstream
``db_worker``, which writes no heartbeat, so its running tasks would look orphaned."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType
from typing import Any

from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from scarclinic.ops.models import WorkerHeartbeat

logger = logging.getLogger("scarclinic.worker")


class ShutdownRequested(BaseException):  # noqa: N818 - like SystemExit, not an error
    """Raised in the running task when the shutdown grace period is over."""


_shield = threading.local()


@contextmanager
def uninterruptible() -> Iterator[None]:
    """A block that a shutdown does not cut: the interruption waits for its end."""
    depth = getattr(_shield, "depth", 0)
    _shield.depth = depth + 1
    try:
        yield
    finally:
        _shield.depth = depth
        if depth == 0 and getattr(_shield, "pending", False):
            _shield.pending = False
            raise ShutdownRequested


def _interrupt() -> None:
    if getattr(_shield, "depth", 0) > 0:
        _shield.pending = True
        return
    raise ShutdownRequested


def requeue_orphans(*, backend_name: str, stale_after: float) -> int:
    """Put back in the queue the RUNNING tasks whose worker has not been seen for
    ``stale_after`` seconds (or has no heartbeat at all); how many."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=stale_after)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("pk", flat=True))
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked
        ).filter(status="RUNNING", backend_name=backend_name, started_at__lt=cutoff)
        for task in running:
            last_worker = task.worker_ids[-1] if task.worker_ids else None
            if last_worker in alive:
                continue
            task.status = "READY"
            task.started_at = None
            task.save(update_fields=["status", "started_at"])
            requeued += 1
            logger.warning(
                "Task requeued: its worker stopped responding",
                extra={"task_id": str(task.pk), "task_path": task.task_path},
            )
    # Rows of workers long gone: keep the table small.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(seconds=stale_after * 10)).delete()
    return requeued


class Worker(DatabaseWorker):
    def __init__(
        self, *, grace: float, heartbeat_every: float, stale_after: float, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.grace = grace
        self.heartbeat_every = heartbeat_every
        self.stale_after = stale_after
        self._stop_heartbeat = threading.Event()
        self._current_task = ""

    # Signals -----------------------------------------------------------------------------

    def configure_signals(self) -> None:
        super().configure_signals()
        signal.signal(signal.SIGALRM, self._grace_over)

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            logger.warning("Second %s: interrupting the task now", signal.strsignal(signum))
            _interrupt()
            return
        self.running = False
        if self.running_task:
            logger.warning(
                "%s: finishing the running task (at most %ss), then stopping",
                signal.strsignal(signum),
                self.grace,
            )
            if self.grace > 0:
                signal.setitimer(signal.ITIMER_REAL, self.grace)
            else:
                _interrupt()
        else:
            logger.info("%s: stopping", signal.strsignal(signum))

    def _grace_over(self, signum: int, frame: FrameType | None) -> None:
        if self.running_task:
            logger.warning("Shutdown grace period over: interrupting the task")
            _interrupt()

    # Heartbeat ---------------------------------------------------------------------------

    def _beat(self) -> None:
        updated = WorkerHeartbeat.objects.filter(pk=self.worker_id).update(
            seen_at=timezone.now(), running_task_id=self._current_task
        )
        if not updated:
            now = timezone.now()
            WorkerHeartbeat.objects.update_or_create(
                pk=self.worker_id,
                defaults={
                    "hostname": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "started_at": now,
                    "seen_at": now,
                    "running_task_id": self._current_task,
                },
            )

    def _heartbeat_loop(self) -> None:
        try:
            while not self._stop_heartbeat.wait(self.heartbeat_every):
                try:
                    self._beat()
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                    logger.exception("Worker heartbeat failed")
                    connections.close_all()
        finally:
            connections.close_all()

    # The loop ----------------------------------------------------------------------------

    def _nap(self) -> None:
        # Short naps: a SIGTERM while idle stops the worker within a fraction of a second.
        deadline = time.monotonic() + self.interval
        while self.running and time.monotonic() < deadline:
            time.sleep(min(0.2, self.interval))

    def run(self) -> None:
        self._beat()
        requeue_orphans(backend_name=self.backend_name, stale_after=self.stale_after)
        last_recovery = time.monotonic()
        beater = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        beater.start()
        logger.info("Worker started", extra={"worker_id": self.worker_id})
        try:
            while self.running:
                close_old_connections()
                if time.monotonic() - last_recovery > self.stale_after / 2:
                    requeue_orphans(backend_name=self.backend_name, stale_after=self.stale_after)
                    last_recovery = time.monotonic()
                task_result = self._claim_next()
                if task_result is not None:
                    self.run_task(task_result)
                    if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                        return
                    continue
                if self.batch:
                    return
                self._nap()
        finally:
            self._stop_heartbeat.set()
            beater.join(timeout=self.heartbeat_every + 5)
            WorkerHeartbeat.objects.filter(pk=self.worker_id).delete()
            logger.info("Worker stopped", extra={"worker_id": self.worker_id})

    def _claim_next(self) -> DBTaskResult[Any, Any] | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with transaction.atomic(using=tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None and self.running:
                task_result.claim(self.worker_id)
                return task_result
        return None

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        """Run one claimed task: successful, failed, or (cut by the shutdown) queued again.
        Like django-tasks-db's own, but an interruption is not a failure."""
        self.running_task = True
        self._current_task = str(db_task_result.pk)
        backend_type = None
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = type(task.get_backend())
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            # Past this point a shutdown waits: the result is recorded whatever comes.
            with uninterruptible():
                db_task_result.set_successful(value)
                task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except ShutdownRequested:
            self._requeue(db_task_result)
        except Exception as exc:  # noqa: BLE001 - a failing task is recorded, the worker goes on
            with uninterruptible():
                db_task_result.set_failed(exc)
                logger.warning(
                    "Task failed",
                    extra={
                        "task_id": str(db_task_result.pk),
                        "task_path": db_task_result.task_path,
                    },
                )
                if backend_type is not None:
                    task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.running_task = False
            self._current_task = ""
            self._run_tasks += 1

    def _requeue(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        """The task was cut by the shutdown: its transaction rolled back; queue it again."""
        # The connection may have been cut in the middle of a query: start afresh.
        connections.close_all()
        with uninterruptible():
            DBTaskResult.objects.filter(pk=db_task_result.pk, status="RUNNING").update(
                status="READY", started_at=None
            )
        logger.warning(
            "Task interrupted by the shutdown and put back in the queue",
            extra={"task_id": str(db_task_result.pk), "task_path": db_task_result.task_path},
        )
