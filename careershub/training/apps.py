from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "careershub.training"
    label = "training"
    verbose_name = "Careers Leader training"
