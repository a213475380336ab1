"""The national admin's GIAS import pages: upload, preview, confirm, result."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role


@require_roles(Role.NATIONAL_ADMIN)
def gias_import(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "institutions/gias_import.html", {"page_title": "Import from GIAS"})
