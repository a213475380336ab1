from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "careershub.organisations"
    label = "organisations"
    verbose_name = "Organisations and memberships"
