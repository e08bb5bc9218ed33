"""Kill -9 under a write load: no acknowledged write is lost, nothing is half-written.

    python bench/crash_test.py --db sqlite   (or --db postgres; --seconds, --clients)

Starts gunicorn on loopback against a fresh database, runs client threads that register
patients and record their medical history through the API (each a multi-step write with
its audit entry), SIGKILLs the whole server mid-load, then checks from the database:
- every write the server acknowledged (HTTP 201) is there;
- no record is half-written: every patient and history version has its audit entry and
  every audit entry of the load points at a record that exists;
- the audit chain verifies;
and restarts the server to show it comes back. Prints the figures; exits 1 on any loss.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
LOG = ROOT / "var" / "crash-test-server.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(kind: str) -> str:
    if kind == "sqlite":
        path = ROOT / "var" / "crash.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            "DROP DATABASE IF EXISTS scarclinic_crash",
        ],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE scarclinic_crash"],
        check=True,
    )
    return "postgres://postgres@127.0.0.1:5432/scarclinic_crash"


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "scarclinic.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=LOG.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start; see {LOG}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def client(port: int, number: int, stop: threading.Event, acked: list[tuple[str, str]]) -> None:
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    session.get(f"{base}/login/", timeout=5)
    session.post(
        f"{base}/login/",
        data={
            "username": "nurse",
            "password": "scarclinic-demo",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=5,
    )
    headers = {"X-CSRFToken": session.cookies["csrftoken"]}
    i = 0
    while not stop.is_set():
        i += 1
        mrn = f"CR-{number}-{i}"
        try:
            created = session.post(
                f"{base}/api/v1/patients",
                headers=headers,
                timeout=5,
                json={
                    "mrn": mrn,
                    "given_name": "Load",
                    "family_name": f"Test{number}",
                    "date_of_birth": date(1995, 1, 1).isoformat(),
                },
            )
            if created.status_code != 201:
                continue
            acked.append(("patient", mrn))
            patient_id = created.json()["id"]
            history = session.post(
                f"{base}/api/v1/patients/{patient_id}/history",
                headers=headers,
                timeout=5,
                json={"fitzpatrick": 4, "herpes_simplex_history": True},
            )
            if history.status_code == 201:
                acked.append(("history", mrn))
        except requests.RequestException:
            return  # the server is gone


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    env = dict(os.environ)
    env |= {
        "DATABASE_URL": database_url(args.db),
        "DJANGO_SETTINGS_MODULE": "scarclinic.config.settings",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*manage, "seed_demo", "--patients", "20"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    server = start_server(env, port)
    stop = threading.Event()
    acked: list[tuple[str, str]] = []
    threads = [
        threading.Thread(target=client, args=(port, n, stop, acked)) for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-write
    killed_at = len(acked)
    stop.set()
    for thread in threads:
        thread.join()
    server.wait()

    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from scarclinic.audit.models import AuditEntry
    from scarclinic.audit.services import audit_verify
    from scarclinic.patients.models import MedicalHistoryVersion, Patient

    load = Patient.objects.filter(mrn__startswith="CR-")
    found = set(load.values_list("mrn", flat=True))
    with_history = set(
        MedicalHistoryVersion.objects.filter(patient__in=load).values_list(
            "patient__mrn", flat=True
        )
    )
    lost = [mrn for kind, mrn in acked if mrn not in (found if kind == "patient" else with_history)]
    patient_ids = set(load.values_list("pk", flat=True))
    audited = set(
        AuditEntry.objects.filter(
            action="create", object_type="patients.patient", patient_id__in=patient_ids
        ).values_list("patient_id", flat=True)
    )
    unaudited = patient_ids - audited
    history_ids = {
        str(pk)
        for pk in MedicalHistoryVersion.objects.filter(patient__in=load).values_list(
            "pk", flat=True
        )
    }
    audited_histories = set(
        AuditEntry.objects.filter(
            object_type="patients.medicalhistoryversion", patient_id__in=patient_ids
        ).values_list("object_id", flat=True)
    )
    dangling = {a for a in audited_histories if a not in history_ids}
    problems = audit_verify()
    restarted = start_server(env, port)
    came_back = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    stop_server(restarted)

    print(f"database:                     {args.db}")
    print(f"acknowledged writes:          {len(acked)} ({killed_at} before the kill)")
    print(
        f"patients in the database:     {len(found)} (of which with history: {len(with_history)})"
    )
    print(f"acknowledged but lost:        {len(lost)}")
    print(f"records without audit entry:  {len(unaudited)}")
    print(f"audit entries without record: {len(dangling)}")
    print(f"audit chain problems:         {len(problems)} ({AuditEntry.objects.count()} entries)")
    print(f"after restart /healthz:       {came_back}")
    return 1 if lost or unaudited or dangling or problems else 0


if __name__ == "__main__":
    sys.exit(main())
