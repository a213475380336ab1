"""Background work's progress as its pages show it, and how long it may run before they say
that something may be wrong."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.utils import timezone

#: A background import still under way this long after it started may have no worker running it.
LONG_RUNNING = datetime.timedelta(minutes=15)


def running_long(started_at: datetime.datetime | None, *, now: datetime.datetime | None = None) -> bool:
    """Whether work that started at `started_at` has been running longer than `LONG_RUNNING`."""
    if started_at is None:
        return False
    return (now or timezone.now()) - started_at > LONG_RUNNING


class BackgroundImportProgress:
    """For an import model checked and applied by background tasks (learner MIS imports,
    activity records imports): its status, `created_at`, `confirmed_at`, `progress_done` and
    `progress_total` fields give what its page shows."""

    #: The statuses in which a background task is (or should be) working on it.
    IN_PROGRESS: ClassVar[frozenset[str]] = frozenset({"checking", "applying"})
    status: Any
    created_at: Any
    confirmed_at: Any
    progress_done: Any
    progress_total: Any

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def running_long(self) -> bool:
        """Checking (since the upload) or applying (since the confirmation) for longer than a
        background import should take: the page then says the worker may not be running."""
        started = self.confirmed_at if self.status == "applying" else self.created_at
        return self.in_progress and running_long(started)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
