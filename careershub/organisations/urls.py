from django.urls import path

from careershub.organisations import views

app_name = "organisations"
urlpatterns = [path("switch/", views.switch, name="switch")]
