"""Background work for peer review: the daily deadline reminders.

Runs on Django's tasks API (see `careershub.core.tasks`); each reminder email is itself queued
through `send_email`. Arguments and results are JSON.
"""

from __future__ import annotations

from django_tasks import task

from careershub.reviews import services


@task()
def send_review_reminders() -> dict[str, int]:
    """Remind institutions behind on a step due within a week (or overdue), in every running cycle."""
    return {"reminders": services.reminders_for_running_cycles()}
