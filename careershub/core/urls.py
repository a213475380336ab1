from django.urls import path

from careershub.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("careers-hub/", views.careers_hub, name="careers-hub"),
]
