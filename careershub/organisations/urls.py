from django.urls import path

from careershub.organisations import views

app_name = "organisations"
urlpatterns = [
    path("switch/", views.switch, name="switch"),
    path("people/", views.team, name="team"),
    path("people/add/", views.team_invite, name="team-invite"),
    path("people/<int:pk>/remove/", views.team_remove, name="team-remove"),
]
