"""Organisations (the tenants) and the memberships that give users a role in one.

Every page a user sees is seen as one membership: the *current* membership, chosen when the
user has several. Organisation-owned data is always reached through that membership's
organisation; see `docs/architecture.md`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class OrganisationKind(models.TextChoices):
    NATIONAL = "national", "National team"
    HUB = "hub", "Careers Hub"
    INSTITUTION = "institution", "School or college"
    EMPLOYER = "employer", "Employer"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", "National admin"
    NATIONAL_ANALYST = "national_analyst", "National analyst"
    HUB_LEAD = "hub_lead", "Hub lead"
    ENTERPRISE_COORDINATOR = "enterprise_coordinator", "Enterprise coordinator"
    CAREERS_LEADER = "careers_leader", "Careers leader"
    SENIOR_LEADER = "senior_leader", "Senior leader (read only)"
    EMPLOYER_CONTACT = "employer_contact", "Employer contact or enterprise adviser"
    PARTICIPATION_OFFICER = "participation_officer", "Participation officer (local authority)"


#: The organisation kind each role belongs to.
ROLE_KIND: dict[str, str] = {
    Role.NATIONAL_ADMIN: OrganisationKind.NATIONAL,
    Role.NATIONAL_ANALYST: OrganisationKind.NATIONAL,
    Role.HUB_LEAD: OrganisationKind.HUB,
    Role.ENTERPRISE_COORDINATOR: OrganisationKind.HUB,
    Role.CAREERS_LEADER: OrganisationKind.INSTITUTION,
    Role.SENIOR_LEADER: OrganisationKind.INSTITUTION,
    Role.EMPLOYER_CONTACT: OrganisationKind.EMPLOYER,
    Role.PARTICIPATION_OFFICER: OrganisationKind.LOCAL_AUTHORITY,
}

#: Roles that lead their organisation: they manage it and read its audit trail.
LEAD_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.HUB_LEAD, Role.CAREERS_LEADER})
#: Roles that only read.
READ_ONLY_ROLES = frozenset({Role.NATIONAL_ANALYST, Role.SENIOR_LEADER})


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    #: For a local-authority organisation: the area it tracks participation for. Its users see
    #: the area's institutions in aggregate and its own area's learner destinations, never another's.
    local_authority = models.ForeignKey(
        "geography.LocalAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_national(self) -> bool:
        return self.kind == OrganisationKind.NATIONAL


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)

    def of(self, user: Any) -> MembershipQuerySet:
        """The memberships of a user (none for an anonymous user)."""
        return self.filter(user_id=getattr(user, "pk", None) or 0)

    def with_organisation(self) -> MembershipQuerySet:
        return self.select_related("organisation")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_active_membership_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    @property
    def is_lead(self) -> bool:
        return self.role in LEAD_ROLES

    @property
    def can_write(self) -> bool:
        return self.role not in READ_ONLY_ROLES

    @property
    def is_national(self) -> bool:
        return self.organisation.kind == OrganisationKind.NATIONAL
