"""Background work for employers: the daily compliance expiry reminders (settings.DAILY_TASKS)."""

from __future__ import annotations

from django_tasks import task

from careershub.employers import services


@task()
def send_compliance_reminders() -> dict[str, int]:
    """Email employers (and their hub) before and when a DBS check, insurance or risk assessment expires."""
    return {"reminded": services.compliance_send_reminders()}
