"""Hub funds: a hub's budget per fund and financial year, allocations of it to member
institutions or hub activities, and claims against allocations with a receipt each.

Money is whole pence in integer columns; the database refuses negative or zero amounts, and a
claim's decision fields must agree with its status, so a claim is approved (paid) once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from careershub.funds.money import format_pence
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution


def financial_year_label(start_year: int) -> str:
    """2024 -> "2024-25" (April 2024 to March 2025)."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


class Fund(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="funds")
    name = models.CharField(max_length=200, help_text="For example, Central hub fund")
    financial_year = models.PositiveSmallIntegerField(help_text="The year the financial year starts in (April)")
    budget_pence = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-financial_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "financial_year", "name"], name="one_fund_name_per_hub_year"),
            models.CheckConstraint(condition=Q(budget_pence__gt=0), name="fund_budget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.financial_year_label} ({self.hub})"

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def budget_display(self) -> str:
        return format_pence(self.budget_pence)


class Allocation(models.Model):
    """Part of a fund set aside for one member institution or for one hub activity."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="allocations")
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="fund_allocations"
    )
    activity = models.CharField(max_length=200, blank=True, help_text="A hub activity, when not for an institution")
    amount_pence = models.PositiveBigIntegerField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["fund", "institution__name", "activity"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=(Q(institution__isnull=False) & Q(activity=""))
                | (Q(institution__isnull=True) & ~Q(activity="")),
                name="allocation_for_institution_or_activity",
            ),
        ]

    def __str__(self) -> str:
        return f"{format_pence(self.amount_pence)} for {self.recipient} from {self.fund.name}"

    @property
    def recipient(self) -> str:
        return self.institution.name if self.institution_id and self.institution else self.activity

    @property
    def amount_display(self) -> str:
        return format_pence(self.amount_pence)


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting decision"
    APPROVED = "approved", "Approved for payment"
    REJECTED = "rejected", "Rejected"


def receipt_upload_to(instance: Claim, filename: str) -> str:
    """Stored under a random name; the uploaded name is kept in `receipt_name` for display."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"fund_receipts/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Claim(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="claims")
    amount_pence = models.PositiveBigIntegerField()
    description = models.CharField(max_length=300)
    spent_on = models.DateField()
    receipt = models.FileField(upload_to=receipt_upload_to, max_length=255)
    receipt_name = models.CharField(max_length=255)
    receipt_content_type = models.CharField(max_length=100)
    receipt_size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    rejection_reason = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="submitted", decided_at__isnull=True)
                | Q(status="approved", decided_at__isnull=False)
                | (Q(status="rejected", decided_at__isnull=False) & ~Q(rejection_reason="")),
                name="claim_decision_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["allocation", "status"])]

    def __str__(self) -> str:
        return f"Claim {self.pk}: {format_pence(self.amount_pence)} for {self.description}"

    @property
    def amount_display(self) -> str:
        return format_pence(self.amount_pence)

    @property
    def is_submitted(self) -> bool:
        return self.status == ClaimStatus.SUBMITTED
