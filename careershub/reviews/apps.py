from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "careershub.reviews"
    label = "reviews"
    verbose_name = "Peer review"
