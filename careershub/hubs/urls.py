from django.urls import path

from careershub.hubs import views

app_name = "hubs"
urlpatterns = [
    path("", views.hub_list, name="list"),
    path("<int:pk>/", views.hub_detail, name="detail"),
]
