"""gunicorn settings for ``make serve`` and the systemd unit: ``gunicorn -c
python:scarclinic.ops.gunicorn_conf scarclinic.config.wsgi:application``.

Everything can be overridden on the command line or with ``GUNICORN_CMD_ARGS``."""

from __future__ import annotations

import os
from typing import Any

bind = f"{os.environ.get('BIND', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Two processes per core plus one (gunicorn's advice), each with a few threads for requests
# that wait on the database.
workers = int(os.environ.get("WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60
# SIGTERM: stop accepting, let requests in flight finish for up to this long, then exit.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
# Recycle workers now and then (memory held by large PDF or image work goes back).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# No gunicorn access log: it would carry query strings (search terms are patient names);
# the application writes one JSON line per request instead (ops.middleware).
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server: Any) -> None:
    # prometheus_client's multiprocess mode: start with an empty folder at every start.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
