"""Tasks the worker tests enqueue (imported by the worker subprocess from the checkout)."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction
from django_tasks import task

from scarclinic.ops.idempotency import once


def _append(path: str, line: str) -> None:
    with Path(path).open("a") as handle:
        handle.write(line + "\n")


@task()
def slow_once(key: str, seconds: float, journal: str) -> str:
    """Writes 'started' when it starts and 'committed' when its work commits: the journal
    shows how often it ran and how often it completed."""
    _append(journal, f"started {key}")
    with once(key) as first:
        if not first:
            _append(journal, f"skipped {key}")
            return "already done"
        time.sleep(seconds)
        transaction.on_commit(lambda: _append(journal, f"committed {key}"))
    return "done"
