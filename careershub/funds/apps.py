from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "careershub.funds"
    label = "funds"
    verbose_name = "Hub funds"
