from django.urls import path

from careershub.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.index, name="index"),
    path("hubs/<int:pk>/", views.hub_rounds, name="hub"),
    path("hubs/<int:pk>/priorities/", views.hub_priorities, name="priorities"),
    path("hubs/<int:pk>/rounds/new/", views.round_create, name="round-create"),
    path("rounds/national/new/", views.national_round_create, name="national-round-create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/round.csv", views.round_csv, name="round-csv"),
    path("rounds/<int:pk>/unmatched/", views.round_unmatched, name="round-unmatched"),
    path("rounds/<int:pk>/solve/", views.round_solve, name="round-solve"),
    path("matches/<int:pk>/review/", views.match_review, name="match-review"),
    path("replies/", views.responses, name="responses"),
    path("matches/<int:pk>/reply/", views.respond, name="respond"),
    path("matches/<int:pk>/delivered/", views.deliver, name="deliver"),
    path("matches/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("hubs/<int:pk>/feedback/", views.hub_feedback, name="hub-feedback"),
]
