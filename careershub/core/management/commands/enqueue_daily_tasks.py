"""Queue every daily background task named in `settings.DAILY_TASKS`.

Django's tasks API has no scheduler of its own: run this once a day from cron (or the platform's
scheduler) and the task worker does the work, e.g. `0 6 * * * manage.py enqueue_daily_tasks`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Queue the daily tasks: learner retention and the reminders of several apps (settings.DAILY_TASKS)."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in settings.DAILY_TASKS:
            result = import_string(path).enqueue()
            self.stdout.write(f"Queued {path} (task {result.id}).")
