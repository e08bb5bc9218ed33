"""The background task worker for production: ``manage.py run_worker`` (``make worker``).

django-tasks-db's ``db_worker`` with a heartbeat (for /readyz and orphan recovery) and a
bounded graceful shutdown on SIGTERM; see scarclinic/ops/worker.py."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from scarclinic.ops.worker import ShutdownRequested, Worker


class Command(DbWorkerCommand):
    help = "Run the background task worker (database backend) with heartbeat and graceful stop"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--grace",
            type=float,
            default=settings.WORKER_SHUTDOWN_GRACE_SECONDS,
            help="Seconds a running task may take to finish after SIGTERM before it is "
            "interrupted and queued again (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"] or get_random_string(32),
            excluded_queue_names=excluded,
            grace=options["grace"],
            heartbeat_every=settings.WORKER_HEARTBEAT_SECONDS,
            stale_after=settings.WORKER_STALE_SECONDS,
        )
        worker.configure_signals()
        try:
            worker.run()
        except ShutdownRequested as exc:  # a second signal while idle
            raise SystemExit(1) from exc
