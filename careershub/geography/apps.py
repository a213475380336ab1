from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "careershub.geography"
    label = "geography"
    verbose_name = "Geography reference data"
