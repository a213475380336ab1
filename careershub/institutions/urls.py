from django.urls import path

from careershub.institutions import views, views_gias

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("gias-import/", views_gias.gias_import, name="gias-import"),
    path("gias-import/<int:pk>/", views_gias.gias_import_result, name="gias-import-result"),
    path("gias-import/<int:pk>/preview/", views_gias.gias_import_preview, name="gias-import-preview"),
    path("gias-import/<int:pk>/confirm/", views_gias.gias_import_confirm, name="gias-import-confirm"),
    path("gias-import/<int:pk>/cancel/", views_gias.gias_import_cancel, name="gias-import-cancel"),
    path("<int:urn>/", views.institution_detail, name="detail"),
]
