"""Load the indicator catalogue (`data/indicators.yaml`) into `Indicator` rows: by the migration,
and again by `load_indicators()` when the file changes (codes are kept; new ones are added)."""

from __future__ import annotations

from typing import Any

from careershub.risk.scoring import load_catalogue


def load_indicators(model: Any = None) -> int:
    """Create or update one row per catalogue indicator; returns how many there are."""
    if model is None:
        from careershub.risk.models import Indicator

        model = Indicator
    rules, _thresholds = load_catalogue()
    for position, rule in enumerate(rules):
        model.objects.update_or_create(
            code=rule.code,
            defaults={
                "name": rule.name,
                "reason": rule.reason,
                "description": rule.description,
                "default_weight": rule.default_weight,
                "fields": list(rule.fields),
                "rule": rule.rule,
                "value": rule.value,
                "values": list(rule.values),
                "position": position,
            },
        )
    return len(rules)
