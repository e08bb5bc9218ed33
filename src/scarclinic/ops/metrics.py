"""Prometheus metrics, served at /metrics (ops.views.metrics_view).

Request counts and latencies are counted in the process that served the request. Under
gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (the
systemd unit and compose file do): each process writes its values there and a scrape adds
them up (prometheus_client's multiprocess mode; ops/gunicorn_conf.py cleans up after a
worker exits). Queue depth, reminders and products are read from the database at scrape
time, so every web process reports the same figures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# Outside multiprocess mode the request metrics live in our own registry (not the global
# one, which holds the Python process collectors and would double-register on reload).
_REQUEST_REGISTRY = None if MULTIPROCESS else CollectorRegistry()

REQUESTS = Counter(
    "scarclinic_http_requests",
    "HTTP requests by method, route pattern and status",
    ["method", "route", "status"],
    registry=_REQUEST_REGISTRY,
)
LATENCY = Histogram(
    "scarclinic_http_request_duration_seconds",
    "Time from the first middleware to the response, by method and route pattern",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=_REQUEST_REGISTRY,
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class DatabaseCollector(Collector):
    """Figures read from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        from scarclinic.biologics.models import ProductUnit
        from scarclinic.ops.models import WorkerHeartbeat
        from scarclinic.treatments.models import Reminder, ReminderStatus

        now = timezone.now()
        queue = GaugeMetricFamily(
            "scarclinic_task_queue_depth",
            "Background tasks by queue and status (ready: waiting to run now or later)",
            labels=["queue", "status"],
        )
        rows = (
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
            .values("queue_name", "status")
            .annotate(n=Count("id"))
        )
        for row in rows:
            queue.add_metric([row["queue_name"], row["status"].lower()], row["n"])
        yield queue

        reminders = GaugeMetricFamily(
            "scarclinic_reminders_failed",
            "Reminders whose last send failed (failed: will retry; gave_up: no more retries; "
            "stuck: claimed for sending more than 15 minutes ago and never finished)",
            labels=["clinic_id", "status"],
        )
        failing = (
            Reminder.objects.filter(status__in=[ReminderStatus.FAILED, ReminderStatus.GAVE_UP])
            .values("clinic_id", "status")
            .annotate(n=Count("id"))
        )
        for row in failing:
            reminders.add_metric([str(row["clinic_id"]), row["status"]], row["n"])
        stuck = (
            Reminder.objects.filter(
                status=ReminderStatus.SENDING, due_at__lt=now - timedelta(minutes=15)
            )
            .values("clinic_id")
            .annotate(n=Count("id"))
        )
        for row in stuck:
            reminders.add_metric([str(row["clinic_id"]), "stuck"], row["n"])
        yield reminders

        days = settings.PRODUCT_EXPIRY_WARNING_DAYS
        expiring = GaugeMetricFamily(
            "scarclinic_products_expiring_soon",
            f"Cell product units in stock (quarantine, released, issued) that expire within "
            f"{days} days (PRODUCT_EXPIRY_WARNING_DAYS)",
            labels=["clinic_id"],
        )
        soon = (
            ProductUnit.objects.filter(
                status__in=["quarantine", "released", "issued"],
                expires_at__gt=now,
                expires_at__lte=now + timedelta(days=days),
            )
            .values("clinic_id")
            .annotate(n=Count("id"))
        )
        for row in soon:
            expiring.add_metric([str(row["clinic_id"])], row["n"])
        yield expiring

        workers = GaugeMetricFamily(
            "scarclinic_workers_alive",
            "Background workers whose heartbeat is fresher than WORKER_STALE_SECONDS",
        )
        fresh = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
        workers.add_metric([], WorkerHeartbeat.objects.filter(seen_at__gte=fresh).count())
        yield workers


def exposition() -> bytes:
    """The text a scrape receives."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        assert _REQUEST_REGISTRY is not None
        registry.register(_RequestMetrics())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


class _RequestMetrics(Collector):
    def collect(self) -> Iterator[Metric]:
        assert _REQUEST_REGISTRY is not None
        yield from _REQUEST_REGISTRY.collect()
