"""The project's settings plus the floor: a bench-only URLconf with bare views, and the
recorder that captures the SQL a real page makes (innermost middleware). Used only by
``python -m bench`` on loopback; never in production."""

import os

from scarclinic.config.settings import *  # noqa: F403
from scarclinic.config.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = [*MIDDLEWARE, "bench.floor.RecordViewQueries"]
BENCH_FLOOR_DIR = os.environ.get("BENCH_FLOOR_DIR", "")
