from django.urls import path

from careershub.learners import views, views_import

app_name = "learners"
urlpatterns = [
    path("", views.learner_list, name="list"),
    path("export.csv", views.learner_export, name="export"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("<int:pk>/careers-record.pdf", views.learner_record, name="record"),
    path("<int:pk>/careers-details/", views.learner_careers_details, name="careers-details"),
    path("import/", views_import.import_start, name="import"),
    path("import/<int:pk>/", views_import.import_detail, name="import-detail"),
    path("import/<int:pk>/confirm/", views_import.import_confirm, name="import-confirm"),
    path("import/<int:pk>/cancel/", views_import.import_cancel, name="import-cancel"),
    path("import/<int:pk>/retry/", views_import.import_retry, name="import-retry"),
]
