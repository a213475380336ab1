from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from careershub.hubs.queries import hubs_for


def hub_list(request: HttpRequest) -> HttpResponse:
    hubs = hubs_for(request.membership).annotate(  # type: ignore[attr-defined]
        member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    return TemplateResponse(request, "hubs/list.html", {"hubs": hubs, "page_title": "Careers Hubs"})


def hub_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hub = get_object_or_404(hubs_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    members = hub.memberships.filter(left_on__isnull=True).select_related("institution")
    return TemplateResponse(request, "hubs/detail.html", {"hub": hub, "members": members, "page_title": hub.name})
