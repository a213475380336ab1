from django.urls import path

from careershub.activities import views, views_coverage, views_import

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/participants/", views.activity_participants, name="participants"),
    path("import/", views_import.import_start, name="import"),
    path("import/<int:pk>/", views_import.import_detail, name="import-detail"),
    path("import/<int:pk>/confirm/", views_import.import_confirm, name="import-confirm"),
    path("import/<int:pk>/cancel/", views_import.import_cancel, name="import-cancel"),
    path("import/<int:pk>/retry/", views_import.import_retry, name="import-retry"),
    path("guidance/new/<int:learner_pk>/", views.guidance_create, name="guidance-create"),
    path("guidance/<int:pk>/", views.guidance_detail, name="guidance-detail"),
    path("coverage/", views_coverage.coverage_overview, name="coverage"),
    path("coverage/hub/<int:hub_pk>/", views_coverage.hub_coverage_page, name="hub-coverage"),
    path("coverage/<slug:rule_code>/", views_coverage.coverage_gaps, name="coverage-gaps"),
    path("coverage/<slug:rule_code>/gaps.csv", views_coverage.coverage_gaps_csv, name="coverage-gaps-csv"),
]
