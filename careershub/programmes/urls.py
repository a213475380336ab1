from django.urls import path

from careershub.programmes import views, views_public, views_templates

app_name = "programmes"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("plans/new/", views.plan_create, name="create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/benchmarks/", views.plan_coverage, name="coverage"),
    path("plans/<int:pk>/activities/new/", views.activity_add, name="activity-add"),
    path("plans/<int:pk>/activities/<int:activity_pk>/change/", views.activity_edit, name="activity-edit"),
    path("plans/<int:pk>/activities/<int:activity_pk>/delete/", views.activity_delete, name="activity-delete"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="publish"),
    path("plans/<int:pk>/publish/new-address/", views.plan_new_address, name="new-address"),
    path("plans/<int:pk>/delivery/", views.plan_delivery, name="delivery"),
    path("plans/<int:pk>/feedback/", views.plan_feedback, name="feedback"),
    path("plans/<int:pk>/feedback/open/", views.feedback_link_open, name="feedback-open"),
    path("plans/<int:pk>/feedback/<int:link_pk>/close/", views.feedback_link_close, name="feedback-close"),
    path("plans/<int:pk>/templates/", views.template_choose, name="template-choose"),
    path("plans/<int:pk>/templates/<int:template_pk>/", views.template_copy, name="template-copy"),
    path("templates/", views_templates.template_list, name="templates"),
    path("templates/new/", views_templates.template_create, name="template-create"),
    path("templates/<int:pk>/", views_templates.template_detail, name="template"),
    path("templates/<int:pk>/change/", views_templates.template_edit, name="template-edit"),
    path("templates/<int:pk>/activities/new/", views_templates.example_add, name="example-add"),
    path("templates/<int:pk>/activities/<int:example_pk>/change/", views_templates.example_edit, name="example-edit"),
    path(
        "templates/<int:pk>/activities/<int:example_pk>/delete/", views_templates.example_delete, name="example-delete"
    ),
    path("hubs/<int:hub_pk>/", views_templates.hub_programmes, name="hub"),
    path("p/<str:token>/", views_public.public_plan, name="public"),
    path("p/<str:token>/plan.pdf", views_public.public_plan_pdf, name="public-pdf"),
    path("f/<str:token>/", views_public.feedback_form, name="feedback-form"),
    path("f/<str:token>/thanks/", views_public.feedback_thanks, name="feedback-thanks"),
]
