from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "careershub.audit"
    label = "audit"
    verbose_name = "Audit trail"
