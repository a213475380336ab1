"""The national admin's GIAS import pages: upload, preview, confirm, result.

Upload reads and checks the file and shows a preview; nothing changes until the admin confirms,
which queues a background task. The result page shows the import's status and figures; a page
for an import still queued or running offers a Refresh link (no JavaScript needed).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careershub.institutions import services
from careershub.institutions.forms import MAX_MB, GiasUploadForm
from careershub.institutions.models import GiasImport, GiasImportStatus
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role

#: Rejected rows shown on a page (each import keeps up to `services.STORED_REJECTIONS`).
SHOWN_REJECTIONS = 100


def _get(pk: int) -> GiasImport:
    gias_import = services.gias_import_get(pk=pk)
    if gias_import is None:
        raise Http404("No such import")
    return gias_import


def _context(gias_import: GiasImport, **extra: Any) -> dict[str, Any]:
    return {
        "gias_import": gias_import,
        "rejections": gias_import.rejections[:SHOWN_REJECTIONS],
        "localtime": timezone.localtime,
        "statuses": GiasImportStatus,
        **extra,
    }


@require_roles(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def gias_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = GiasUploadForm(request.POST, request.FILES)
        if form.is_valid():
            gias_import = services.gias_import_prepare(
                data=form.file_bytes,
                parsed=form.parsed,
                filename=form.cleaned_data["file"].name,
                actor=request.user,
                organisation=request.organisation,  # type: ignore[attr-defined]
            )
            return redirect("institutions:gias-import-preview", pk=gias_import.pk)
    else:
        form = GiasUploadForm()
    context = {
        "form": form,
        "imports": services.gias_imports_recent(),
        "localtime": timezone.localtime,
        "max_mb": MAX_MB,
        "page_title": "Import from GIAS",  # the layout adds "Error: " when the form has errors
    }
    return TemplateResponse(request, "institutions/gias_import.html", context)


@require_roles(Role.NATIONAL_ADMIN)
@require_GET
def gias_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    gias_import = _get(pk)
    if gias_import.status != GiasImportStatus.AWAITING_CONFIRMATION:
        return redirect("institutions:gias-import-result", pk=pk)
    context = _context(
        gias_import,
        same_file=services.gias_import_same_file(gias_import=gias_import),
        page_title=f"Check the import of {gias_import.original_name}",
    )
    return TemplateResponse(request, "institutions/gias_import_preview.html", context)


@require_roles(Role.NATIONAL_ADMIN)
@require_POST
def gias_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.gias_import_confirm(gias_import=_get(pk), actor=request.user)
    except services.GiasImportError as exc:
        messages.error(request, str(exc))
    return redirect("institutions:gias-import-result", pk=pk)


@require_roles(Role.NATIONAL_ADMIN)
@require_POST
def gias_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    gias_import = _get(pk)
    try:
        services.gias_import_cancel(gias_import=gias_import, actor=request.user)
    except services.GiasImportError as exc:
        messages.error(request, str(exc))
        return redirect("institutions:gias-import-result", pk=pk)
    messages.success(request, f"The import of {gias_import.original_name} was cancelled. Nothing was changed.")
    return redirect("institutions:gias-import")


@require_roles(Role.NATIONAL_ADMIN)
@require_GET
def gias_import_result(request: HttpRequest, pk: int) -> HttpResponse:
    gias_import = services.gias_import_refresh(gias_import=_get(pk))
    context = _context(gias_import, page_title=f"GIAS import {gias_import.pk}: {gias_import.get_status_display()}")
    return TemplateResponse(request, "institutions/gias_import_result.html", context)
