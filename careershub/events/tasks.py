"""Background work for events: reminders (run daily or hourly by the scheduler)."""

from __future__ import annotations

from django_tasks import task

from careershub.events import services


@task()
def send_event_reminders() -> dict[str, int]:
    """Queue the reminder emails that are due (each registration is reminded once)."""
    return {"reminded": services.send_reminders()}
