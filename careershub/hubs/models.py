"""Careers Hubs, their member institutions over time, and enterprise coordinator assignments."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from careershub.geography.models import LocalAuthority
from careershub.institutions.models import Institution
from careershub.organisations.models import Organisation


class LeadBodyKind(models.TextChoices):
    LEP = "lep", "Local Enterprise Partnership"
    COMBINED_AUTHORITY = "combined_authority", "Combined authority"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    OTHER = "other", "Other"


class Hub(models.Model):
    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="hub")
    name = models.CharField(max_length=200, unique=True)
    lead_body = models.CharField(max_length=200)
    lead_body_kind = models.CharField(max_length=30, choices=LeadBodyKind.choices)
    wave = models.PositiveSmallIntegerField(help_text="The wave the hub joined in (1 = September 2018).")
    launched_on = models.DateField(null=True, blank=True)
    local_authorities = models.ManyToManyField(LocalAuthority, related_name="hubs", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HubMembershipQuerySet(models.QuerySet["HubMembership"]):
    def current(self, on: datetime.date | None = None) -> HubMembershipQuerySet:
        on = on or datetime.date.today()
        return self.filter(joined_on__lte=on).filter(Q(left_on__isnull=True) | Q(left_on__gt=on))


class HubMembership(models.Model):
    """An institution's membership of a hub. History is kept: leaving sets `left_on`."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="hub_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    objects = HubMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-joined_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"], condition=Q(left_on__isnull=True), name="one_open_hub_membership"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")), name="left_after_joined"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} in {self.hub} from {self.joined_on}"


class CoordinatorAssignment(models.Model):
    """An enterprise coordinator looking after an institution for a hub."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="coordinator_assignments")
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="coordinator_assignments")
    assigned_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["institution__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "institution"], condition=Q(ended_on__isnull=True), name="one_current_coordinator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.coordinator} for {self.institution}"
