from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_indicators_after_migrate(sender: Any, **kwargs: Any) -> None:
    """The catalogue is loaded by migration 0002; a test database flush removes it, and Django
    emits post_migrate after a flush, so it is put back (idempotently) here too."""
    from django.apps import apps

    from careershub.risk.loading import load_indicators

    load_indicators(apps.get_model("risk", "Indicator"))


class RiskConfig(AppConfig):
    name = "careershub.risk"
    label = "risk"
    verbose_name = "Risk of NEET"

    def ready(self) -> None:
        post_migrate.connect(_load_indicators_after_migrate, sender=self, dispatch_uid="risk-load-indicators")
