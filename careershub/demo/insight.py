"""Insight for the demo: bring the dashboards' precomputed facts up to date with the demo's
generated evaluation histories (written in bulk, so no submission queued a refresh), and
compute ahead England's and each hub's Hub vs comparison estimates.

Running it again rebuilds the same rows: it adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from careershub.insight.models import InsightFact
from careershub.insight.services import comparisons_warm, facts_refresh


def load_demo_insight(add: Callable[[str, int], None]) -> None:
    before = set(InsightFact.objects.values_list("institution_id", "point", "score", "hub_id"))
    facts_refresh()
    after = set(InsightFact.objects.values_list("institution_id", "point", "score", "hub_id"))
    if after != before:
        add("insight facts", len(after - before))
    computed = comparisons_warm()
    if computed:
        add("insight comparisons", computed)
