"""The background worker: a task cut by SIGTERM (or a killed worker) runs again and its
work is committed exactly once; a clean SIGTERM lets the running task finish.

The process tests start ``manage.py run_worker`` (what ``make worker`` runs) as a child
process on a PostgreSQL database of their own."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from scarclinic.ops.idempotency import once, was_completed
from scarclinic.ops.models import CompletedOnce, WorkerHeartbeat
from scarclinic.ops.worker import ShutdownRequested, requeue_orphans, uninterruptible
from tests.ops import postgres

TASK = "tests.ops.worker_tasks.slow_once"


# In-process rules ---------------------------------------------------------------------------


def test_once_runs_the_work_the_first_time_only(db: None) -> None:
    runs = []
    for _ in range(3):
        with once("export:7") as first:
            if first:
                runs.append(1)
    assert runs == [1] and was_completed("export:7")


def test_once_forgets_the_key_when_the_work_fails(db: None) -> None:
    with pytest.raises(RuntimeError), once("export:8") as first:
        assert first
        raise RuntimeError("the export broke")
    assert not was_completed("export:8")
    with once("export:8") as first:
        assert first


def test_an_interruption_waits_for_the_end_of_an_uninterruptible_block() -> None:
    from scarclinic.ops import worker

    done = []
    with pytest.raises(ShutdownRequested), uninterruptible():
        worker._interrupt()  # the grace period ends here...
        done.append("recorded")  # ...but the block still finishes
    assert done == ["recorded"]


def _running_task(worker_id: str, started_ago: float) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": ["k", 0, "/dev/null"], "kwargs": {}},
        task_path=TASK,
        backend_name="default",
        run_after=get_date_max(),
        status="RUNNING",
        worker_ids=[worker_id],
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - timedelta(seconds=started_ago)
    )
    return task


def test_a_task_of_a_dead_worker_goes_back_to_the_queue(db: None) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="alive", hostname="h", pid=1, started_at=now, seen_at=now
    )
    WorkerHeartbeat.objects.create(
        worker_id="dead", hostname="h", pid=2, started_at=now, seen_at=now - timedelta(minutes=5)
    )
    orphan = _running_task("dead", started_ago=300)
    busy = _running_task("alive", started_ago=300)
    just_claimed = _running_task("nobody-yet", started_ago=1)

    assert requeue_orphans(backend_name="default", stale_after=60) == 1

    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses == {orphan.pk: "READY", busy.pk: "RUNNING", just_claimed.pk: "RUNNING"}


# Real processes on PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def worker_db(django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    postgres.server()
    with (
        django_db_blocker.unblock(),
        postgres.own_database("worker") as name,
        postgres.alias_for(name, "ops_worker"),
    ):
        yield name


def _enqueue(key: str, seconds: float, journal: Path) -> str:
    task = DBTaskResult.objects.using("ops_worker").create(
        args_kwargs={"args": [key, seconds, str(journal)], "kwargs": {}},
        task_path=TASK,
        backend_name="default",
        run_after=get_date_max(),
    )
    return str(task.pk)


def _start_worker(name: str, *, grace: float, stale: float = 60) -> subprocess.Popen[str]:
    env = postgres.base_env() | {
        "DATABASE_URL": postgres.url(name),
        "TASKS_BACKEND": "database",
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "WORKER_STALE_SECONDS": str(stale),
    }
    return subprocess.Popen(
        [
            sys.executable,
            str(postgres.ROOT / "manage.py"),
            "run_worker",
            "--interval",
            "0.2",
            "--grace",
            str(grace),
        ],
        cwd=postgres.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(journal: Path) -> list[str]:
    return journal.read_text().splitlines() if journal.exists() else []


def _stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return process.returncode, output


def _status(task_id: str) -> str:
    return DBTaskResult.objects.using("ops_worker").get(pk=task_id).status


def test_sigterm_lets_the_running_task_finish_and_it_never_runs_again(
    worker_db: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    task_id = _enqueue("graceful", 2, journal)
    worker = _start_worker(worker_db, grace=30)
    try:
        _wait_for(lambda: _lines(journal) == ["started graceful"], "the task to start")
        code, output = _stop(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert code == 0, output
    assert _status(task_id) == "SUCCESSFUL"
    assert not WorkerHeartbeat.objects.using("ops_worker").exists()  # said goodbye

    again = _start_worker(worker_db, grace=30)
    _wait_for(lambda: WorkerHeartbeat.objects.using("ops_worker").exists(), "the worker")
    time.sleep(1)  # a few polls of the queue
    code, output = _stop(again)
    assert code == 0, output
    assert _lines(journal) == ["started graceful", "committed graceful"]


def test_a_task_cut_by_sigterm_is_retried_and_completed_exactly_once(
    worker_db: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    task_id = _enqueue("cut", 30, journal)
    worker = _start_worker(worker_db, grace=0.5)
    try:
        _wait_for(lambda: _lines(journal) == ["started cut"], "the task to start")
        code, output = _stop(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert code == 0, output
    assert "put back in the queue" in output
    assert _status(task_id) == "READY"  # not failed: queued again
    assert not CompletedOnce.objects.using("ops_worker").exists()  # its work rolled back

    DBTaskResult.objects.using("ops_worker").filter(pk=task_id).update(
        args_kwargs={"args": ["cut", 0.5, str(journal)], "kwargs": {}}
    )  # the second run is quick
    again = _start_worker(worker_db, grace=30)
    try:
        _wait_for(lambda: _status(task_id) == "SUCCESSFUL", "the retry to succeed")
    finally:
        _stop(again)
    assert _lines(journal) == ["started cut", "started cut", "committed cut"]
    assert CompletedOnce.objects.using("ops_worker").filter(key="cut").count() == 1


def test_a_task_of_a_killed_worker_is_taken_up_by_the_next_and_done_once(
    worker_db: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    first_id = _enqueue("killed", 30, journal)
    duplicate_id = _enqueue("killed", 0.1, journal)  # the same work enqueued twice
    worker = _start_worker(worker_db, grace=30, stale=2)
    try:
        _wait_for(lambda: _lines(journal) == ["started killed"], "the task to start")
        worker.kill()  # SIGKILL: no goodbye, the task stays RUNNING
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _status(first_id) == "RUNNING"

    with transaction.atomic(using="ops_worker"):
        DBTaskResult.objects.using("ops_worker").filter(pk=first_id).update(
            args_kwargs={"args": ["killed", 0.1, str(journal)], "kwargs": {}}
        )
    again = _start_worker(worker_db, grace=30, stale=2)
    try:
        _wait_for(
            lambda: {_status(first_id), _status(duplicate_id)} == {"SUCCESSFUL"},
            "the orphan and the duplicate to finish",
        )
    finally:
        _stop(again)
    lines = _lines(journal)
    assert lines.count("committed killed") == 1, lines
    assert lines.count("skipped killed") == 1, lines
