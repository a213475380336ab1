"""Careers programme planning (Gatsby Benchmark 1): a plan per institution and academic year,
its planned activities mapped to the criteria of the framework the institution works to, what
it publishes on its public page, feedback links and the answers they collect, and the plan
templates a hub shares with its members.

Nothing here holds learner-level data: year groups and groups of learners are descriptions of
who an activity is for, and feedback answers are anonymous (no name, email or other identifier
is asked for or kept).
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from careershub.activities.models import ACTIVITY_TYPE_CHOICES, ACTIVITY_TYPES
from careershub.evaluations.models import FrameworkVersion
from careershub.funds.money import format_pence
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution


def new_token() -> str:
    """An unguessable URL token (128 bits of randomness)."""
    return secrets.token_urlsafe(16)


def academic_year_label(start_year: int) -> str:
    """2026 -> "2026 to 2027"."""
    return f"{start_year} to {start_year + 1}"


class Term(models.TextChoices):
    AUTUMN = "autumn", "Autumn term"
    SPRING = "spring", "Spring term"
    SUMMER = "summer", "Summer term"


#: Each term's first and last day as (month, day), with the year offset from the academic year's
#: start. The terms end at the formal measurement points (31 December, 31 March, 31 July), as the
#: self-evaluation counts them; August belongs to no term.
TERM_BOUNDS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    Term.AUTUMN: ((0, 9, 1), (0, 12, 31)),
    Term.SPRING: ((1, 1, 1), (1, 3, 31)),
    Term.SUMMER: ((1, 4, 1), (1, 7, 31)),
}


def term_window(start_year: int, term: str) -> tuple[datetime.date, datetime.date]:
    (oy1, m1, d1), (oy2, m2, d2) = TERM_BOUNDS[term]
    return datetime.date(start_year + oy1, m1, d1), datetime.date(start_year + oy2, m2, d2)


def term_of(day: datetime.date) -> str | None:
    if day.month >= 9:
        return Term.AUTUMN
    if day.month <= 3:
        return Term.SPRING
    if day.month <= 7:
        return Term.SUMMER
    return None


class LearnerGroup(models.TextChoices):
    """Groups of learners an activity may be planned for, beside year groups (Benchmark 3)."""

    SEND = "send", "Learners with special educational needs and disabilities (SEND)"
    DISADVANTAGED = "disadvantaged", "Disadvantaged learners (pupil premium)"
    LOOKED_AFTER = "looked_after", "Looked-after children"
    AT_RISK_NEET = "at_risk_neet", "Learners at risk of not being in education, employment or training"


class Plan(models.Model):
    """An institution's careers programme for one academic year."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="programme_plans")
    academic_year = models.PositiveSmallIntegerField(help_text="The year the academic year starts in (September)")
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    introduction = models.TextField(blank=True, help_text="Shown at the top of the published page")
    #: The public page's address: unguessable, so only people given the link (or the school's
    #: website) reach it. Changing it withdraws every copy of the old link.
    public_token = models.CharField(max_length=40, unique=True, default=new_token)
    is_published = models.BooleanField(default=False)
    show_outcomes = models.BooleanField("learning outcomes", default=True)
    show_timing = models.BooleanField("when it happens", default=True)
    show_benchmarks = models.BooleanField("benchmarks and criteria", default=True)
    show_owner = models.BooleanField("who leads it", default=False)
    show_budget = models.BooleanField("budget", default=False)
    show_feedback = models.BooleanField("a summary of feedback (groups of fewer than 5 are withheld)", default=False)
    #: Rises with every change of the plan's own fields (not its activities), so two people
    #: changing the publishing choices at once never silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-academic_year"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "academic_year"], name="one_plan_per_institution_year")
        ]

    def __str__(self) -> str:
        return f"{self.institution.name}: careers programme {self.year_label}"

    @property
    def year_label(self) -> str:
        return academic_year_label(self.academic_year)

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date(self.academic_year, 9, 1)

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date(self.academic_year + 1, 8, 31)


class ActivityFields(models.Model):
    """What a planned activity and a template's example activity share."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    activity_type = models.CharField(
        max_length=30,
        choices=ACTIVITY_TYPE_CHOICES,
        blank=True,
        help_text="The kind of recorded activity that delivers it (blank: any kind)",
    )
    year_groups = models.JSONField(default=list, blank=True, help_text="Year group codes of the framework")
    groups = models.JSONField(default=list, blank=True, help_text="LearnerGroup codes")
    criteria = models.JSONField(default=list, blank=True, help_text="Criterion codes of the framework, e.g. 5.1")
    learning_outcomes = models.TextField(blank=True)
    term = models.CharField(max_length=10, choices=Term.choices, blank=True)
    target_date = models.DateField(null=True, blank=True)
    owner = models.CharField(max_length=200, blank=True, help_text="Who leads it: a name or a role")
    budget_pence = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def benchmarks(self) -> list[int]:
        return sorted({int(code.split(".")[0]) for code in self.criteria if code.split(".")[0].isdigit()})

    @property
    def budget_display(self) -> str:
        return format_pence(self.budget_pence) if self.budget_pence else "None"

    @property
    def type_label(self) -> str:
        spec = ACTIVITY_TYPES.get(self.activity_type)
        return spec.label if spec else "Any kind"

    @property
    def group_labels(self) -> list[str]:
        return [str(LearnerGroup(code).label) for code in self.groups if code in LearnerGroup.values]

    def timing_label(self) -> str:
        if self.target_date:
            return f"{self.target_date.day} {self.target_date:%B %Y}"
        return str(Term(self.term).label) if self.term else "Not set"


def year_number(code: str) -> int | None:
    """10 for the framework's "Y10"; None for codes that are not school years."""
    found = re.fullmatch(r"Y(\d{1,2})", code)
    return int(found.group(1)) if found else None


class PlannedActivity(ActivityFields):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="activities")
    is_published = models.BooleanField("show on the published page", default=True)
    #: Rises with every save: a save based on an older version is refused (see services).
    version = models.PositiveIntegerField(default=1)
    copied_from = models.ForeignKey(
        "TemplateActivity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "target_date", "term", "title", "pk"]
        verbose_name_plural = "planned activities"
        constraints = [
            models.CheckConstraint(condition=~Q(term="") | Q(target_date__isnull=False), name="planned_has_timing")
        ]

    def window(self) -> tuple[datetime.date, datetime.date]:
        """The term it is due in (the term of its target date, when it has one)."""
        term = (term_of(self.target_date) if self.target_date else None) or self.term or Term.SUMMER
        return term_window(self.plan.academic_year, term)


# Feedback -------------------------------------------------------------------------------------


class Audience(models.TextChoices):
    LEARNERS = "learners", "Learners"
    PARENTS = "parents", "Parents and carers"
    STAFF = "staff", "Teachers and other staff"
    EMPLOYERS = "employers", "Employers"


class FeedbackLink(models.Model):
    """A link that opens a short anonymous feedback form for one audience of one plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="feedback_links")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    token = models.CharField(max_length=40, unique=True, default=new_token)
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "audience"]
        constraints = [models.UniqueConstraint(fields=["plan", "audience"], name="one_feedback_link_per_audience")]

    def __str__(self) -> str:
        return f"Feedback from {self.get_audience_display().lower()}"


class FeedbackResponse(models.Model):
    """One anonymous answer to a feedback form. Kept: the ratings and the optional comment, and
    the one-time form nonce that stops the same form being sent twice. No name, email, IP
    address or other identifier is stored."""

    link = models.ForeignKey(FeedbackLink, on_delete=models.CASCADE, related_name="responses")
    ratings = models.JSONField(default=dict, help_text="{question code: answer code}")
    comment = models.TextField(blank=True)
    nonce = models.CharField(max_length=40, unique=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.link}"


# Hub templates -------------------------------------------------------------------------------


class PlanTemplate(models.Model):
    """A plan template a hub shares with its member institutions."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="plan_templates")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    is_shared = models.BooleanField("shared with member schools and colleges", default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["hub", "title"]

    def __str__(self) -> str:
        return self.title


class TemplateActivity(ActivityFields):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="activities")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "term", "title", "pk"]
        verbose_name_plural = "template activities"
