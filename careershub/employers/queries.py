"""Scoped reads of employers, offers and school requests.

- An employer contact sees its own employer and that employer's offers only.
- A school or college sees its own requests only (and no offers list beyond what it is matched to).
- Hub staff see the employers linked to their hub, their offers, and their member schools' requests.
- The national team sees everything.
Anything else is an empty queryset, so another organisation's record is a 404.
"""

from __future__ import annotations

from django.db.models import QuerySet

from careershub.employers.models import Employer, Offer, SchoolRequest
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind, Role


def employer_of(membership: Membership) -> Employer | None:
    """The employer an employer contact manages (None when the profile is not set up yet)."""
    if membership.organisation.kind != OrganisationKind.EMPLOYER:
        return None
    return Employer.objects.filter(organisation=membership.organisation).first()


def employers_for(membership: Membership) -> QuerySet[Employer]:
    kind = membership.organisation.kind
    if kind == OrganisationKind.NATIONAL:
        return Employer.objects.all()
    if kind == OrganisationKind.HUB:
        return Employer.objects.filter(hub__organisation=membership.organisation)
    if kind == OrganisationKind.EMPLOYER:
        return Employer.objects.filter(organisation=membership.organisation)
    return Employer.objects.none()


def offers_for(membership: Membership) -> QuerySet[Offer]:
    return Offer.objects.filter(employer__in=employers_for(membership)).select_related("employer")


def requests_for(membership: Membership) -> QuerySet[SchoolRequest]:
    kind = membership.organisation.kind
    base = SchoolRequest.objects.select_related("institution")
    if kind == OrganisationKind.NATIONAL:
        return base.all()
    if kind == OrganisationKind.HUB:
        members = HubMembership.objects.current().filter(hub__organisation=membership.organisation)
        return base.filter(institution__in=members.values("institution"))
    if kind == OrganisationKind.INSTITUTION:
        return base.filter(institution__organisation=membership.organisation)
    return base.none()


def can_manage_offers(membership: Membership) -> bool:
    return membership.role == Role.EMPLOYER_CONTACT


def can_make_requests(membership: Membership) -> bool:
    return membership.role == Role.CAREERS_LEADER


def institutions_of_hub(hub: Hub) -> QuerySet[Institution]:
    """The hub's current member institutions (for linking an Enterprise Adviser)."""
    members = HubMembership.objects.current().filter(hub=hub).values("institution")
    return Institution.objects.filter(pk__in=members).order_by("name")
