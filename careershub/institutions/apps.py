from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "careershub.institutions"
    label = "institutions"
    verbose_name = "Schools and colleges"
