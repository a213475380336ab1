from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "careershub.insight"
    verbose_name = "Hub and national insight"

    def ready(self) -> None:
        from careershub.insight import signals

        signals.connect()
