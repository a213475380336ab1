"""Background tasks shared by every app.

Tasks use Django's tasks API (the django-tasks backport): `send_email.enqueue(...)` stores the
work on the configured queue (the database by default, Redis with TASKS_BACKEND=rq) and a
worker process (`manage.py db_worker` or `manage.py rqworker --job-class django_tasks_rq.Job`)
runs it. Arguments and return values must be JSON-serialisable.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(subject: str, body: str, recipient_list: list[str]) -> int:
    """Send one plain-text email to `recipient_list` through Django's mail API.

    Returns the number of messages sent (1, or 0 when there is nobody to send to).
    """
    recipients = [address for address in recipient_list if address]
    if not recipients:
        return 0
    return send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
        fail_silently=False,
    )
