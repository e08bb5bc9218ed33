"""The production services from their documented commands, on PostgreSQL: gunicorn with
the production profile (ops/gunicorn_conf.py, as ``make serve`` and the systemd unit start
it) and the task worker (``manage.py run_worker``, as ``make worker``). Sign in, register a
patient, send a due reminder through cron's ``send_reminders`` and the worker; then SIGTERM
both and see them stop cleanly.

The test stands in for the TLS proxy (it sends X-Forwarded-Proto: https) and signs in with
a password only (REQUIRE_STAFF_2FA=0); everything else is the production profile."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest

from tests.cast import PASSWORD
from tests.ops import postgres

SECRET = "smoke-" + "s" * 60
TOKEN = "metrics-token-for-the-smoke-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """Just enough of a browser behind a TLS proxy: cookies (Secure ones too), no redirects."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        origin = f"https://127.0.0.1:{self.port}"
        all_headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **headers,
        }
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urlencode(form)
            all_headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def _wait_http(port: int, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer /healthz")


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return process.returncode, output


@pytest.fixture
def services(django_db_blocker, tmp_path: Path) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
    postgres.server()
    with django_db_blocker.unblock(), postgres.own_database("smoke") as name:
        env = postgres.base_env() | {
            "SCARCLINIC_ENV": "production",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": postgres.url(name),
            "ALLOWED_HOSTS": "127.0.0.1",
            "REQUIRE_STAFF_2FA": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SCARCLINIC_VAR": str(tmp_path / "var"),
            "TASKS_BACKEND": "database",
            "WEB_WORKERS": "2",
            "WEB_THREADS": "2",
            "METRICS_TOKEN": TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
            "WORKER_HEARTBEAT_SECONDS": "1",
            "STATIC_COMPRESS": "0",  # hashed names without gzip/brotli: seconds, not minutes
        }
        setup_env = env | {"TASKS_BACKEND": "immediate", "SCARCLINIC_ENV": "development"}
        reminder_id = int(
            postgres.manage(
                "shell", "-c", "from tests.ops.smoke_setup import main; main()", env=setup_env
            )
            .strip()
            .splitlines()[-1]
        )
        postgres.manage("collectstatic", "--noinput", "-v0", env=env)
        port = _free_port()
        web = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "python:scarclinic.ops.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "scarclinic.config.wsgi:application",
            ],
            cwd=postgres.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        worker = subprocess.Popen(
            [sys.executable, str(postgres.ROOT / "manage.py"), "run_worker", "--interval", "0.2"],
            cwd=postgres.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_http(port, web)
            yield {
                "port": port,
                "web": web,
                "worker": worker,
                "env": env,
                "db": name,
                "reminder_id": reminder_id,
            }
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.kill()
                    process.communicate()


def _query(name: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    with psycopg.connect(postgres.url(name)) as conn:
        return conn.execute(sql, args).fetchall()  # type: ignore[arg-type]


def test_the_services_serve_a_clinic_day_and_stop_cleanly(services: dict[str, object]) -> None:
    port, db = int(services["port"]), str(services["db"])  # type: ignore[call-overload]
    browser = Browser(port)

    status, _, _ = browser.request("GET", "/login/")
    assert status == 200 and "csrftoken" in browser.cookies
    status, headers, _ = browser.request(
        "POST", "/login/", {"username": "frontdesk", "password": PASSWORD}
    )
    assert status == 302, "sign-in refused"
    assert "strict-transport-security" in headers  # the production profile is on

    status, headers, _ = browser.request(
        "POST",
        "/patients/register/",
        {
            "mrn": "S-0001",
            "given_name": "Smoke",
            "family_name": "Test",
            "date_of_birth": "1990-01-01",
            "sex": "female",
            "phone": "+92 300 1112223",
            "email": "",
            "address": "",
            "preferred_language": "en",
        },
        **{"X-Request-ID": "smoke-register"},
    )
    assert status == 302 and headers["x-request-id"] == "smoke-register"
    patient_id = int(re.search(r"/patients/(\d+)/", headers["location"]).group(1))  # type: ignore[union-attr]
    assert browser.request("GET", f"/patients/{patient_id}/")[0] == 200
    assert _query(db, "SELECT mrn FROM patients_patient WHERE id = %s", patient_id) == [("S-0001",)]

    # cron's command queues the dispatcher; the worker runs it, then the send it queues.
    postgres.manage("send_reminders", env=services["env"])  # type: ignore[arg-type]
    reminder_id = services["reminder_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = _query(
            db, "SELECT status, attempts FROM treatments_reminder WHERE id = %s", reminder_id
        )
        if rows[0][0] == "sent":
            break
        time.sleep(0.3)
    assert rows == [("sent", 1)]

    status, _, body = browser.request("GET", "/readyz")
    assert status == 200, body
    assert json.loads(body)["checks"] == {"database": "ok", "storage": "ok", "worker": "ok"}
    status, _, metrics = browser.request("GET", "/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200
    assert 'route="/patients/register/",status="302"' in metrics  # summed over processes
    assert "scarclinic_workers_alive 1.0" in metrics

    web_code, web_log = _stop(services["web"])  # type: ignore[arg-type]
    worker_code, worker_log = _stop(services["worker"])  # type: ignore[arg-type]
    assert web_code == 0, web_log
    assert worker_code == 0, worker_log
    assert "Worker stopped" in worker_log
    request_lines = [
        json.loads(line) for line in web_log.splitlines() if '"scarclinic.request"' in line
    ]
    register = [line for line in request_lines if line["request_id"] == "smoke-register"]
    assert register and register[0]["status"] == 302 and register[0]["user_id"]
    assert "Smoke" not in web_log and "S-0001" not in web_log  # no patient data in the logs
