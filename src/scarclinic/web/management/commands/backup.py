from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scarclinic.web.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the photo files into a new folder, with checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="A new or empty folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup(options["folder"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written to {report.folder}: {report.files} files, "
            f"database {report.database_bytes} bytes."
        )
