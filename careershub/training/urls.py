from django.urls import path

from careershub.training import views

app_name = "training"
urlpatterns = [
    path("", views.training_list, name="list"),
    path("new/", views.training_add, name="add"),
    path("<int:pk>/change/", views.training_edit, name="edit"),
    path("<int:pk>/delete/", views.training_delete, name="delete"),
    path("hubs/<int:hub_pk>/", views.training_hub, name="hub"),
]
