from django.urls import path

from careershub.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.risk_list, name="list"),
    path("learners/<int:pk>/", views.learner_risk, name="learner"),
    path("learners/<int:pk>/interventions/add/", views.intervention_add, name="intervention-add"),
    path("interventions/<int:pk>/", views.intervention_edit, name="intervention-edit"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("configuration/", views.configuration, name="configuration"),
]
