"""Writes on evaluations: start (or copy), learner numbers, answers, evidence, submit.

Concurrent editing: learner numbers and every answer carry a version number. A save whose
version is stale is refused for that item and reported as a conflict with both values, so two
people editing one draft never silently overwrite each other and nothing typed is lost.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.evaluations import framework_data, measurement_points, scoring
from careershub.evaluations.models import (
    Answer,
    BenchmarkScore,
    Evaluation,
    EvaluationStatus,
    Evidence,
    EvidenceKind,
    FrameworkVersion,
    MeasurementResult,
)
from careershub.institutions.models import Institution


class EvaluationError(ValueError):
    """An evaluation change that cannot be made, with a message for the user."""


@dataclass(frozen=True)
class Conflict:
    """Someone else saved this item after the user loaded the page."""

    key: str
    yours: Any
    theirs: Any
    by: str
    at: datetime.datetime | None


def _organisation(evaluation: Evaluation) -> Any:
    return evaluation.institution.organisation


def _framework_version(spec: framework_data.Framework) -> FrameworkVersion:
    try:
        return FrameworkVersion.objects.get(code=spec.code)
    except FrameworkVersion.DoesNotExist as exc:  # pragma: no cover - loaded after every migrate
        raise EvaluationError(f"The framework {spec.code} is not loaded; run manage.py load_frameworks.") from exc


def _locked_draft(evaluation: Evaluation) -> Evaluation:
    locked = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("institution", "framework")
        .get(pk=evaluation.pk)
    )
    if locked.status != EvaluationStatus.DRAFT:
        raise EvaluationError("This evaluation has been submitted and cannot change. Start a new evaluation instead.")
    return locked


@transaction.atomic
def evaluation_start(
    *,
    institution: Institution,
    actor: Any,
    on: datetime.date | None = None,
    copy_previous: bool = False,
    kind_override: str = "",
    override_reason: str = "",
) -> Evaluation:
    """Start a draft evaluation on the framework that fits the institution's kind today.

    With `copy_previous`, answers, learner numbers and evidence come from the latest submitted
    evaluation when it used the same framework (only learner numbers when the framework differs).
    """
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    if Evaluation.objects.drafts().filter(institution=institution).exists():
        raise EvaluationError(f"{institution.name} already has an evaluation in progress. Continue that one.")
    if kind_override and not override_reason.strip():
        raise EvaluationError("Give a reason for evaluating as a different kind of institution.")
    on = on or timezone.localdate()
    spec = framework_data.framework_for(institution.kind, on, kind_override or None)
    evaluation = Evaluation.objects.create(
        institution=institution,
        framework=_framework_version(spec),
        institution_kind=institution.kind,
        kind_override=kind_override,
        override_reason=override_reason.strip(),
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if copy_previous:
        previous = Evaluation.objects.submitted().filter(institution=institution).order_by("-submitted_at").first()
        if previous is not None:
            _copy_into(evaluation, previous, actor)
    record(
        actor=actor,
        organisation=institution.organisation,
        action=AuditAction.CREATE,
        instance=evaluation,
        after={"framework": spec.code, "copied_from": evaluation.copied_from_id, "kind_override": kind_override},
    )
    return evaluation


def _copy_into(evaluation: Evaluation, previous: Evaluation, actor: Any) -> None:
    evaluation.copied_from = previous
    evaluation.learner_numbers = dict(previous.learner_numbers)
    evaluation.learner_numbers_version = 1 if previous.learner_numbers else 0
    evaluation.save(update_fields=["copied_from", "learner_numbers", "learner_numbers_version"])
    if previous.framework_id != evaluation.framework_id:
        return
    user = actor if getattr(actor, "is_authenticated", False) else None
    Answer.objects.bulk_create(
        Answer(evaluation=evaluation, question_code=a.question_code, value=a.value, updated_by=user)
        for a in previous.answers.all()
    )
    Evidence.objects.bulk_create(
        Evidence(
            evaluation=evaluation,
            criterion_code=e.criterion_code,
            kind=e.kind,
            title=e.title,
            url=e.url,
            file=e.file.name if e.file else "",
            content_type=e.content_type,
            size=e.size,
            note=e.note,
            added_by=e.added_by,
        )
        for e in previous.evidence.all()
    )


@transaction.atomic
def learner_numbers_save(
    *, evaluation: Evaluation, numbers: Mapping[str, int], expected_version: int, actor: Any
) -> Conflict | None:
    locked = _locked_draft(evaluation)
    if locked.learner_numbers_version != expected_version:
        return Conflict(key="learner_numbers", yours=dict(numbers), theirs=locked.learner_numbers, by="", at=None)
    valid = {yg.code for yg in locked.spec().year_groups}
    unknown = set(numbers) - valid
    if unknown:
        raise EvaluationError(f"Unknown year groups: {', '.join(sorted(unknown))}")
    before = {"learner_numbers": locked.learner_numbers}
    locked.learner_numbers = {code: int(numbers[code]) for code in sorted(numbers)}
    locked.learner_numbers_version += 1
    locked.save(update_fields=["learner_numbers", "learner_numbers_version"])
    evaluation.learner_numbers = locked.learner_numbers
    evaluation.learner_numbers_version = locked.learner_numbers_version
    record(
        actor=actor,
        organisation=_organisation(locked),
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after={"learner_numbers": locked.learner_numbers},
    )
    return None


@transaction.atomic
def answers_save(
    *, evaluation: Evaluation, answers: Mapping[str, tuple[str | None, int]], actor: Any
) -> list[Conflict]:
    """Save answers given as {question code: (value or None to clear, version the user loaded)}.

    Version 0 means the user saw no answer. Items whose stored version differs are not saved
    and come back as conflicts; the others are saved.
    """
    locked = _locked_draft(evaluation)
    spec = locked.spec()
    existing = {a.question_code: a for a in locked.answers.select_for_update(of=("self",)).select_related("updated_by")}
    user = actor if getattr(actor, "is_authenticated", False) else None
    conflicts: list[Conflict] = []
    changes: dict[str, list[Any]] = {}
    for code, (value, version) in answers.items():
        question = spec.question(code)
        if value is not None and value not in scoring.allowed_answers(spec, question):
            raise EvaluationError(f"{value!r} is not an answer to question {code}")
        current = existing.get(code)
        current_version = current.version if current else 0
        current_value = current.value if current else None
        if current_value == value:
            continue
        if current_version != version:
            conflicts.append(
                Conflict(
                    key=code,
                    yours=value,
                    theirs=current_value,
                    by=str(current.updated_by) if current and current.updated_by else "someone else",
                    at=current.updated_at if current else None,
                )
            )
            continue
        changes[code] = [current_value, value]
        if value is None:
            if current is not None:
                current.delete()
        elif current is None:
            Answer.objects.create(evaluation=locked, question_code=code, value=value, updated_by=user)
        else:
            current.value = value
            current.version += 1
            current.updated_by = user
            current.save(update_fields=["value", "version", "updated_by", "updated_at"])
    if changes:
        record(
            actor=actor,
            organisation=_organisation(locked),
            action=AuditAction.UPDATE,
            instance=locked,
            before={k: v[0] for k, v in changes.items()},
            after={k: v[1] for k, v in changes.items()},
            label=f"Answers in {locked}",
        )
    return conflicts


def answers_of(evaluation: Evaluation) -> dict[str, str]:
    return dict(evaluation.answers.values_list("question_code", "value"))


def score_of(evaluation: Evaluation) -> scoring.EvaluationResult:
    year_groups = scoring.year_groups_with_learners(evaluation.learner_numbers) if evaluation.learner_numbers else None
    return scoring.score(evaluation.spec(), answers_of(evaluation), year_groups)


@dataclass(frozen=True)
class Missing:
    what: str
    anchor: str
    benchmark: int | None


def missing_for_submission(evaluation: Evaluation) -> list[Missing]:
    """Everything that stops an evaluation being submitted, in the order of the form."""
    missing: list[Missing] = []
    if not evaluation.learner_numbers:
        missing.append(Missing("Learner numbers for each year group", "learner-numbers", None))
    result = score_of(evaluation)
    spec = evaluation.spec()
    for code in result.unanswered:
        question = spec.question(code)
        number = int(question.criterion.split(".")[0])
        missing.append(Missing(f"Benchmark {number}, question {code}: {question.text}", f"q-{code}", number))
    return missing


@transaction.atomic
def evaluation_submit(
    *, evaluation: Evaluation, actor: Any, submitted_at: datetime.datetime | None = None
) -> Evaluation:
    locked = _locked_draft(evaluation)
    missing = missing_for_submission(locked)
    if missing:
        raise EvaluationError(f"{len(missing)} answers are missing. Answer every question before submitting.")
    result = score_of(locked)
    BenchmarkScore.objects.bulk_create(
        BenchmarkScore(
            evaluation=locked,
            number=b.number,
            met=b.met,
            in_progress=b.in_progress,
            total=b.total,
            percentage=b.percentage,
            fully_achieved=b.fully_achieved,
            rag=str(b.rag),
        )
        for b in result.benchmarks
    )
    locked.status = EvaluationStatus.SUBMITTED
    locked.submitted_at = submitted_at or timezone.now()
    locked.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.benchmarks_fully_achieved = result.benchmarks_fully_achieved
    locked.save(update_fields=["status", "submitted_at", "submitted_by", "benchmarks_fully_achieved"])
    record(
        actor=actor,
        organisation=_organisation(locked),
        action=AuditAction.UPDATE,
        instance=locked,
        before={"status": EvaluationStatus.DRAFT},
        after={"status": EvaluationStatus.SUBMITTED, "benchmarks_fully_achieved": result.benchmarks_fully_achieved},
    )
    measurement_results_refresh(institution=locked.institution)
    evaluation.refresh_from_db()
    return locked


def measurement_results_refresh(*, institution: Institution, until: datetime.date | None = None) -> int:
    """Rebuild an institution's results at every measurement point from its first submission
    up to the latest point on or before `until` (today by default). Returns the rows written."""
    submissions = list(
        Evaluation.objects.submitted()
        .filter(institution=institution)
        .prefetch_related("benchmark_scores")
        .order_by("submitted_at", "pk")
    )
    MeasurementResult.objects.filter(institution=institution).delete()
    if not submissions:
        return 0
    first = measurement_points.local_moment(submissions[0].submitted_at).date()  # type: ignore[arg-type]
    last_point = measurement_points.latest_point_on_or_before(until or timezone.localdate())
    rows = []
    for point in measurement_points.measurement_points_between(first, last_point):
        chosen = measurement_points.result_at(point, submissions)
        if chosen is None:
            continue
        scores = sorted(chosen.benchmark_scores.all(), key=lambda s: s.number)
        rows.append(
            MeasurementResult(
                institution=institution,
                point=point,
                evaluation=chosen,
                benchmarks_fully_achieved=chosen.benchmarks_fully_achieved or 0,
                achieved=[s.number for s in scores if s.fully_achieved],
                percentages=[s.percentage for s in scores],
            )
        )
    MeasurementResult.objects.bulk_create(rows)
    return len(rows)


# Evidence -------------------------------------------------------------------------------------


def _check_criterion(evaluation: Evaluation, criterion_code: str) -> None:
    codes = {c.code for b in evaluation.spec().benchmarks for c in b.criteria}
    if criterion_code not in codes:
        raise EvaluationError(f"There is no criterion {criterion_code} in this framework.")


@transaction.atomic
def evidence_add(
    *,
    evaluation: Evaluation,
    criterion_code: str,
    kind: EvidenceKind,
    title: str,
    actor: Any,
    url: str = "",
    note: str = "",
    upload: Any = None,
    content_type: str = "",
) -> Evidence:
    locked = _locked_draft(evaluation)
    _check_criterion(locked, criterion_code)
    evidence = Evidence(
        evaluation=locked,
        criterion_code=criterion_code,
        kind=kind,
        title=title.strip(),
        url=url,
        note=note,
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if kind == EvidenceKind.FILE:
        if upload is None:
            raise EvaluationError("Choose a file to upload.")
        evidence.content_type = content_type
        evidence.size = upload.size
        evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    record(
        actor=actor,
        organisation=_organisation(locked),
        action=AuditAction.CREATE,
        instance=evidence,
        after={
            "criterion": criterion_code,
            "kind": kind,
            "title": evidence.title,
            "url": url,
            "file": evidence.file.name,
        },
    )
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: Any) -> None:
    locked = _locked_draft(evidence.evaluation)
    record(
        actor=actor,
        organisation=_organisation(locked),
        action=AuditAction.DELETE,
        instance=evidence,
        before={"criterion": evidence.criterion_code, "title": evidence.title, "file": evidence.file.name},
    )
    shared = (
        Evidence.objects.filter(file=evidence.file.name).exclude(pk=evidence.pk).exists() if evidence.file else True
    )
    if evidence.file and not shared:
        evidence.file.delete(save=False)
    evidence.delete()
