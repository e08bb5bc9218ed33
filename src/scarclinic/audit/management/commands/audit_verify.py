from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scarclinic.audit.models import AuditEntry
from scarclinic.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain: report every entry altered, inserted or deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = audit_verify()
        total = AuditEntry.objects.count()
        if not problems:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {total} entries verified."))
            return
        for problem in problems:
            self.stdout.write(f"entry {problem.seq}: {problem.kind}: {problem.message}")
        raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {total} entries.")
