from django.apps import AppConfig


class NeetConfig(AppConfig):
    name = "careershub.neet"
    label = "neet"
    verbose_name = "NEET and participation (published figures)"
