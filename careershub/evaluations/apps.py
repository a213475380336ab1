from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "careershub.evaluations"
    label = "evaluations"
    verbose_name = "Benchmark evaluations"
