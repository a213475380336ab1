"""Delete learners who left more than LEARNER_RETENTION_DAYS ago. Run daily (cron or a scheduler)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from careershub.learners import services


class Command(BaseCommand):
    help = "Delete learners who left more than LEARNER_RETENTION_DAYS (default 365) days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = services.learners_delete_departed()
        self.stdout.write(f"Deleted {deleted} departed learners (retention {services.retention_days()} days).")
