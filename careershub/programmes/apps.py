from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "careershub.programmes"
    label = "programmes"
    verbose_name = "Careers programme planning"
