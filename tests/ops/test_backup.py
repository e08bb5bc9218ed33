"""Backup and restore round-trip: every table and every photo file comes back as it was."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from scarclinic.assessments.services import assessment_save
from scarclinic.audit.services import audit_verify
from scarclinic.patients.models import Patient
from scarclinic.patients.services import patient_register
from scarclinic.web.backup import BackupError, backup, restore
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def _tables() -> dict[str, list[dict[str, Any]]]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_restore_brings_back_every_table_and_every_file(
    cast: Cast,
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    assessment_save(
        patient=cast.amina,
        by=cast.physician,
        visit_date=dt.date(2026, 10, 1),
        findings={"chin": {"ice_pick": 3}},
        qualitative_grade=2,
        sign=True,
    )
    default_storage.save("photos/a.jpg", ContentFile(b"\xff\xd8 not really a photo"))
    tables, files = _tables(), _files(Path(settings.MEDIA_ROOT))

    call_command("backup", str(tmp_path / "backup"))

    # Life goes on after the backup: a new patient, a lost file, a stray file.
    patient_register(
        clinic=cast.clinic_a,
        by=cast.frontdesk,
        mrn="A-9",
        given_name="New",
        family_name="Comer",
        date_of_birth=dt.date(2000, 1, 1),
    )
    default_storage.delete("photos/a.jpg")
    default_storage.save("photos/stray.jpg", ContentFile(b"stray"))
    assert Patient.objects.filter(mrn="A-9").exists()

    call_command("restore", str(tmp_path / "backup"), "--yes")

    assert _tables() == tables
    assert _files(Path(settings.MEDIA_ROOT)) == files
    assert audit_verify() == []


def test_a_damaged_backup_is_refused_before_anything_changes(
    cast: Cast,
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    default_storage.save("photos/b.jpg", ContentFile(b"photo"))
    folder = tmp_path / "backup"
    backup(folder)
    (folder / "media" / "photos" / "b.jpg").write_bytes(b"tampered")
    before = _tables()
    with pytest.raises(BackupError, match="damaged: media/photos/b.jpg"):
        restore(folder)
    shutil.rmtree(folder / "media")
    with pytest.raises(CommandError, match="missing: media/photos/b.jpg"):
        call_command("restore", str(folder), "--yes")
    assert _tables() == before


def test_a_backup_never_overwrites_an_earlier_one(cast: Cast, tmp_path: Path) -> None:
    backup(tmp_path / "one")
    with pytest.raises(BackupError, match="not empty"):
        backup(tmp_path / "one")
