"""Learner destinations: what a leaver intended, the September Guarantee offer they had, and
what they actually did in the three years after leaving Year 11 or Year 13, as NCCIS activity
codes.

These are personal data about children and young adults. Each field is kept for a stated reason
(below); nothing else from an LA tracking file (addresses, phone numbers, case notes) is stored.
Learner-level records are seen only by the institution's careers and senior leaders, and by the
participation officers of the local authority the institution is in; everyone else sees
aggregates with small numbers suppressed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models

from careershub.learners.models import Learner
from careershub.organisations.models import Organisation

#: Years of activity tracked after leaving (the issue: three years after Year 11 and Year 13).
TRACKING_YEARS = 3


class ActivityGroup(models.TextChoices):
    EDUCATION = "education", "Education"
    EMPLOYMENT = "employment", "Employment"
    TRAINING = "training", "Training"
    RE_ENGAGEMENT = "re_engagement", "Re-engagement"
    NEET_ACTIVE = "neet_active", "NEET (active)"
    NEET_INACTIVE = "neet_inactive", "NEET (inactive)"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


NEET_GROUPS = frozenset({ActivityGroup.NEET_ACTIVE, ActivityGroup.NEET_INACTIVE})
EET_GROUPS = frozenset(
    {ActivityGroup.EDUCATION, ActivityGroup.EMPLOYMENT, ActivityGroup.TRAINING, ActivityGroup.RE_ENGAGEMENT}
)


class ActivityCode(models.Model):
    """An NCCIS current-activity code (public reference data, from data/nccis_activity_codes.csv)."""

    code = models.CharField(max_length=3, primary_key=True)
    label = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=ActivityGroup.choices)
    pre_16_only = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def is_neet(self) -> bool:
        return self.group in NEET_GROUPS


class Stage(models.TextChoices):
    YEAR_11 = "y11", "After Year 11"
    YEAR_13 = "y13", "After Year 13"


class SeptemberGuarantee(models.TextChoices):
    OFFER_MADE = "offer_made", "Offer made"
    NO_OFFER = "no_offer", "No offer"
    NOT_APPROPRIATE = "not_appropriate", "Offer not appropriate"
    NOT_RECORDED = "not_recorded", "Not recorded"


class TrackingConsent(models.TextChoices):
    NOT_ASKED = "not_asked", "Not asked"
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"


class Leaver(models.Model):
    """One learner leaving one stage (Year 11 or Year 13) in one summer."""

    # Whose leaver this is: reads are scoped through the learner's institution.
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="leaver_records")
    # Which destination measure the leaver counts in (KS4 or 16-18) and the cohort: the summer
    # (calendar year) they left, so the destination year runs 1 August to 31 July after it.
    stage = models.CharField(max_length=3, choices=Stage.choices)
    leaving_year = models.PositiveSmallIntegerField(db_index=True)
    # Intended destination before leaving (NCCIS intended destination dataset uses the same codes):
    # compared with what happened, it shows whether guidance led to realistic plans.
    intended_code = models.ForeignKey(
        ActivityCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="intended destination",
    )
    # September Guarantee: whether the learner had an offer of a post-16 (or post-17) place.
    september_guarantee = models.CharField(
        max_length=20, choices=SeptemberGuarantee.choices, default=SeptemberGuarantee.NOT_RECORDED
    )
    # Consent to keep tracking once the learner is past the statutory tracking age (18, or 25
    # with an EHC plan): without it, activity after that age is not recorded.
    tracking_consent = models.CharField(
        max_length=10, choices=TrackingConsent.choices, default=TrackingConsent.NOT_ASKED
    )
    # Optimistic lock: a save with a stale version is refused, so two editors never silently
    # overwrite each other.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-leaving_year", "stage", "id"]
        constraints = [models.UniqueConstraint(fields=["learner", "stage"], name="destinations_one_leaver_per_stage")]

    def __str__(self) -> str:
        return f"{self.learner} – {self.get_stage_display()} {self.leaving_year}"

    @property
    def left_on(self) -> datetime.date:
        """The notional leaving date: the end of the academic year (31 August)."""
        return datetime.date(self.leaving_year, 8, 31)

    @property
    def tracked_until(self) -> datetime.date:
        return datetime.date(self.leaving_year + TRACKING_YEARS, 8, 31)


class ActivitySource(models.TextChoices):
    MANUAL = "manual", "Recorded by the institution"
    LA_IMPORT = "la_import", "Local-authority import"


class ActivityRecord(models.Model):
    """What the leaver was doing from `recorded_on` (until the next record)."""

    leaver = models.ForeignKey(Leaver, on_delete=models.CASCADE, related_name="activities")
    # Date and NCCIS code: the destination measures and NEET figures are computed from them.
    recorded_on = models.DateField()
    code = models.ForeignKey(ActivityCode, on_delete=models.PROTECT, related_name="+")
    # Where it came from, so a careers leader can tell their own record from the LA's.
    source = models.CharField(max_length=10, choices=ActivitySource.choices, default=ActivitySource.MANUAL)
    destination_import = models.ForeignKey(
        "DestinationImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["leaver", "recorded_on"], name="destinations_one_activity_per_day")
        ]
        indexes = [models.Index(fields=["leaver", "recorded_on"])]

    def __str__(self) -> str:
        return f"{self.recorded_on}: {self.code_id}"


class ImportStatus(models.TextChoices):
    READY = "ready", "Ready to confirm"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class DestinationImport(models.Model):
    """One destination list (CSV: UPN or ULN, date, NCCIS code) uploaded for preview and apply.

    The checked rows are held in `rows` (identifiers, dates and codes only) until confirmed,
    so confirming applies exactly what was previewed; they are cleared once applied."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="destination_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    original_name = models.CharField("file name", max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.READY)
    row_count = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list, blank=True, help_text="[{row, learner, date, code}] checked, to apply")
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first row errors: {row, field, reason}")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Destination import {self.pk} ({self.original_name})"
