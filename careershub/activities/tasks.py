"""Background work for activities: checking and applying large activity records imports, and the
retention of those imports' files, learners' ids and row problems.

Runs on Django's tasks API (see `careershub.core.tasks`). Arguments and results are JSON.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from careershub.activities import imports


@task()
def check_activity_import(activity_import_id: int, today: str | None = None) -> dict[str, object]:
    """Read a stored file and work out its preview (nothing else changes). `today`: the day of
    the upload (ISO), from which dates in the future are refused."""
    item = imports.import_check(
        activity_import_id=activity_import_id,
        today=datetime.date.fromisoformat(today) if today else None,
    )
    return {"status": item.status, "rows": item.row_count, "errors": item.error_count}


@task()
def apply_activity_import(activity_import_id: int) -> dict[str, object]:
    """Apply a confirmed import in one transaction."""
    item = imports.import_apply(activity_import_id=activity_import_id)
    return {
        "status": item.status,
        "activities_new": item.activities_new,
        "participations_added": item.new_count,
        "already_recorded": item.already_count,
    }


@task()
def expire_activity_imports() -> dict[str, int]:
    """Cancel imports left unconfirmed for IMPORT_UNCONFIRMED_DAYS, delete files finished imports
    still keep, clear row problems IMPORT_DETAILS_DAYS after an import finished (run daily)."""
    return imports.imports_expire()
