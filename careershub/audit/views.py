from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from careershub.audit.queries import audit_events_for
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role


@require_roles(Role.NATIONAL_ADMIN, Role.HUB_LEAD, Role.CAREERS_LEADER)
def audit_list(request: HttpRequest) -> HttpResponse:
    events = audit_events_for(request.membership)  # type: ignore[attr-defined]
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "audit/list.html", {"page": page, "page_title": "Audit trail"})
