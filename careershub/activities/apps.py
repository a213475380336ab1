from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "careershub.activities"
    label = "activities"
    verbose_name = "Careers activities"
