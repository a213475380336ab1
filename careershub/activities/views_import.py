"""Import of activity records ("who took part") from a file: upload, preview, confirm or cancel.

Only the institution's careers leaders (who record activities) import; other members of the
institution get 403, everyone else 403 too, and another institution's import is a 404. Imports
are reached only through `activity_imports_for(request.membership)`.

Large files are checked and applied by background tasks (`imports.BACKGROUND_BYTES`): the
import's page then shows a progress bar and a Refresh link, so it works without JavaScript, and
keeps the preview and then the result afterwards. A check that has stalled (its worker may have
died) can be cancelled. The pages say what is kept and for how long.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careershub.activities import imports
from careershub.activities.forms_import import MAX_MB, ActivityImportForm
from careershub.activities.models import ACTIVITY_TYPES, ActivityImport, ImportStatus, Mode, ProviderKind
from careershub.activities.queries import activity_imports_for
from careershub.activities.views import _manager_or_403
from careershub.core.progress import import_details_days, import_unconfirmed_days
from careershub.learners import mis
from careershub.learners.views import institution_or_403

#: Problems listed on the page (all are counted).
SHOWN_ERRORS = 200


def _import_or_404(request: HttpRequest, pk: int, *, with_pairs: bool = False) -> ActivityImport:
    institution_or_403(request)
    _manager_or_403(request)
    found = activity_imports_for(request.membership).select_related("institution__organisation", "created_by")  # type: ignore[attr-defined]
    if not with_pairs:
        found = found.defer("pairs")
    return get_object_or_404(found, pk=pk)


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    _manager_or_403(request)
    form = ActivityImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity_import = imports.import_upload(
                institution=institution,
                actor=request.user,
                data=form.file_bytes,
                filename=form.cleaned_data["file"].name,
            )
        except mis.MisFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("activities:import-detail", pk=activity_import.pk)
    past = activity_imports_for(request.membership).defer("pairs", "activities", "errors").select_related("created_by")  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "activities/import_start.html",
        {
            "form": form,
            "imports": past[:20],
            "institution": institution,
            "max_mb": MAX_MB,
            "max_rows": imports.MAX_ROWS,
            "unconfirmed_days": import_unconfirmed_days(),
            "details_days": import_details_days(),
            "types": [spec.label for spec in ACTIVITY_TYPES.values()],
            "kinds": [str(kind.label) for kind in ProviderKind],
            "page_title": "Import activity records",
        },
    )


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity_import = _import_or_404(request, pk)
    return TemplateResponse(
        request,
        "activities/import_detail.html",
        {
            "item": activity_import,
            "errors": activity_import.errors[:SHOWN_ERRORS],
            "activities": [
                {**item, "day": datetime.date.fromisoformat(item["date"])} for item in activity_import.activities
            ],
            "type_labels": {code: spec.label for code, spec in ACTIVITY_TYPES.items()},
            "mode_labels": {str(mode.value): str(mode.label) for mode in Mode},
            "page_title": f"Import of {activity_import.original_name}",
        },
    )


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    activity_import = _import_or_404(request, pk)
    try:
        done = imports.import_confirm(activity_import=activity_import, actor=request.user)
    except imports.ActivityImportError as exc:
        messages.error(request, str(exc))
    else:
        if done.status == ImportStatus.DONE:  # else applying in the background: the page shows progress
            messages.success(
                request,
                f"The activity records were imported: {done.activities_new} "
                f"{'activity' if done.activities_new == 1 else 'activities'} recorded, "
                f"{done.new_count:,} {'participation' if done.new_count == 1 else 'participations'} added.",
            )
    return redirect("activities:import-detail", pk=pk)


@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity_import = _import_or_404(request, pk)
    try:
        imports.import_cancel(activity_import=activity_import)
    except imports.ActivityImportError as exc:
        messages.error(request, str(exc))
        return redirect("activities:import-detail", pk=pk)
    messages.success(
        request,
        f"The import of {activity_import.original_name} was cancelled and its file deleted. Nothing was changed.",
    )
    return redirect("activities:import")


@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    activity_import = _import_or_404(request, pk)
    try:
        done = imports.import_retry(activity_import=activity_import)
    except imports.ActivityImportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "The activity records were imported."
            if done.status == ImportStatus.DONE
            else "The import was started again.",
        )
    return redirect("activities:import-detail", pk=pk)
