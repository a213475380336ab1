from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "careershub.hubs"
    label = "hubs"
    verbose_name = "Careers Hubs"
