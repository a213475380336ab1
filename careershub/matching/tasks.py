"""Background work for matching: solving a round (`services.round_queue` enqueues it).

Runs on Django's tasks API (see `careershub.core.tasks`). Arguments and results are JSON.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from careershub.matching import services


@task()
def solve_match_round(round_id: int, actor_id: int | None = None) -> dict[str, object]:
    """Solve a queued round exactly and store its proposals (see `services.round_solve`)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id is not None else None
    match_round = services.round_solve_queued(round_id=round_id, actor=actor)
    return {"status": match_round.status, "objective": match_round.objective, "solve_ms": match_round.solve_ms}
