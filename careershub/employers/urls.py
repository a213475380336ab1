from django.urls import path

from careershub.employers import views

app_name = "employers"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("<int:pk>/", views.employer_detail, name="detail"),
    path("<int:pk>/cornerstone/", views.employer_cornerstone, name="cornerstone"),
    path("<int:pk>/contacts/<int:contact_pk>/adviser/", views.contact_adviser, name="contact-adviser"),
    path("contacts/new/", views.contact_add, name="contact-add"),
    path("compliance/new/", views.compliance_add, name="compliance-add"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_create, name="offer-create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer-edit"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request-create"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request-edit"),
]
