"""Backup and restore of the whole clinic: the database and the photo files, with a
manifest of SHA-256 checksums so a damaged or incomplete backup is refused before it
overwrites anything.

SQLite: the online backup API (a consistent copy while the clinic works). PostgreSQL:
pg_dump in its custom format, restored with pg_restore --clean."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup that cannot be made or a backup that must not be restored."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict[str, Any]) -> list[str]:
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _database_name() -> str:
    return str(connection.settings_dict["NAME"])


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    files: int
    database_bytes: int


def backup(folder: Path) -> BackupReport:
    """Write a complete backup into an empty or new folder."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: choose a new folder for each backup.")
    vendor = connection.vendor
    if vendor == "sqlite":
        database_file = folder / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(database_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif vendor == "postgresql":
        database_file = folder / "database.pgdump"
        db = connection.settings_dict
        result = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                *_pg_args(db),
                "--file",
                str(database_file),
                _database_name(),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"No backup method for {vendor}.")
    media_root = Path(settings.MEDIA_ROOT)
    files: dict[str, str] = {}
    if media_root.exists():
        for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
            relative = path.relative_to(media_root)
            destination = folder / "media" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            files[f"media/{relative.as_posix()}"] = _sha256(destination)
    files[database_file.name] = _sha256(database_file)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(tz=UTC).isoformat(),
        "vendor": vendor,
        "database": database_file.name,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return BackupReport(folder, len(files), database_file.stat().st_size)


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file in it is present with its checksum."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{folder} has no {MANIFEST}: not a scarclinic backup.")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    problems = []
    for name, checksum in manifest["files"].items():
        path = folder / name
        if not path.exists():
            problems.append(f"missing: {name}")
        elif _sha256(path) != checksum:
            problems.append(f"damaged: {name}")
    if problems:
        raise BackupError("The backup is incomplete or damaged: " + "; ".join(problems))
    return manifest


def restore(folder: Path) -> dict[str, Any]:
    """Replace the database and the photo files with the backup's, after verifying it."""
    manifest = verify(folder)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['vendor']} database; this clinic runs {connection.vendor}."
        )
    database_file = folder / manifest["database"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(database_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        db = connection.settings_dict
        connection.close()
        result = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_args(db),
                "--dbname",
                _database_name(),
                str(database_file),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    media_root = Path(settings.MEDIA_ROOT)
    staged = media_root.with_name(media_root.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)
    if (folder / "media").exists():
        shutil.copytree(folder / "media", staged)
    else:
        staged.mkdir(parents=True)
    # Swap in the restored files only once they are all copied.
    old = media_root.with_name(media_root.name + ".before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if media_root.exists():
        media_root.rename(old)
    staged.rename(media_root)
    shutil.rmtree(old, ignore_errors=True)
    return manifest
