"""Background work for institutions: applying a confirmed GIAS import.

Runs on Django's tasks API (see `careershub.core.tasks`): the database queue by default, run by
`manage.py db_worker`. Arguments and return values are JSON.
"""

from __future__ import annotations

from django_tasks import task

from careershub.institutions.services import gias_import_run


@task()
def run_gias_import(gias_import_id: int) -> dict[str, object]:
    """Apply the queued `GiasImport` `gias_import_id` and return its status and figures."""
    gias_import = gias_import_run(gias_import_id=gias_import_id).gias_import
    return {
        "status": gias_import.status,
        "created": gias_import.created_count,
        "updated": gias_import.updated_count,
        "unchanged": gias_import.unchanged_count,
        "rejected": gias_import.rejected_count,
    }
