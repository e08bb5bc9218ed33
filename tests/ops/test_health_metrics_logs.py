"""/healthz, /readyz, /metrics and the request log line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scarclinic.ops.logging import JsonFormatter
from scarclinic.ops.models import WorkerHeartbeat
from tests.cast import Cast

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_healthz_answers_without_touching_the_database(client: Client) -> None:
    # No database fixture: a query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_without_a_worker_when_tasks_run_in_the_request(
    client: Client, db: None
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "storage": "ok", "worker": "not used"}


def test_readyz_fails_while_no_worker_heartbeat_is_fresh(
    client: Client,
    db: None,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.TASKS = DATABASE_TASKS
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "error: no worker has started"

    now = timezone.now()
    beat = WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=now, seen_at=now - timedelta(minutes=5)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "error: worker heartbeat is stale"

    beat.seen_at = timezone.now()
    beat.save()
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_when_the_media_folder_cannot_be_written(
    client: Client,
    db: None,
    settings,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    settings.MEDIA_ROOT = in_the_way / "media"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error: media folder not writable"


def test_metrics_are_refused_without_the_token_or_an_allowed_address(
    client: Client,
    db: None,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metrics_count_requests_and_read_queue_reminders_and_products(
    client: Client,
    cast: Cast,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from django_tasks_db.models import DBTaskResult, get_date_max

    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    client.get("/healthz")
    client.get("/healthz")
    DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="scarclinic.treatments.tasks.send_reminder",
        backend_name="default",
        run_after=get_date_max(),
    )
    text = client.get("/metrics").content.decode()
    assert 'scarclinic_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "scarclinic_http_request_duration_seconds_bucket" in text
    for family in (
        'scarclinic_task_queue_depth{queue="default",status="ready"} 1.0',
        "scarclinic_reminders_failed",
        "scarclinic_products_expiring_soon",
        "scarclinic_workers_alive 0.0",
    ):
        assert family in text


def test_the_request_id_is_kept_or_made_and_returned(client: Client, db: None) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123").headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n<script>").headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()


def test_one_json_line_per_request_without_query_strings_or_feed_tokens(
    login,  # type: ignore[no-untyped-def]
    cast: Cast,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = login(cast.physician)
    with caplog.at_level(logging.INFO, logger="scarclinic.request"):
        client.get("/patients/?q=Amina+Khan", HTTP_X_REQUEST_ID="req-1")
        client.get(f"/patients/{cast.amina.pk}/")
        client.get("/treatments/feed/SECRETTOKEN123.ics")
    records = [r for r in caplog.records if r.name == "scarclinic.request"]
    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    first = lines[0]
    assert first["request_id"] == "req-1"
    assert first["route"] == "/patients/" and first["status"] == 200
    assert first["user_id"] == cast.physician.pk and first["clinic_id"] == cast.clinic_a.pk
    assert first["method"] == "GET" and first["duration_ms"] >= 0
    assert lines[1]["path"] == f"/patients/{cast.amina.pk}/"
    assert lines[1]["route"] == "/patients/<int:pk>/"
    everything = "\n".join(JsonFormatter().format(r) for r in records)
    for secret in ("Amina", "Khan", "q=", "SECRETTOKEN123", cast.amina.mrn):
        assert secret not in everything
    assert "<redacted>" in lines[2]["path"]


def test_a_logged_exception_keeps_its_type_and_stack_but_not_its_message() -> None:
    patient_name = "".join(["Ami", "na"])  # runtime data, not source text
    try:
        raise ValueError(f"duplicate key (mrn)=(A-123) for {patient_name}")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["exc_type"] == "builtins.ValueError" and "test_health" in line["stack"]
    assert "Amina" not in json.dumps(line)


def test_probes_answer_a_load_balancer_by_address_over_plain_http(
    client: Client,
    db: None,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.ALLOWED_HOSTS = ["clinic.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path, HTTP_HOST="10.0.1.11:8000").status_code == 200, path
    assert client.get("/login/", HTTP_HOST="10.0.1.11:8000").status_code == 400
    assert client.get("/login/", HTTP_HOST="clinic.example.org").status_code == 301
    assert client.post("/healthz").status_code == 405


def test_static_files_and_probes_are_counted_but_not_logged_at_info(
    client: Client,
    db: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="scarclinic.request"):
        client.get("/healthz")
        client.get("/static/web/app.css")
        client.get("/login/")
    routes = [r.route for r in caplog.records if r.name == "scarclinic.request"]  # type: ignore[attr-defined]
    assert routes == ["/login/"]


def test_the_gauges_count_failing_reminders_and_products_about_to_expire(
    client: Client,
    cast: Cast,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from scarclinic.biologics.tests.stories import build_lab_world, svf_unit
    from scarclinic.treatments.models import Reminder
    from scarclinic.treatments.tests.test_reminders import _booked

    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    _booked(cast)
    Reminder.objects.update(status="gave_up")
    svf_unit(build_lab_world(cast))  # expires in 24 hours
    clinic = cast.clinic_a.pk

    text = client.get("/metrics").content.decode()
    assert f'scarclinic_reminders_failed{{clinic_id="{clinic}",status="gave_up"}} 1.0' in text
    assert f'scarclinic_products_expiring_soon{{clinic_id="{clinic}"}} 1.0' in text

    settings.PRODUCT_EXPIRY_WARNING_DAYS = 0
    assert "scarclinic_products_expiring_soon{" not in client.get("/metrics").content.decode()
