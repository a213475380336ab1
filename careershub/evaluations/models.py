"""Self-evaluations against the Gatsby Benchmarks.

Frameworks live in YAML files (`frameworks/`); `FrameworkVersion` rows copy each file's text
so an evaluation always scores against exactly the framework it was answered on. A submitted
evaluation is immutable; changing it means starting a new one (optionally copied).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Q

from careershub.evaluations import framework_data
from careershub.institutions.models import Institution


@lru_cache(maxsize=32)
def _parse(code: str, sha256: str, text: str) -> framework_data.Framework:
    return framework_data.parse_framework(text, f"{code}.yaml")


class FrameworkVersion(models.Model):
    code = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    version_label = models.CharField(max_length=200)
    variant = models.CharField(max_length=20)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    source_text = models.TextField(help_text="The framework file as loaded")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["valid_from", "code"]

    def __str__(self) -> str:
        return self.title

    def spec(self) -> framework_data.Framework:
        return _parse(self.code, self.sha256, self.source_text)


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    SUBMITTED = "submitted", "Submitted"


class EvaluationQuerySet(models.QuerySet["Evaluation"]):
    def submitted(self) -> EvaluationQuerySet:
        return self.filter(status=EvaluationStatus.SUBMITTED)

    def drafts(self) -> EvaluationQuerySet:
        return self.filter(status=EvaluationStatus.DRAFT)


class Evaluation(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="evaluations")
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="evaluations")
    status = models.CharField(max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT)
    institution_kind = models.CharField(max_length=30, help_text="The kind the framework was chosen for")
    kind_override = models.CharField(max_length=30, blank=True)
    override_reason = models.TextField(blank=True)
    learner_numbers = models.JSONField(default=dict, blank=True, help_text="{year group code: number of learners}")
    learner_numbers_version = models.PositiveIntegerField(default=0)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    benchmarks_fully_achieved = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"], condition=Q(status="draft"), name="one_draft_evaluation_per_institution"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="submitted_has_date"
            ),
        ]
        indexes = [models.Index(fields=["institution", "status", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.institution.name}: {self.framework.title} ({self.get_status_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.status == EvaluationStatus.DRAFT

    def spec(self) -> framework_data.Framework:
        return self.framework.spec()


class Answer(models.Model):
    """One answer. `version` rises with each save, so a stale save can be detected."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    question_code = models.CharField(max_length=20)
    value = models.CharField(max_length=20)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question_code"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "question_code"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question_code}: {self.value}"


class BenchmarkScore(models.Model):
    """The score of one benchmark, written when an evaluation is submitted."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="benchmark_scores")
    number = models.PositiveSmallIntegerField()
    met = models.PositiveSmallIntegerField()
    in_progress = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    percentage = models.PositiveSmallIntegerField()
    fully_achieved = models.BooleanField()
    rag = models.CharField(max_length=5)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "number"], name="one_score_per_benchmark")]

    def __str__(self) -> str:
        return f"Benchmark {self.number}: {self.percentage}%"


class EvidenceKind(models.TextChoices):
    LINK = "link", "Link"
    FILE = "file", "File"
    NOTE = "note", "Note"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.evaluation.institution_id}/{instance.evaluation_id}/{filename}"


class Evidence(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="evidence")
    criterion_code = models.CharField(max_length=20)
    kind = models.CharField(max_length=5, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["criterion_code", "added_at"]

    def __str__(self) -> str:
        return self.title


class MeasurementResult(models.Model):
    """An institution's result at a formal measurement point (31 Dec, 31 Mar, 31 Jul): its
    latest evaluation submitted on or before that point. Kept up to date on every submission,
    so hub and national reports read one indexed row per institution and point."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="measurement_results")
    point = models.DateField()
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+")
    benchmarks_fully_achieved = models.PositiveSmallIntegerField()
    achieved = models.JSONField(default=list, help_text="Numbers of the benchmarks fully achieved")
    percentages = models.JSONField(default=list, help_text="Percentage met for benchmarks 1 to 8")

    class Meta:
        ordering = ["institution", "point"]
        constraints = [models.UniqueConstraint(fields=["institution", "point"], name="one_result_per_point")]
        indexes = [models.Index(fields=["point", "institution"])]

    def __str__(self) -> str:
        return f"{self.institution} at {self.point}: {self.benchmarks_fully_achieved}"
