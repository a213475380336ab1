from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "careershub.risk"
    label = "risk"
    verbose_name = "Risk of NEET"
