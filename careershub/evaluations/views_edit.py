"""Editing an evaluation: list, start, task list, learner numbers, questions, submit.

Evaluations are reached only through `evaluations_for(request.membership)`; only the
institution's careers leaders change drafts (senior leaders read).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from careershub.activities.prefill import cohort_prefills, learner_numbers_prefill
from careershub.evaluations import framework_data, scoring, services
from careershub.evaluations.forms import BenchmarkAnswersForm, LearnerNumbersForm, StartForm
from careershub.evaluations.models import Evaluation, EvaluationStatus
from careershub.evaluations.queries import can_edit, evaluations_for, own_institution
from careershub.institutions.models import InstitutionKind
from careershub.organisations.models import Role
from careershub.training.queries import evaluation_prefills


def _evaluation_or_404(request: HttpRequest, pk: int) -> Evaluation:
    return get_object_or_404(evaluations_for(request.membership), pk=pk)  # type: ignore[attr-defined]


def _editable_or_403(request: HttpRequest, pk: int) -> Evaluation:
    evaluation = _evaluation_or_404(request, pk)
    if not evaluation.is_draft:
        raise Http404
    if not can_edit(request.membership, evaluation):  # type: ignore[attr-defined]
        raise PermissionDenied
    return evaluation


def _year_groups(evaluation: Evaluation) -> frozenset[str] | None:
    return scoring.year_groups_with_learners(evaluation.learner_numbers) if evaluation.learner_numbers else None


def evaluation_list(request: HttpRequest) -> HttpResponse:
    institution = own_institution(request.membership)  # type: ignore[attr-defined]
    if institution is None:
        raise PermissionDenied
    evaluations = evaluations_for(request.membership).order_by("-started_at")  # type: ignore[attr-defined]
    draft = next((e for e in evaluations if e.is_draft), None)
    return TemplateResponse(
        request,
        "evaluations/list.html",
        {
            "institution": institution,
            "evaluations": evaluations,
            "draft": draft,
            "can_start": request.membership.role == Role.CAREERS_LEADER and draft is None,  # type: ignore[attr-defined]
            "page_title": "Self-evaluation",
        },
    )


def evaluation_start(request: HttpRequest) -> HttpResponse:
    institution = own_institution(request.membership)  # type: ignore[attr-defined]
    if institution is None or request.membership.role != Role.CAREERS_LEADER:  # type: ignore[attr-defined]
        raise PermissionDenied
    has_previous = evaluations_for(request.membership).filter(status=EvaluationStatus.SUBMITTED).exists()  # type: ignore[attr-defined]
    form = StartForm(
        request.POST or None,
        own_kind=institution.kind,
        own_kind_label=InstitutionKind(institution.kind).label,
        has_previous=has_previous,
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_start(
                institution=institution,
                actor=request.user,
                copy_previous=bool(form.cleaned_data.get("copy_previous")),
                kind_override=form.cleaned_data["evaluate_as"],
                override_reason=form.cleaned_data["reason"],
            )
        except (services.EvaluationError, framework_data.NoFrameworkError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"You have started an evaluation on {evaluation.framework.title}.")
            return redirect("evaluations:overview", pk=evaluation.pk)
    return TemplateResponse(
        request,
        "evaluations/start.html",
        {"form": form, "institution": institution, "page_title": "Start a self-evaluation"},
    )


def _task_status(answered: int, applicable: int) -> str:
    if applicable and answered >= applicable:
        return "Completed"
    return "In progress" if answered else "Not yet started"


def overview(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    if not evaluation.is_draft:
        return redirect("evaluations:results", pk=evaluation.pk)
    spec = evaluation.spec()
    answers = services.answers_of(evaluation)
    year_groups = _year_groups(evaluation)
    benchmarks = []
    for benchmark in spec.benchmarks:
        applicable = [q for q in benchmark.questions if scoring.is_applicable(q, year_groups)]
        answered = sum(1 for q in applicable if q.code in answers)
        benchmarks.append(
            {
                "benchmark": benchmark,
                "answered": answered,
                "applicable": len(applicable),
                "status": _task_status(answered, len(applicable)),
            }
        )
    return TemplateResponse(
        request,
        "evaluations/overview.html",
        {
            "evaluation": evaluation,
            "spec": spec,
            "benchmarks": benchmarks,
            "learners_status": "Completed" if evaluation.learner_numbers else "Not yet started",
            "editable": can_edit(request.membership, evaluation),  # type: ignore[attr-defined]
            "page_title": "Self-evaluation",
        },
    )


def learner_numbers(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _editable_or_403(request, pk)
    spec = evaluation.spec()
    initial: dict[str, Any] = {"version": evaluation.learner_numbers_version}
    for code, count in evaluation.learner_numbers.items():
        initial[f"yg_{code}"] = count
    # Numbers on roll from the learner records: filled in when none are saved yet, shown with
    # their source either way; the careers leader keeps them by saving or changes them.
    suggested = learner_numbers_prefill(evaluation)
    if suggested is not None and not evaluation.learner_numbers:
        for code, count in suggested.numbers.items():
            initial[f"yg_{code}"] = count
    form = LearnerNumbersForm(request.POST or None, spec=spec, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        conflict = services.learner_numbers_save(
            evaluation=evaluation,
            numbers=form.numbers(),
            expected_version=form.cleaned_data["version"],
            actor=request.user,
        )
        if conflict is None:
            messages.success(request, "Learner numbers saved.")
            return redirect("evaluations:overview", pk=evaluation.pk)
        evaluation.refresh_from_db()
        data = request.POST.copy()
        data["version"] = str(evaluation.learner_numbers_version)
        form = LearnerNumbersForm(data, spec=spec)
        form.is_valid()
    return TemplateResponse(
        request,
        "evaluations/learners.html",
        {
            "evaluation": evaluation,
            "form": form,
            "conflict": conflict,
            "suggested": suggested,
            # A group the records cannot count (colleges' learners completing their programme,
            # when some lack a planned end date) is left for the careers leader to enter.
            "suggested_rows": [
                (g.label, suggested.numbers.get(g.code, suggested.not_counted.get(g.code, "Not in the records")))
                for g in spec.year_groups
            ]
            if suggested
            else [],
            "theirs": [(g.label, (conflict.theirs or {}).get(g.code, "–")) for g in spec.year_groups]
            if conflict
            else [],
            "page_title": "Learner numbers",
        },
    )


def benchmark(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    if not evaluation.is_draft:
        return redirect("evaluations:results", pk=evaluation.pk)
    spec = evaluation.spec()
    try:
        benchmark_spec = spec.benchmark(number)
    except (KeyError, ValueError, LookupError) as exc:
        raise Http404 from exc
    editable = can_edit(request.membership, evaluation)  # type: ignore[attr-defined]
    if request.method == "POST" and not editable:
        raise PermissionDenied
    stored = {a.question_code: a for a in evaluation.answers.select_related("updated_by")}
    versions = {code: answer.version for code, answer in stored.items()}
    initial = {f"q_{code}": answer.value for code, answer in stored.items()}
    # Answers the platform already knows (a trained careers leader from the training records,
    # cohort proportions from the learner records) are suggested, never saved until the careers
    # leader saves the page. A suggestion is selected only for an unanswered question; beside an
    # answer already saved it is shown with its source, so that the careers leader can compare.
    prefills: dict[str, Any] = {}
    if editable:
        questions = {q.code for q in benchmark_spec.questions}
        cohort = {code: s for code, s in cohort_prefills(evaluation).items() if code in questions}
        prefills = {**cohort, **evaluation_prefills(evaluation)}
    for code, prefill in prefills.items():
        initial.setdefault(f"q_{code}", prefill.value)
    year_groups = _year_groups(evaluation)
    form = BenchmarkAnswersForm(
        request.POST or None,
        spec=spec,
        benchmark=benchmark_spec,
        year_groups=year_groups,
        versions=versions,
        initial=initial,
    )
    conflicts: list[services.Conflict] = []
    if request.method == "POST" and form.is_valid():
        try:
            conflicts = services.answers_save(
                evaluation=evaluation, answers=form.submitted_answers(), actor=request.user
            )
        except services.EvaluationError as error:
            form.add_error(None, str(error))
        else:
            if not conflicts:
                messages.success(request, f"Benchmark {number} answers saved.")
                if "continue" in request.POST and number < len(spec.benchmarks):
                    return redirect("evaluations:benchmark", pk=evaluation.pk, number=number + 1)
                return redirect("evaluations:overview", pk=evaluation.pk)
            # Keep everything the user typed; move the conflicting items' versions on so that
            # saving again deliberately keeps the user's choice.
            fresh = {a.question_code: a.version for a in evaluation.answers.all()}
            data = request.POST.copy()
            for conflict in conflicts:
                data[f"v_{conflict.key}"] = str(fresh.get(conflict.key, 0))
            form = BenchmarkAnswersForm(
                data, spec=spec, benchmark=benchmark_spec, year_groups=year_groups, versions=fresh
            )
            form.is_valid()
    labels = {q.code: dict(form.fields[f"q_{q.code}"].choices) for q in form.questions}  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "evaluations/benchmark.html",
        {
            "evaluation": evaluation,
            "spec": spec,
            "benchmark": benchmark_spec,
            "form": form,
            "editable": editable,
            "conflicts": [
                {
                    "conflict": c,
                    "yours": labels[c.key].get(c.yours, "no answer"),
                    "theirs": labels[c.key].get(c.theirs, "no answer"),
                }
                for c in conflicts
            ],
            "stored": stored,
            "prefills": prefills,
            "evidence_counts": _evidence_counts(evaluation),
            "has_next": number < len(spec.benchmarks),
            "page_title": f"Benchmark {number}: {benchmark_spec.title}",
        },
    )


def _evidence_counts(evaluation: Evaluation) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code in evaluation.evidence.values_list("criterion_code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    return counts


def submit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _editable_or_403(request, pk)
    missing = services.missing_for_submission(evaluation)
    error = None
    if request.method == "POST":
        try:
            services.evaluation_submit(evaluation=evaluation, actor=request.user)
        except services.EvaluationError as exc:
            error = str(exc)
            missing = services.missing_for_submission(evaluation)
        else:
            messages.success(request, "Your evaluation has been submitted.")
            return redirect("evaluations:results", pk=evaluation.pk)
    links = [
        {
            "text": item.what,
            "href": reverse("evaluations:learners", args=[evaluation.pk])
            if item.benchmark is None
            else reverse("evaluations:benchmark", args=[evaluation.pk, item.benchmark]) + f"#id_q_{item.anchor[2:]}",
        }
        for item in missing
    ]
    preview = services.score_of(evaluation) if not missing else None
    return TemplateResponse(
        request,
        "evaluations/submit.html",
        {
            "evaluation": evaluation,
            "missing": links,
            "preview": preview,
            "error": error,
            "page_title": "Check and submit",
        },
    )
