"""Learners on roll at an institution, the MIS files they are imported from, and column mappings.

Learner-level data is personal data about children. Only the institution's own careers leaders
(read and write) and senior leaders (read) ever see it; hubs and the national team see aggregates
with small numbers suppressed. Every field on `Learner` is kept for a stated reason (below);
anything an MIS export holds beyond these (addresses, ethnicity, medical notes, parents…) is
ignored at import and never stored. Learners who have left are deleted after
`LEARNER_RETENTION_DAYS` by the `delete_departed_learners` task. An uploaded MIS file is kept only
until its import is applied, cancelled or failed; unconfirmed imports and finished imports' names
and row problems are cleared by the `expire_learner_imports` task (see `LearnerImport`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from careershub.core.progress import BackgroundImportProgress
from careershub.institutions.models import Institution


class SenStatus(models.TextChoices):
    """The school census SEN provision codes."""

    NONE = "N", "No special educational need"
    SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "Education, health and care plan"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "", "Not recorded"


#: Secondary and further-education year groups (National Curriculum years 7 to 14).
YEAR_GROUPS = tuple(range(7, 15))
YEAR_GROUP_CHOICES = [(year, f"Year {year}") for year in YEAR_GROUPS]


class LearnerQuerySet(models.QuerySet["Learner"]):
    def on_roll(self) -> LearnerQuerySet:
        return self.filter(left_on__isnull=True)

    def departed_before(self, day: object) -> LearnerQuerySet:
        return self.filter(left_on__isnull=False, left_on__lt=day)


class Learner(models.Model):
    # Whose learner this is: every read is scoped through it.
    # No index of its own: the (institution, left_on, year_group) index below starts with it, so it
    # serves every look-up by institution (and the cascade from Institution) as well.
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="learners", db_index=False)
    # UPN (schools) or ULN (colleges, and school learners aged 14+ who have one): the key that
    # matches a row of the next MIS file to this learner, so re-imports update rather than duplicate.
    upn = models.CharField("UPN", max_length=13, blank=True)
    uln = models.CharField("ULN", max_length=10, blank=True)
    # Names: legal names match the MIS and the learner careers record; preferred names are how
    # staff recognise the learner on lists and gap lists.
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_first_name = models.CharField(max_length=100, blank=True)
    preferred_last_name = models.CharField(max_length=100, blank=True)
    # Date of birth: the Benchmark 6, 7 and 8 rules are "by 16" and "by 18".
    date_of_birth = models.DateField()
    # Year group and registration group: how participants are chosen and coverage is reported.
    year_group = models.PositiveSmallIntegerField(choices=YEAR_GROUP_CHOICES)
    registration_group = models.CharField(max_length=20, blank=True)
    # Targeting characteristics, each used for a group percentage and its gap and for choosing
    # participants (e.g. all FSM learners in Year 10): nothing else is kept.
    disadvantaged = models.BooleanField("disadvantaged (pupil premium)", default=False)
    fsm = models.BooleanField("eligible for free school meals", default=False)
    sen_status = models.CharField("SEN status", max_length=1, choices=SenStatus.choices, default=SenStatus.NONE)
    looked_after = models.BooleanField("looked after", default=False)
    eal = models.BooleanField("English as an additional language", default=False)
    # Sex: Gatsby and Ofsted ask schools to challenge stereotypes; the split shows whether
    # encounters reach everyone.
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default=Sex.UNKNOWN)
    # Intended destination: part of the learner careers record (Benchmark 3).
    intended_destination = models.CharField(max_length=200, blank=True)
    # Considering higher education: the Benchmark 7 expectation of two university visits by 18
    # applies only to learners considering applying to higher education (imported or recorded
    # by the careers leader; nothing else about the learner's plans is kept).
    considering_higher_education = models.BooleanField("considering higher education", default=False)
    # Planned end date of the learner's study programme (the ILR's learning planned end date, in
    # every college MIS export; imported, optional): the college self-evaluation asks about
    # learners completing their programme this academic year, and neither year group nor age
    # tells who they are (docs/adr/0011). Kept for that alone.
    planned_end_date = models.DateField("planned end date", null=True, blank=True)
    # Rises with each change of the careers details above, so that two people editing them at
    # once cannot silently overwrite each other (`services.learner_update_careers_details`).
    careers_details_version = models.PositiveIntegerField(default=0)
    # When the learner left (absent from a full import): left learners stay for the retention
    # period so that the records of those still here are complete, then are deleted.
    left_on = models.DateField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LearnerQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "upn"], condition=~Q(upn=""), name="learner_unique_upn"),
            models.UniqueConstraint(fields=["institution", "uln"], condition=~Q(uln=""), name="learner_unique_uln"),
            models.CheckConstraint(condition=~Q(upn="") | ~Q(uln=""), name="learner_has_upn_or_uln"),
        ]
        indexes = [models.Index(fields=["institution", "left_on", "year_group"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.identifier})"

    @property
    def display_name(self) -> str:
        first = self.preferred_first_name or self.legal_first_name
        last = self.preferred_last_name or self.legal_last_name
        return f"{first} {last}"

    @property
    def identifier(self) -> str:
        return self.upn or self.uln

    def age_on(self, day: object) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))  # type: ignore[attr-defined]


class ColumnMapping(models.Model):
    """The last confirmed mapping of an institution's MIS file headers to learner fields."""

    institution = models.OneToOneField(Institution, on_delete=models.CASCADE, related_name="learner_column_mapping")
    columns = models.JSONField(default=dict, help_text="{normalised header: learner field}")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Column mapping for {self.institution}"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Columns to match"
    CHECKING = "checking", "Checking the file"
    READY = "ready", "Ready to confirm"
    APPLYING = "applying", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


def import_upload_to(instance: LearnerImport, filename: str) -> str:
    """Random names: the uploaded name is kept in `original_name` for display only."""
    return f"learner_imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.file_format or 'bin'}"


class LearnerImport(BackgroundImportProgress, models.Model):
    """One MIS file a careers leader uploaded: its mapping, preview, progress and result.

    The file (every learner's personal data) is kept only while the import needs it: it is
    deleted once the import is applied (DONE), cancelled or failed, and the daily retention task
    cancels an import left unconfirmed for `IMPORT_UNCONFIRMED_DAYS`. `samples` (a few names per
    outcome) are for the preview only; `errors` (row problems, which may quote values) are
    cleared `IMPORT_DETAILS_DAYS` after the import finished (`details_cleared_at`). The counts
    and the file's name are kept."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="learner_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    check_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last check of the file began (the mapping was confirmed)"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    details_cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When its names and row problems were cleared (retention)"
    )
    file = models.FileField(
        upload_to=import_upload_to,
        max_length=255,
        blank=True,
        help_text="The uploaded file, kept only until the import is applied, cancelled or failed",
    )
    original_name = models.CharField("file name", max_length=255)
    file_format = models.CharField(max_length=4, help_text="csv or xlsx")
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    full_import = models.BooleanField(
        default=True, help_text="The file lists every learner on roll: learners not in it are marked as left"
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="{header as in the file: learner field}")
    row_count = models.PositiveIntegerField(default=0)
    empty_rows = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    leaving_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first row errors: {row, field, reason}")
    samples = models.JSONField(default=dict, blank=True, help_text="A few names per outcome, for the preview")
    applied = models.BooleanField(default=False, help_text="Figures are those of the import, not the preview")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Learner import {self.pk} ({self.original_name})"
