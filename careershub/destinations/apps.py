from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_codes_after_migrate(sender: Any, **kwargs: Any) -> None:
    """The codes are loaded by migration 0002; a test database flush removes them, and Django
    emits post_migrate after a flush, so they are put back (idempotently) here too."""
    from careershub.destinations.loaders import load_activity_codes

    load_activity_codes()


class DestinationsConfig(AppConfig):
    name = "careershub.destinations"
    label = "destinations"
    verbose_name = "Destinations"

    def ready(self) -> None:
        post_migrate.connect(_load_codes_after_migrate, sender=self, dispatch_uid="destinations-load-codes")
