"""Schools and colleges as DfE's Get Information about Schools (GIAS) knows them.

Institution data is public reference data (GIAS publishes it under the Open Government
Licence), so every signed-in member may search it. What an institution *does* on the platform
(evaluations, learners, hub membership history) is organisation-owned and scoped elsewhere.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from careershub.geography.models import LocalAuthority
from careershub.organisations.models import Organisation


class InstitutionKind(models.TextChoices):
    MAINSTREAM_SCHOOL = "mainstream_school", "Mainstream school"
    SPECIAL_SCHOOL = "special_school", "Special school"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    COLLEGE = "college", "FE or sixth-form college"
    TRAINING_PROVIDER = "training_provider", "Independent training provider"
    OTHER = "other", "Other establishment"


class EstablishmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    OPEN_PROPOSED_TO_CLOSE = "open_proposed_to_close", "Open, but proposed to close"
    PROPOSED_TO_OPEN = "proposed_to_open", "Proposed to open"
    CLOSED = "closed", "Closed"
    UNKNOWN = "unknown", "Not recorded"


OPEN_STATUSES = (EstablishmentStatus.OPEN, EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE)


class InstitutionQuerySet(models.QuerySet["Institution"]):
    def open(self) -> InstitutionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def search(self, text: str) -> InstitutionQuerySet:
        """Match a name fragment, a URN, a UKPRN, a postcode or a local authority name or code."""
        text = " ".join(text.split())
        if not text:
            return self
        condition = Q(name__icontains=text) | Q(la_name__icontains=text) | Q(town__icontains=text)
        compact = text.replace(" ", "").upper()
        if compact.isdigit():
            condition |= Q(urn=int(compact)) | Q(ukprn=compact) | Q(la_code=compact)
        if any(ch.isdigit() for ch in compact) and len(compact) <= 8:
            condition |= Q(postcode_compact__startswith=compact)
        return self.filter(condition)


class Institution(models.Model):
    urn = models.PositiveIntegerField("URN", unique=True)
    ukprn = models.CharField("UKPRN", max_length=8, blank=True, db_index=True)
    name = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=30, choices=InstitutionKind.choices, default=InstitutionKind.OTHER)
    type_code = models.CharField("establishment type code", max_length=4, blank=True)
    type_name = models.CharField("establishment type", max_length=120, blank=True)
    type_group = models.CharField("establishment type group", max_length=120, blank=True)
    further_education_type = models.CharField(max_length=120, blank=True)
    phase = models.CharField("phase of education", max_length=60, blank=True)
    status = models.CharField(max_length=30, choices=EstablishmentStatus.choices, default=EstablishmentStatus.UNKNOWN)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.SET_NULL, null=True, blank=True, related_name="institutions"
    )
    la_code = models.CharField("LA code (DfE)", max_length=3, blank=True, db_index=True)
    la_name = models.CharField("local authority", max_length=150, blank=True)
    gss_la_code = models.CharField("LA code (GSS)", max_length=9, blank=True)
    region_name = models.CharField("region", max_length=100, blank=True)
    street = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    postcode_compact = models.CharField(max_length=8, blank=True, db_index=True, editable=False)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    number_of_pupils = models.PositiveIntegerField(null=True, blank=True)
    percent_fsm = models.DecimalField(
        "% eligible for free school meals", max_digits=4, decimal_places=1, null=True, blank=True
    )
    ofsted_rating = models.CharField(max_length=60, blank=True)
    website = models.CharField(max_length=255, blank=True)
    organisation = models.OneToOneField(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="institution"
    )
    gias_imported_at = models.DateTimeField(null=True, blank=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["phase"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.postcode_compact = self.postcode.replace(" ", "").upper()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def age_range(self) -> str:
        if self.statutory_low_age is None or self.statutory_high_age is None:
            return ""
        return f"{self.statutory_low_age} to {self.statutory_high_age}"


class GiasImportStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Awaiting confirmation"
    CANCELLED = "cancelled", "Cancelled"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def gias_upload_to(instance: GiasImport, filename: str) -> str:
    """Stored under a random name: the uploaded name is kept in `original_name` for display only."""
    return f"gias_imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.csv"


class GiasImport(models.Model):
    """One GIAS file a national admin uploaded (or a command read): its preview, then its result.

    Preview figures (`preview_*`) are worked out on upload, against the database as it was
    then; the result figures (`created_count` …) are those of the import itself.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=255, blank=True, help_text="Who, kept if the user is deleted")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=gias_upload_to, max_length=255, blank=True)
    original_name = models.CharField("file name", max_length=255)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    encoding = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=30, choices=GiasImportStatus.choices, default=GiasImportStatus.AWAITING_CONFIRMATION
    )
    columns = models.JSONField(default=dict, blank=True, help_text="{header in the file: field it fills}")
    ignored_columns = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0, help_text="Rows of data, not counting empty rows")
    empty_rows = models.PositiveIntegerField(default=0)
    preview_new = models.PositiveIntegerField(default=0)
    preview_changed = models.PositiveIntegerField(default=0)
    preview_unchanged = models.PositiveIntegerField(default=0)
    preview_rejected = models.PositiveIntegerField(default=0)
    sample_changes = models.JSONField(default=list, blank=True)
    rejections = models.JSONField(default=list, blank=True, help_text="The first rejected rows")
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(null=True, blank=True)
    updated_count = models.PositiveIntegerField(null=True, blank=True)
    unchanged_count = models.PositiveIntegerField(null=True, blank=True)
    rejected_count = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "GIAS import"

    def __str__(self) -> str:
        return f"GIAS import {self.pk} ({self.original_name})"

    @property
    def is_finished(self) -> bool:
        return self.status in {GiasImportStatus.DONE, GiasImportStatus.FAILED, GiasImportStatus.CANCELLED}

    @property
    def is_in_progress(self) -> bool:
        return self.status in {GiasImportStatus.QUEUED, GiasImportStatus.RUNNING}
