"""Careers activities, who took part, and personal guidance meetings.

An activity belongs to an institution and is seen only by its careers leaders (write) and senior
leaders (read), like learners. Its benchmarks are derived from its type (`ACTIVITY_TYPES`) and
may be adjusted. The meaningful-encounter checklist follows the 2024 Gatsby definitions
(shared/reference/domain.md, section 8): an employer encounter (Benchmark 5) or a provider
encounter (Benchmark 7) is meaningful when it had a shared purpose, learning outcomes, two-way
interaction and reflection; a workplace experience (Benchmark 6) also needs a range of people met,
a task set by the employer and the employer's feedback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from careershub.core.progress import BackgroundImportProgress
from careershub.institutions.models import Institution
from careershub.learners.models import Learner


class Encounter(models.TextChoices):
    EMPLOYER = "employer", "Employer encounter (Benchmark 5)"
    WORKPLACE = "workplace", "Experience of a workplace (Benchmark 6)"
    PROVIDER = "provider", "Encounter with a further or higher education provider (Benchmark 7)"
    GUIDANCE = "guidance", "Personal guidance (Benchmark 8)"
    OTHER = "other", "Other careers activity"


@dataclass(frozen=True)
class ActivityTypeSpec:
    label: str
    encounter: Encounter
    benchmarks: tuple[int, ...]


#: Each type: its label, the kind of encounter it is, and the benchmarks it counts towards by default.
ACTIVITY_TYPES: dict[str, ActivityTypeSpec] = {
    "employer_talk": ActivityTypeSpec("Employer talk", Encounter.EMPLOYER, (5,)),
    "workplace_visit": ActivityTypeSpec("Workplace visit", Encounter.WORKPLACE, (6,)),
    "work_experience": ActivityTypeSpec("Work experience", Encounter.WORKPLACE, (6,)),
    "virtual_work_experience": ActivityTypeSpec("Virtual work experience", Encounter.WORKPLACE, (6,)),
    "careers_fair": ActivityTypeSpec("Careers fair", Encounter.EMPLOYER, (5, 7)),
    "mentoring": ActivityTypeSpec("Mentoring", Encounter.EMPLOYER, (5,)),
    "mock_interview": ActivityTypeSpec("Mock interview", Encounter.EMPLOYER, (5,)),
    "enterprise_activity": ActivityTypeSpec("Enterprise activity", Encounter.EMPLOYER, (5,)),
    "university_visit": ActivityTypeSpec("University visit", Encounter.PROVIDER, (7,)),
    "provider_encounter": ActivityTypeSpec(
        "FE college, apprenticeship or training provider encounter", Encounter.PROVIDER, (7,)
    ),
    "guidance_meeting": ActivityTypeSpec("Personal guidance meeting", Encounter.GUIDANCE, (8,)),
    "careers_lesson": ActivityTypeSpec("Curriculum-linked careers lesson", Encounter.OTHER, (4,)),
    "lmi_session": ActivityTypeSpec("Labour-market information session", Encounter.OTHER, (2,)),
}
ACTIVITY_TYPE_CHOICES = [(code, spec.label) for code, spec in ACTIVITY_TYPES.items()]


class ProviderKind(models.TextChoices):
    EMPLOYER = "employer", "Employer"
    SIXTH_FORM = "sixth_form", "Sixth form"
    FE_COLLEGE = "fe_college", "FE college"
    UNIVERSITY = "university", "University or higher education provider"
    APPRENTICESHIP = "apprenticeship", "Apprenticeship or independent training provider"
    OTHER = "other", "Other"


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    HYBRID = "hybrid", "Both in person and virtual"


#: Checklist fields and the encounters they apply to.
CHECKLIST: dict[str, tuple[str, frozenset[Encounter]]] = {
    "purpose_shared": (
        "Had a clear purpose, shared with the provider and the young people",
        frozenset({Encounter.EMPLOYER, Encounter.WORKPLACE, Encounter.PROVIDER}),
    ),
    "learning_outcomes": (
        "Was underpinned by learning outcomes suited to the young people",
        frozenset({Encounter.EMPLOYER, Encounter.WORKPLACE, Encounter.PROVIDER}),
    ),
    "two_way_interaction": (
        "Had two-way interaction between the young people and the employer or provider",
        frozenset({Encounter.EMPLOYER, Encounter.WORKPLACE, Encounter.PROVIDER}),
    ),
    "range_of_people": ("Young people met a range of people from the workplace", frozenset({Encounter.WORKPLACE})),
    "task_set": (
        "Young people performed a task set by the employer or produced work relevant to the workplace",
        frozenset({Encounter.WORKPLACE}),
    ),
    "employer_feedback": ("The employer gave feedback on the young people's work", frozenset({Encounter.WORKPLACE})),
    "reflection": (
        "Was followed by time for the young people to reflect",
        frozenset({Encounter.EMPLOYER, Encounter.WORKPLACE, Encounter.PROVIDER}),
    ),
}


class ActivityQuerySet(models.QuerySet["Activity"]):
    def of_institution(self, institution: Institution) -> ActivityQuerySet:
        return self.filter(institution=institution)


class Activity(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="careers_activities")
    activity_type = models.CharField(max_length=30, choices=ACTIVITY_TYPE_CHOICES)
    title = models.CharField(max_length=200)
    date = models.DateField(db_index=True)
    provider_name = models.CharField(max_length=200, blank=True)
    provider_kind = models.CharField(max_length=20, choices=ProviderKind.choices, default=ProviderKind.EMPLOYER)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    benchmarks = models.JSONField(default=list, help_text="Benchmark numbers it counts towards")
    purpose_shared = models.BooleanField(default=False)
    learning_outcomes = models.BooleanField(default=False)
    two_way_interaction = models.BooleanField(default=False)
    range_of_people = models.BooleanField(default=False)
    task_set = models.BooleanField(default=False)
    employer_feedback = models.BooleanField(default=False)
    reflection = models.BooleanField(default=False)
    # Colleges: Benchmark 5 asks that at least one of each year's employer encounters is delivered
    # through the learner's curriculum area.
    through_curriculum = models.BooleanField("delivered through the learners' curriculum area", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    participants: models.ManyToManyField[Learner, Participation] = models.ManyToManyField(
        Learner, through="Participation", related_name="activities"
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d/%m/%Y})"

    @property
    def spec(self) -> ActivityTypeSpec:
        return ACTIVITY_TYPES[self.activity_type]

    @property
    def encounter(self) -> Encounter:
        return self.spec.encounter

    def checklist(self) -> list[tuple[str, str, bool]]:
        """(field, label, ticked) for the checklist items that apply to this activity's encounter."""
        return [
            (name, label, bool(getattr(self, name)))
            for name, (label, encounters) in CHECKLIST.items()
            if self.encounter in encounters
        ]

    @property
    def is_meaningful(self) -> bool:
        items = self.checklist()
        return bool(items) and all(ticked for _name, _label, ticked in items)


class Participation(models.Model):
    # No single-column indexes on the two keys: the unique constraint (activity, learner) and the
    # index (learner, activity) begin with them and serve every look-up by either. Each index is
    # written on every row an import or a recorded activity adds (ADR 0017, participations' indexes).
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations", db_index=False)
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="participations", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "learner"], name="one_participation_per_learner")]
        indexes = [models.Index(fields=["learner", "activity"])]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.activity_id}"


class GuidanceMeeting(models.Model):
    """A personal guidance meeting (Benchmark 8). Notes are seen only by the institution's careers leaders."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="guidance_meetings")
    date = models.DateField()
    adviser_name = models.CharField(max_length=200)
    adviser_level6 = models.BooleanField("adviser qualified to level 6 or above", default=False)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"Guidance meeting on {self.date:%d/%m/%Y}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Checking the file"
    READY = "ready", "Ready to confirm"
    REJECTED = "rejected", "Not imported: the file has problems"
    APPLYING = "applying", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


def activity_import_upload_to(instance: ActivityImport, filename: str) -> str:
    """Random names: the uploaded name is kept in `original_name` for display only."""
    return f"activity_imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.file_format or 'bin'}"


class ActivityImport(BackgroundImportProgress, models.Model):
    """One file of activity records ("who took part": date, type, title, UPN or ULN per row)
    uploaded for preview and confirmation (`imports`).

    Files above `imports.BACKGROUND_BYTES` are checked (CHECKING) and applied (APPLYING) by
    background tasks; the file itself is kept in `file` only until it has been checked.
    The checked rows are held compactly until confirmed: `activities` (one entry per activity the
    file describes: its fields, the existing activity it adds to if any, and its counts) and
    `pairs` (for each of those activities, the ids of the learners to add to it). No names are
    kept. Both are cleared of learner ids once applied or cancelled, and the daily retention task
    cancels an import left unconfirmed for `IMPORT_UNCONFIRMED_DAYS` (its ids with it). `errors`
    (which may quote identifiers) are cleared `IMPORT_DETAILS_DAYS` after it finished
    (`details_cleared_at`); the counts stay."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="activity_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    details_cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When its row problems were cleared (retention)"
    )
    original_name = models.CharField("file name", max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    file = models.FileField(
        upload_to=activity_import_upload_to,
        max_length=255,
        blank=True,
        help_text="The uploaded file, kept only until a background task has checked it",
    )
    file_format = models.CharField(max_length=4, blank=True, help_text="csv or xlsx")
    size_bytes = models.PositiveBigIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why a background check or import failed")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.READY)
    row_count = models.PositiveIntegerField(default=0)
    activities = models.JSONField(
        default=list, blank=True, help_text="[{date, type, title, provider, kind, mode, existing, rows, new}]"
    )
    pairs = models.JSONField(default=list, blank=True, help_text="[[learner id, ...] for each of `activities`]")
    activities_new = models.PositiveIntegerField(default=0)
    activities_existing = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField("participations new", default=0)
    already_count = models.PositiveIntegerField("participations already recorded", default=0)
    rejected_count = models.PositiveIntegerField("rows rejected", default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first row errors: {row, field, reason}")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Activity import {self.pk} ({self.original_name})"
