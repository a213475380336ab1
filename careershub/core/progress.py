"""How long background work may run before its page says that something may be wrong."""

from __future__ import annotations

import datetime

from django.utils import timezone

#: A background import still under way this long after it started may have no worker running it.
LONG_RUNNING = datetime.timedelta(minutes=15)


def running_long(started_at: datetime.datetime | None, *, now: datetime.datetime | None = None) -> bool:
    """Whether work that started at `started_at` has been running longer than `LONG_RUNNING`."""
    if started_at is None:
        return False
    return (now or timezone.now()) - started_at > LONG_RUNNING
