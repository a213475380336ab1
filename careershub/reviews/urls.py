from django.urls import path

from careershub.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/new/", views.cycle_new, name="cycle-new"),
    path("facilitators/", views.facilitators, name="facilitators"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/trios/", views.cycle_trios, name="trios"),
    path("cycles/<int:pk>/facilitator/", views.cycle_facilitator, name="facilitator"),
    path("cycles/<int:pk>/internal-review/", views.internal_review, name="internal"),
    path("cycles/<int:pk>/agreement/", views.agreement_cycle, name="agreement-cycle"),
    path("cycles/<int:pk>/<str:action>/", views.cycle_action, name="cycle-action"),
    path("hubs/<int:hub_pk>/agreement/", views.agreement_hub, name="agreement-hub"),
    path("agreement/", views.agreement_national, name="agreement-national"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/<int:pk>/", views.moderate, name="moderate"),
    path("<int:pk>/", views.review_detail, name="review"),
    path("<int:pk>/benchmarks/<int:number>/", views.review_benchmark, name="judge"),
    path("<int:pk>/queries/<int:judgement_pk>/", views.review_answer, name="answer"),
    path("<int:pk>/outcome/", views.review_outcome, name="outcome"),
    path("<int:pk>/sharing/", views.review_sharing, name="sharing"),
    path("<int:pk>/share-evaluation/", views.review_share_evaluation, name="share-evaluation"),
    path("<int:pk>/actions/<int:action_pk>/", views.action_status, name="action"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.review_evidence, name="evidence"),
]
