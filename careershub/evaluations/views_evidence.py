"""Evidence per criterion: links, uploaded files (type checked by content) and notes.

Evaluations are reached only through `evaluations_for(request.membership)`, and evidence only
through its evaluation, so another organisation's evaluation or evidence is a 404. Everyone
who may see the evaluation sees and downloads its evidence; only the institution's careers
leaders add or remove it, and only while the evaluation is a draft (anyone else gets a 403).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from careershub.evaluations import framework_data, services
from careershub.evaluations.forms_evidence import ALLOWED, FileEvidenceForm, LinkEvidenceForm, NoteEvidenceForm
from careershub.evaluations.models import Evaluation, Evidence, EvidenceKind
from careershub.evaluations.queries import can_edit, evaluations_for
from careershub.organisations.models import Membership

EvidenceForm = LinkEvidenceForm | NoteEvidenceForm | FileEvidenceForm


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _evaluation_or_404(request: HttpRequest, pk: int) -> Evaluation:
    return get_object_or_404(evaluations_for(_membership(request)), pk=pk)


def _criterion_or_404(evaluation: Evaluation, code: str) -> tuple[framework_data.Benchmark, framework_data.Criterion]:
    for benchmark in evaluation.spec().benchmarks:
        for criterion in benchmark.criteria:
            if criterion.code == code:
                return benchmark, criterion
    raise Http404


def _evidence_or_404(evaluation: Evaluation, evidence_pk: int) -> Evidence:
    return get_object_or_404(evaluation.evidence.select_related("added_by"), pk=evidence_pk)


def _editable_or_403(request: HttpRequest, evaluation: Evaluation) -> None:
    if not can_edit(_membership(request), evaluation):
        raise PermissionDenied


def _forms(request: HttpRequest) -> dict[str, EvidenceForm]:
    """The three add forms; the one the user submitted is bound to what they sent."""
    submitted = request.POST.get("kind") if request.method == "POST" else None
    found: dict[str, EvidenceForm] = {}
    for form_class in (LinkEvidenceForm, NoteEvidenceForm, FileEvidenceForm):
        if form_class.kind == submitted:
            found[form_class.kind] = form_class(request.POST, request.FILES)
        else:
            found[form_class.kind] = form_class()
    return found


def _add(request: HttpRequest, evaluation: Evaluation, criterion: str, form: EvidenceForm) -> Evidence | None:
    data = form.cleaned_data
    kind = EvidenceKind(form.kind)
    try:
        return services.evidence_add(
            evaluation=evaluation,
            criterion_code=criterion,
            kind=kind,
            title=data["title"],
            actor=request.user,
            url=data.get("url", "") if kind == EvidenceKind.LINK else "",
            note=data.get("note", "") if kind == EvidenceKind.NOTE else "",
            upload=data.get("file") if kind == EvidenceKind.FILE else None,
            content_type=form.file_type.mime if isinstance(form, FileEvidenceForm) and form.file_type else "",
        )
    except services.EvaluationError as error:
        form.add_error(None, forms.ValidationError(str(error)))
        return None


def _back(evaluation: Evaluation, benchmark_number: int) -> dict[str, str]:
    if evaluation.is_draft:
        return {
            "href": reverse("evaluations:benchmark", args=[evaluation.pk, benchmark_number]),
            "text": f"Back to benchmark {benchmark_number}",
        }
    return {"href": reverse("evaluations:results", args=[evaluation.pk]), "text": "Back to the results"}


def evidence(request: HttpRequest, pk: int, criterion: str) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    benchmark, criterion_spec = _criterion_or_404(evaluation, criterion)
    editable = can_edit(_membership(request), evaluation)
    if request.method == "POST":
        _editable_or_403(request, evaluation)
    add_forms = _forms(request)
    bound = next((form for form in add_forms.values() if form.is_bound), None)
    if request.method == "POST" and bound is None:
        messages.error(request, "Choose a link, a note or a file to add.")
        return redirect("evaluations:evidence", pk=evaluation.pk, criterion=criterion)
    if bound is not None and bound.is_valid():
        added = _add(request, evaluation, criterion, bound)
        if added is not None:
            messages.success(request, f"‘{added.title}’ has been added as evidence for {criterion}.")
            return redirect("evaluations:evidence", pk=evaluation.pk, criterion=criterion)
    items = list(evaluation.evidence.filter(criterion_code=criterion).select_related("added_by"))
    return TemplateResponse(
        request,
        "evaluations/evidence.html",
        {
            "evaluation": evaluation,
            "benchmark": benchmark,
            "criterion": criterion_spec,
            "questions": benchmark.questions_for(criterion),
            "items": items,
            "editable": editable,
            "forms": add_forms,
            "form": bound,  # the layout marks the page title "Error:" when this has errors
            "back": _back(evaluation, benchmark.number),
            "file_types": {mime: kind.label for mime, kind in ALLOWED.items()},
            "page_title": f"Evidence for {criterion}",
        },
    )


def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    item = _evidence_or_404(evaluation, evidence_pk)
    _editable_or_403(request, evaluation)
    error = None
    if request.method == "POST":
        try:
            services.evidence_remove(evidence=item, actor=request.user)
        except services.EvaluationError as exc:
            error = str(exc)
        else:
            messages.success(request, f"‘{item.title}’ has been removed.")
            return redirect("evaluations:evidence", pk=evaluation.pk, criterion=item.criterion_code)
    return TemplateResponse(
        request,
        "evaluations/evidence_remove.html",
        {"evaluation": evaluation, "item": item, "error": error, "page_title": "Remove evidence"},
    )


def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    evaluation = _evaluation_or_404(request, pk)
    item = _evidence_or_404(evaluation, evidence_pk)
    if item.kind != EvidenceKind.FILE or not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=PurePosixPath(item.file.name).name,
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
