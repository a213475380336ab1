from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from careershub.core.dashboard import home_context
from careershub.learners.queries import learner_institution


def home(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "core/home.html", home_context(request.membership))  # type: ignore[attr-defined]


@require_GET
def careers_hub(request: HttpRequest) -> HttpResponse:
    """What the Careers Hub offers a school or college's careers and senior leaders (peer review,
    training, funding, events, comparisons): one item of their service navigation for five pages.
    Anyone else gets 403."""
    institution = learner_institution(getattr(request, "membership", None))
    if institution is None:
        raise PermissionDenied
    current = institution.hub_memberships.current().select_related("hub").first()
    return TemplateResponse(
        request,
        "core/careers_hub.html",
        {"institution": institution, "hub": current.hub if current else None, "page_title": "Careers Hub"},
    )


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers; reveals nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
