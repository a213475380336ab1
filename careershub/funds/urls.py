from django.urls import path

from careershub.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.institution_funding, name="institution"),
    path("hubs/<int:hub_pk>/", views.hub_funds, name="hub"),
    path("hubs/<int:hub_pk>/new/", views.fund_create, name="create"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/budget/", views.fund_budget, name="budget"),
    path("<int:pk>/allocate/", views.allocation_create, name="allocate"),
    path("<int:pk>/export.csv", views.fund_export, {"fmt": "csv"}, name="export-csv"),
    path("<int:pk>/export.xlsx", views.fund_export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("allocations/<int:allocation_pk>/claim/", views.claim_create, name="claim-create"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/receipt/", views.claim_receipt, name="receipt"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="decide"),
]
