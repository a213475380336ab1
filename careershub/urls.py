from django.urls import include, path

urlpatterns = [
    path("", include("careershub.core.urls")),
    path("account/", include("careershub.accounts.urls")),
    path("organisation/", include("careershub.organisations.urls")),
    path("institutions/", include("careershub.institutions.urls")),
    path("hubs/", include("careershub.hubs.urls")),
    path("audit/", include("careershub.audit.urls")),
    path("evaluations/", include("careershub.evaluations.urls")),
    path("learners/", include("careershub.learners.urls")),
    path("activities/", include("careershub.activities.urls")),
    path("insight/", include("careershub.insight.urls")),
    path("employers/", include("careershub.employers.urls")),
    path("matching/", include("careershub.matching.urls")),
    path("training/", include("careershub.training.urls")),
    path("destinations/", include("careershub.destinations.urls")),
    path("funds/", include("careershub.funds.urls")),
    path("risk/", include("careershub.risk.urls")),
    path("neet/", include("careershub.neet.urls")),
    path("reviews/", include("careershub.reviews.urls")),
    path("programmes/", include("careershub.programmes.urls")),
    path("events/", include("careershub.events.urls")),
]
