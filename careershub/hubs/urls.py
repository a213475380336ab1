from django.urls import path

from careershub.hubs import views

app_name = "hubs"
urlpatterns = [
    path("", views.hub_list, name="list"),
    path("new/", views.hub_create, name="create"),
    path("<int:pk>/", views.hub_detail, name="detail"),
    path("<int:pk>/members/add/", views.hub_add_institution, name="add-institution"),
    path("<int:pk>/members/<int:membership_pk>/leave/", views.hub_remove_institution, name="remove-institution"),
    path("<int:pk>/coordinators/assign/", views.hub_assign_coordinator, name="assign-coordinator"),
]
