"""Risk of NEET Indicator (RONI): the indicator catalogue, configurations, learners' risk factors,
interventions and risk-factor imports.

Risk factors are personal data about children, some of it special category (youth justice,
child protection, pregnancy). `RiskFactors` holds only what a switched-on indicator reads: when
the configuration that governs an institution switches an indicator off, the fields only it read
are cleared for every learner there (`services.purge_unused_factors`). Only the institution's
own careers leaders (read and write) and senior leaders (read) see learner-level risk data; hub
leads and participation officers see the indicator's evaluation as aggregates, suppressed
below five. Every view of a learner's risk page and every change is in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from careershub.learners.models import Learner
from careershub.organisations.models import Organisation
from careershub.risk.scoring import Rule


class Indicator(models.Model):
    """One indicator of the RONI catalogue: public reference data from `data/indicators.yaml`."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    reason = models.CharField(max_length=200, help_text="Shown beside the flag on the risk list")
    description = models.TextField(blank=True)
    default_weight = models.PositiveSmallIntegerField()
    fields = models.JSONField(default=list, help_text="learner.<field> or factors.<field>")
    rule = models.CharField(max_length=10)
    value = models.FloatField(null=True, blank=True)
    values = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def as_rule(self) -> Rule:
        return Rule(
            code=self.code,
            name=self.name,
            reason=self.reason,
            default_weight=self.default_weight,
            fields=tuple(self.fields),
            rule=self.rule,
            value=self.value,
            values=tuple(self.values),
            description=self.description,
        )


class RiskConfiguration(models.Model):
    """A local authority's or a Careers Hub's indicator: what is on, the weights, the thresholds.

    An institution uses its hub's configuration, else its local authority's, else the catalogue
    defaults. `version` rises with every save, so a save based on an older version is refused.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="risk_configuration")
    weights = models.JSONField(default=dict, help_text="{indicator code: weight} for the indicators switched on")
    amber_threshold = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    red_threshold = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amber_threshold__lte=models.F("red_threshold")), name="risk_amber_not_above_red"
            )
        ]

    def __str__(self) -> str:
        return f"Risk of NEET indicator of {self.organisation}"


class AttainmentBand(models.TextChoices):
    LOW = "low", "Low"
    MIDDLE = "middle", "Middle"
    HIGH = "high", "High"


#: Why each risk factor is kept (shown on the import page). Each is kept only while an
#: indicator that reads it is switched on for the learner's institution.
FACTOR_REASONS: dict[str, str] = {
    "attendance_percent": "Attendance bands (below 90%, below 80%): absence is a leading predictor of NEET",
    "suspensions": "Suspensions indicator",
    "permanently_excluded": "Permanent exclusion indicator",
    "previously_looked_after": "Looked after or care leaver indicator (previously looked after)",
    "attainment_band": "Low attainment indicator",
    "young_carer": "Young carer indicator",
    "young_parent_or_pregnant": "Young parent or pregnant indicator",
    "youth_justice": "Youth justice involvement indicator",
    "alternative_provision": "Alternative or off-site provision indicator",
    "child_in_need": "Child in need or child protection indicator",
    "elective_home_education": "Elective home education indicator",
}


class RiskFactors(models.Model):
    """A learner's risk factors that the learner record does not hold. `None` = not recorded.

    Each field is kept only for the indicator named beside it, and only while that indicator is
    switched on for the learner's institution; the row goes with the learner (retention).
    """

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="risk_factors")
    # Attendance bands: percentage of possible sessions attended this school year.
    attendance_percent = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Suspensions: number of suspensions this school year.
    suspensions = models.PositiveSmallIntegerField(null=True, blank=True)
    # Permanent exclusion: ever permanently excluded.
    permanently_excluded = models.BooleanField(null=True, blank=True)
    # Looked after or care leaver: previously looked after (looked after now is on Learner).
    previously_looked_after = models.BooleanField(null=True, blank=True)
    # Low attainment: prior attainment band.
    attainment_band = models.CharField(max_length=6, choices=AttainmentBand.choices, blank=True)
    # Young carer.
    young_carer = models.BooleanField(null=True, blank=True)
    # Young parent or pregnant.
    young_parent_or_pregnant = models.BooleanField(null=True, blank=True)
    # Youth justice involvement.
    youth_justice = models.BooleanField(null=True, blank=True)
    # Alternative or off-site provision.
    alternative_provision = models.BooleanField(null=True, blank=True)
    # Child in need or child protection.
    child_in_need = models.BooleanField(null=True, blank=True)
    # Elective home education.
    elective_home_education = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Risk factors of learner {self.learner_id}"

    def values(self) -> dict[str, Any]:
        """{"factors.<field>": value} for the scoring functions."""
        result: dict[str, Any] = {}
        for name in FACTOR_REASONS:
            value = getattr(self, name)
            result[f"factors.{name}"] = float(value) if name == "attendance_percent" and value is not None else value
        return result


class InterventionKind(models.TextChoices):
    GUIDANCE_MEETING = "guidance_meeting", "Guidance meeting"
    MENTORING = "mentoring", "Mentoring"
    TRANSITION_PLAN = "transition_plan", "Transition plan"
    REFERRAL = "referral", "Referral"


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Intervention(models.Model):
    """Support given to a learner at risk of NEET, and what happened afterwards."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="risk_interventions")
    # The flag it responds to (blank: the learner's risk in general).
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=InterventionKind.choices)
    owner = models.CharField(max_length=200, help_text="Who is responsible for it")
    started_on = models.DateField()
    status = models.CharField(max_length=12, choices=InterventionStatus.choices, default=InterventionStatus.PLANNED)
    notes = models.TextField(blank=True, help_text="What was agreed or done")
    outcome = models.TextField(blank=True, help_text="What happened afterwards")
    follow_up_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for learner {self.learner_id} on {self.started_on}"


class RiskImportStatus(models.TextChoices):
    READY = "ready", "Ready to confirm"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class RiskImport(models.Model):
    """A file of risk factors keyed by UPN or ULN: checked, previewed, then applied at once.

    `pending` holds the checked values ({learner id: {field: value}}) only until the import is
    applied or cancelled; it is emptied then.
    """

    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    original_name = models.CharField("file name", max_length=255)
    status = models.CharField(max_length=10, choices=RiskImportStatus.choices, default=RiskImportStatus.READY)
    columns = models.JSONField(default=dict, help_text="{header as in the file: risk factor field}")
    ignored_columns = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="{row, field, reason}")
    pending = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Risk factor import {self.pk} ({self.original_name})"
