"""MIS import pages: upload, match columns, check the preview, confirm, see progress and result.

Only the institution's careers leaders import; senior leaders may see past imports (read only).
A page for an import that is being checked or applied shows a progress bar and a Refresh link,
so it works without JavaScript; a check that has stalled (its worker may have died) can be
cancelled by the careers leader, and an apply that has stalled tried again or cancelled. The
pages say what is kept and for how long.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from careershub.core.progress import import_details_days, import_unconfirmed_days
from careershub.learners import extensions, mis, services
from careershub.learners.forms import MAX_MB, MappingForm, UploadForm
from careershub.learners.models import ImportStatus, LearnerImport
from careershub.learners.queries import can_manage_learners, imports_for
from careershub.learners.views import institution_or_403

SHOWN_ERRORS = 200


def _import_or_404(request: HttpRequest, pk: int) -> LearnerImport:
    institution_or_403(request)
    return get_object_or_404(imports_for(request.membership).select_related("created_by"), pk=pk)  # type: ignore[attr-defined]


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_learners(request.membership):  # type: ignore[attr-defined]
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    can_manage = can_manage_learners(request.membership)  # type: ignore[attr-defined]
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            learner_import = services.import_upload(
                institution=institution,
                actor=request.user,
                data=form.file_bytes,
                filename=form.cleaned_data["file"].name,
                full_import=form.cleaned_data["full_import"],
            )
        except mis.MisFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("learners:import-detail", pk=learner_import.pk)
    imports = imports_for(request.membership).select_related("created_by")[:20]  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "learners/import_start.html",
        {
            "form": form,
            "imports": imports,
            "can_manage": can_manage,
            "max_mb": MAX_MB,
            "institution": institution,
            "unconfirmed_days": import_unconfirmed_days(),
            "details_days": import_details_days(),
            "page_title": "Import learners",
        },
    )


@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner_import = _import_or_404(request, pk)
    can_manage = can_manage_learners(request.membership)  # type: ignore[attr-defined]
    form = None
    extras = None
    not_read = learner_import.samples.get("not_read", [])
    if learner_import.status in {ImportStatus.MAPPING, ImportStatus.READY}:
        extras = extensions.resolve(learner_import.institution)
        not_read = extras.not_read_columns(learner_import.headers, mis.header_key)
        if can_manage:
            form = MappingForm(
                request.POST or None,
                headers=learner_import.headers,
                initial_mapping=learner_import.mapping,
                extra_labels=extras.labels,
            )
    if request.method == "POST":
        _require_manager(request)
        if form is None:
            messages.error(request, "This import can no longer be changed.")
            return redirect("learners:import-detail", pk=pk)
        if form.is_valid():
            try:
                services.import_set_mapping(
                    learner_import=learner_import, mapping=form.mapping(), actor=request.user, extras=extras
                )
            except services.LearnerImportError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("learners:import-detail", pk=pk)
    return TemplateResponse(
        request,
        "learners/import_detail.html",
        {
            "learner_import": learner_import,
            "form": form,
            "can_manage": can_manage,
            "errors": learner_import.errors[:SHOWN_ERRORS],
            "not_read": not_read,
            "statuses": ImportStatus,
            "field_labels": mis.FIELD_LABELS,
            "page_title": f"Import of {learner_import.original_name}",
        },
    )


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    learner_import = _import_or_404(request, pk)
    _require_manager(request)
    try:
        learner_import = services.import_confirm(learner_import=learner_import, actor=request.user)
    except services.LearnerImportError as exc:
        messages.error(request, str(exc))
    else:
        if learner_import.status == ImportStatus.DONE:
            messages.success(request, "The learners were imported.")
    return redirect("learners:import-detail", pk=pk)


@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    learner_import = _import_or_404(request, pk)
    _require_manager(request)
    try:
        services.import_cancel(learner_import=learner_import)
    except services.LearnerImportError as exc:
        messages.error(request, str(exc))
        return redirect("learners:import-detail", pk=pk)
    messages.success(
        request,
        f"The import of {learner_import.original_name} was cancelled and its file deleted. Nothing was changed.",
    )
    return redirect("learners:import")


@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    learner_import = _import_or_404(request, pk)
    _require_manager(request)
    try:
        learner_import = services.import_retry(learner_import=learner_import)
    except services.LearnerImportError as exc:
        messages.error(request, str(exc))
    else:
        if learner_import.status == ImportStatus.DONE:
            messages.success(request, "The learners were imported.")
        else:
            messages.success(request, "The import was started again.")
    return redirect("learners:import-detail", pk=pk)
