from django.urls import path

from careershub.evaluations import views_edit, views_evidence, views_results

app_name = "evaluations"
urlpatterns = [
    path("", views_edit.evaluation_list, name="list"),
    path("start/", views_edit.evaluation_start, name="start"),
    path("<int:pk>/", views_edit.overview, name="overview"),
    path("<int:pk>/learners/", views_edit.learner_numbers, name="learners"),
    path("<int:pk>/benchmarks/<int:number>/", views_edit.benchmark, name="benchmark"),
    path("<int:pk>/submit/", views_edit.submit, name="submit"),
    path("<int:pk>/criteria/<str:criterion>/evidence/", views_evidence.evidence, name="evidence"),
    path("<int:pk>/evidence/<int:evidence_pk>/remove/", views_evidence.evidence_remove, name="evidence-remove"),
    path("<int:pk>/evidence/<int:evidence_pk>/download/", views_evidence.evidence_download, name="evidence-download"),
    path("<int:pk>/results/", views_results.results, name="results"),
    path("<int:pk>/report.pdf", views_results.report_pdf, name="report-pdf"),
    path("<int:pk>/answers.csv", views_results.answers_csv, name="answers-csv"),
    path("hubs/<int:hub_pk>/", views_results.hub_overview, name="hub"),
]
