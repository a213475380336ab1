"""`manage.py refresh_insight_facts`: rebuild the dashboards' precomputed facts now, then compute
ahead the Hub vs comparison estimates of every dashboard (as the background task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from careershub.insight.services import comparisons_warm, facts_refresh


class Command(BaseCommand):
    help = "Rebuild the insight dashboards' per-institution, per-measurement-point facts."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = facts_refresh()
        computed = comparisons_warm()
        self.stdout.write(self.style.SUCCESS(f"Insight facts rebuilt: {rows} rows; {computed} estimates computed."))
