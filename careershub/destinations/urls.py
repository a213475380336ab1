from django.urls import path

from careershub.destinations import views

app_name = "destinations"
urlpatterns = [
    path("", views.leaver_list, name="leavers"),
    path("add-leavers/", views.add_leavers, name="add-leavers"),
    path("export.csv", views.leaver_export, name="export"),
    path("summary/", views.summary, name="summary"),
    path("learners/<int:pk>/", views.learner_destinations, name="learner"),
    path("learners/<int:pk>/<str:stage>/", views.leaver_edit, name="leaver-edit"),
    path("leavers/<int:leaver_pk>/activities/new/", views.activity_add, name="activity-add"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
]
