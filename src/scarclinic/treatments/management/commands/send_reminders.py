"""Queue every reminder that is due (retries included): run from cron every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from scarclinic.treatments.tasks import dispatch_due_reminders


class Command(BaseCommand):
    help = "Queue the appointment and post-care reminders that are due, and failed ones to retry."

    def handle(self, *args: Any, **options: Any) -> None:
        result = dispatch_due_reminders.enqueue()
        self.stdout.write(f"Reminders queued: task {result.id} ({result.status}).")
