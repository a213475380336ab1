from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from careershub.institutions.models import Institution


def institution_list(request: HttpRequest) -> HttpResponse:
    institutions = Institution.objects.search(request.GET.get("q", ""))[:50]  # public-reference-data
    return TemplateResponse(
        request, "institutions/list.html", {"institutions": institutions, "page_title": "Schools and colleges"}
    )


def institution_detail(request: HttpRequest, urn: int) -> HttpResponse:
    institution = get_object_or_404(Institution, urn=urn)
    return TemplateResponse(
        request, "institutions/detail.html", {"institution": institution, "page_title": institution.name}
    )
