from django.urls import path

from careershub.institutions import views, views_gias

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("gias-import/", views_gias.gias_import, name="gias-import"),
    path("<int:urn>/", views.institution_detail, name="detail"),
]
