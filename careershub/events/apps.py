from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "careershub.events"
    label = "events"
    verbose_name = "Hub-wide events"
