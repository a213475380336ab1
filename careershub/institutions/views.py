from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from careershub.core.pagination import pagination_params
from careershub.institutions import queries
from careershub.institutions.models import Institution
from careershub.institutions.search import InstitutionSearchForm

PAGE_SIZE = 25


def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionSearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    institutions = queries.directory(**filters)
    page = Paginator(institutions, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "institutions/list.html",
        {
            "form": form,
            "page": page,
            "pagination": pagination_params(request, page),
            "searched": bool(request.GET),
            "page_title": "Schools and colleges",
        },
    )


def institution_detail(request: HttpRequest, urn: int) -> HttpResponse:
    institution = get_object_or_404(  # public-reference-data
        Institution.objects.select_related("local_authority"),  # public-reference-data
        urn=urn,
    )
    membership = request.membership  # type: ignore[attr-defined]
    current = institution.hub_memberships.filter(left_on__isnull=True).select_related("hub").first()
    context = {
        "institution": institution,
        "current_membership": current,
        "can_open_hub": current is not None
        and (membership.is_national or membership.organisation_id == current.hub.organisation_id),
        "page_title": institution.name,
    }
    if queries.can_see_partnership_details(membership, institution):
        context["partnership"] = queries.partnership_details(institution)
    return TemplateResponse(request, "institutions/detail.html", context)
