from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "careershub.learners"
    label = "learners"
    verbose_name = "Learners"
