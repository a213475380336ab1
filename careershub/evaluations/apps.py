from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EvaluationsConfig(AppConfig):
    name = "careershub.evaluations"
    label = "evaluations"
    verbose_name = "Benchmark evaluations"

    def ready(self) -> None:
        from careershub.evaluations.loading import load_after_migrate

        post_migrate.connect(load_after_migrate, sender=self, dispatch_uid="evaluations-load-frameworks")
