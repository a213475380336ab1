from django.urls import path

from careershub.neet import views, views_data

app_name = "neet"
urlpatterns = [
    path("", views.index, name="index"),
    path("england/", views.national, name="national"),
    path("published-files/", views_data.data, name="data"),
    path("comparison/", views.compare, name="comparison"),
    path("comparison/comparison.csv", views.compare_csv, name="comparison-csv"),
    path("comparison/comparison.svg", views.compare_chart, name="comparison-chart"),
    path("<str:level>/<str:key>/", views.area, name="area"),
    path("<str:level>/<str:key>/tables/<str:table>.csv", views.table_csv, name="table-csv"),
    path("<str:level>/<str:key>/charts/<str:chart>.svg", views.chart, name="chart"),
]
