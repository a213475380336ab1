from django.urls import path

from careershub.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.index, name="index"),
    path("national/", views.national, name="national"),
    path("institutions/<int:urn>/", views.institution, name="institution"),
    path("institutions/<int:urn>/tables/<str:table>.csv", views.institution_csv, name="institution-csv"),
    path("institutions/<int:urn>/insight.xlsx", views.institution_xlsx, name="institution-xlsx"),
    path("<str:level>/<int:pk>/", views.area_dashboard, name="dashboard"),
    path("<str:level>/<int:pk>/hub-comparison/", views.comparison, name="comparison"),
    path("<str:level>/<int:pk>/tables/<str:table>.csv", views.table_csv, name="table-csv"),
    path("<str:level>/<int:pk>/insight.xlsx", views.workbook, name="xlsx"),
    path("<str:level>/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("<str:level>/<int:pk>/charts/<str:table>.svg", views.chart, name="chart"),
]
