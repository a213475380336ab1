"""Background work for insight: keeping the precomputed facts in step with the results.

Runs on Django's tasks API (see `careershub.core.tasks`). Arguments and results are JSON.
"""

from __future__ import annotations

from django_tasks import task

from careershub.insight import services


@task()
def refresh_insight_facts(institution_ids: list[int] | None = None) -> dict[str, int]:
    """Rebuild the facts of these institutions (all of them when None), then compute ahead the
    Hub vs comparison estimates of every dashboard (England, regions, LAs, LSIP areas,
    Opportunity Areas and hubs)."""
    rows = services.facts_refresh(institution_ids=institution_ids)
    return {"rows": rows, "comparisons": services.comparisons_warm()}
