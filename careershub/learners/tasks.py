"""Background work for learners: checking and applying MIS imports, deleting departed learners,
and the retention of MIS imports' files and details.

Runs on Django's tasks API (see `careershub.core.tasks`). Arguments and results are JSON.
"""

from __future__ import annotations

from django_tasks import task

from careershub.learners import services


@task()
def check_learner_import(learner_import_id: int) -> dict[str, object]:
    """Read a mapped file and work out its preview (nothing changes)."""
    learner_import = services.import_check(learner_import_id=learner_import_id)
    return {"status": learner_import.status, "rows": learner_import.row_count}


@task()
def apply_learner_import(learner_import_id: int) -> dict[str, object]:
    """Apply a confirmed import in one transaction."""
    learner_import = services.import_apply(learner_import_id=learner_import_id)
    return {
        "status": learner_import.status,
        "new": learner_import.new_count,
        "changed": learner_import.changed_count,
        "unchanged": learner_import.unchanged_count,
        "left": learner_import.leaving_count,
    }


@task()
def delete_departed_learners() -> dict[str, int]:
    """Delete learners who left more than LEARNER_RETENTION_DAYS ago (run daily)."""
    return {"deleted": services.learners_delete_departed()}


@task()
def expire_learner_imports() -> dict[str, int]:
    """Cancel imports left unconfirmed for IMPORT_UNCONFIRMED_DAYS, delete files finished imports
    still keep, clear names and row problems IMPORT_DETAILS_DAYS after an import finished (run daily)."""
    return services.imports_expire()
