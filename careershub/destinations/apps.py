from django.apps import AppConfig


class DestinationsConfig(AppConfig):
    name = "careershub.destinations"
    label = "destinations"
    verbose_name = "Destinations"
