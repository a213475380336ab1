from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "careershub.employers"
    label = "employers"
    verbose_name = "Employers, offers and school requests"
