from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "careershub.matching"
    label = "matching"
    verbose_name = "Employer-school matching"
