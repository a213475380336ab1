"""Background work's progress as its pages show it, how long it may run before they say that
something may be wrong, and how long an import's personal data is kept (issue 5: retention).

Imports of files that name learners (learner MIS imports, activity records imports) keep the
uploaded file only while it is needed: it is deleted once the import is applied, cancelled,
rejected or failed. An import left unconfirmed (columns to match, ready to confirm, or a check
or an apply whose worker stalled) for `IMPORT_UNCONFIRMED_DAYS` is cancelled by the daily retention task, and
a finished import's names and row problems are cleared `IMPORT_DETAILS_DAYS` after it finished;
its figures and file name are kept."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

#: A background import still under way this long after it started may have no worker running it.
LONG_RUNNING = datetime.timedelta(minutes=15)
#: Defaults of the settings of the same names (days).
DEFAULT_IMPORT_UNCONFIRMED_DAYS = 7
DEFAULT_IMPORT_DETAILS_DAYS = 30


def import_unconfirmed_days() -> int:
    """Days an import may wait for its careers leader (to match columns or confirm) before the
    daily retention task cancels it and deletes its file."""
    return int(getattr(settings, "IMPORT_UNCONFIRMED_DAYS", DEFAULT_IMPORT_UNCONFIRMED_DAYS))


def import_details_days() -> int:
    """Days after an import finished that its names and row problems are cleared (its figures stay)."""
    return int(getattr(settings, "IMPORT_DETAILS_DAYS", DEFAULT_IMPORT_DETAILS_DAYS))


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

    #: The statuses after which nothing more happens to it (its file is no longer needed).
    FINISHED: ClassVar[frozenset[str]] = frozenset({"done", "failed", "cancelled", "rejected"})
    #: The statuses in which it waits for its careers leader (to match columns or to confirm), or
    #: for a check that may have stalled: the retention task cancels it after a while (and an
    #: apply that stalled, counted from its confirmation: `applying_until`).
    UNCONFIRMED: ClassVar[frozenset[str]] = frozenset({"mapping", "ready", "checking"})
    finished_at: Any

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def checking_since(self) -> datetime.datetime | None:
        """When its file's check began (the upload, unless the model records a later start)."""
        return getattr(self, "check_started_at", None) or self.created_at

    @property
    def running_long(self) -> bool:
        """Checking (since the check began) or applying (since the confirmation) for longer than
        a background import should take: the page then says the worker may not be running."""
        started = self.confirmed_at if self.status == "applying" else self.checking_since
        return self.in_progress and running_long(started)

    def check_stalled(self, *, now: datetime.datetime | None = None) -> bool:
        """Still checking its file longer than `LONG_RUNNING` after the check began: its worker
        may have died, so its careers leader may cancel it (a check that finishes later finds it
        cancelled and keeps nothing)."""
        return self.status == "checking" and running_long(self.checking_since, now=now)

    def apply_stalled(self, *, now: datetime.datetime | None = None) -> bool:
        """Still applying longer than `LONG_RUNNING` after it was confirmed (or last tried again):
        its worker may have died, so its careers leader may try it again or cancel it. The apply
        is one transaction that starts by locking the import and finding it still applying, so an
        apply that ends later after all writes nothing once it is cancelled or done."""
        return self.status == "applying" and running_long(self.confirmed_at, now=now)

    @property
    def unconfirmed_until(self) -> datetime.datetime | None:
        """When the retention task cancels it if it is still waiting for its careers leader."""
        if self.status not in self.UNCONFIRMED:
            return None
        started = self.checking_since or timezone.now()
        return started + datetime.timedelta(days=import_unconfirmed_days())

    @property
    def applying_until(self) -> datetime.datetime | None:
        """When the retention task cancels it if it is still applying (an apply that stalled and
        was neither tried again nor cancelled), `IMPORT_UNCONFIRMED_DAYS` after its confirmation."""
        if self.status != "applying":
            return None
        return (self.confirmed_at or timezone.now()) + datetime.timedelta(days=import_unconfirmed_days())

    @property
    def details_until(self) -> datetime.datetime | None:
        """When its names and row problems are (or were) cleared: `IMPORT_DETAILS_DAYS` after it finished."""
        if self.status not in self.FINISHED:
            return None
        finished = self.finished_at or self.created_at
        return finished + datetime.timedelta(days=import_details_days())

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


def record_import_retention(
    *,
    institution: Any,
    counts: dict[str, int],
    kind: str,
    label: str,
    unconfirmed_before: datetime.datetime,
    details_before: datetime.datetime,
) -> None:
    """The one audit event a daily import retention task writes per institution: the numbers of
    imports cancelled, files deleted and details cleared (`{kind}_{name}`), never names; nothing
    when all are zero."""
    from careershub.audit.models import AuditAction
    from careershub.audit.services import record

    counts = {name: number for name, number in counts.items() if number}
    if not counts:
        return
    record(
        actor=None,
        organisation=institution.organisation,
        action=AuditAction.DELETE,
        instance=institution,
        after={
            **{f"{kind}_{name}": number for name, number in sorted(counts.items())},
            "unconfirmed_before": unconfirmed_before.isoformat(),
            "finished_before": details_before.isoformat(),
        },
        label=f"{label} of {institution.name} (retention)",
    )
