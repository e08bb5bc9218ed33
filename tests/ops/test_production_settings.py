"""The production profile: `manage.py check --deploy` is clean, and unsafe set-ups refuse
to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "-production-secret-for-the-check-only-" + "x" * 20


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_COOKIES"}}
    environment |= env
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_production_profile_passes_the_deployment_check() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SCARCLINIC_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        ALLOWED_HOSTS="clinic.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key() -> None:
    result = _manage(
        "check",
        SCARCLINIC_ENV="production",
        SECRET_KEY="short",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_on_sqlite() -> None:
    result = _manage(
        "check", SCARCLINIC_ENV="production", SECRET_KEY=GOOD_SECRET, DATABASE_URL="sqlite:///x.db"
    )
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_debug_cannot_be_switched_on_in_production() -> None:
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)",
        SCARCLINIC_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        DEBUG="1",
    )
    assert result.stdout.strip().splitlines()[-1] == "False True"


def test_the_network_profile_with_object_storage_and_a_replica_passes_the_check_too() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SCARCLINIC_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        DATABASE_REPLICA_URL="postgres://reader@127.0.0.1:5432/test",
        ALLOWED_HOSTS="clinic.example.org",
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="photos",
        AWS_S3_REGION_NAME="eu-central-1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_object_storage_refuses_to_start_without_a_bucket() -> None:
    result = _manage("check", STORAGE_BACKEND="s3")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr
