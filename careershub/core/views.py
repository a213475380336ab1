from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from careershub.core.dashboard import home_context


def home(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "core/home.html", home_context(request.membership))  # type: ignore[attr-defined]


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers; reveals nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
