"""Queue the peer review deadline reminders. Run daily (cron or a scheduler)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from careershub.reviews.tasks import send_review_reminders


class Command(BaseCommand):
    help = "Queue reminder emails for peer review steps due within a week or overdue, in every running cycle."

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_review_reminders.enqueue()
        self.stdout.write(f"Queued the peer review reminders (task {result.id}).")
