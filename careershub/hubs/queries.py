"""Which hubs a membership may see. National memberships see every hub; a hub's own
members see their hub; nobody else sees hub pages (another hub is a 404)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from careershub.hubs.models import CoordinatorAssignment, Hub, HubMembership
from careershub.organisations.models import Membership, OrganisationKind, Role


def hubs_for(membership: Membership) -> QuerySet[Hub]:
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.NATIONAL:
        return Hub.objects.all()
    if organisation.kind == OrganisationKind.HUB:
        return Hub.objects.filter(organisation=organisation)
    return Hub.objects.none()


def can_manage_hub(membership: Membership, hub: Hub) -> bool:
    """Hub leads manage their own hub; national admins manage any hub."""
    if membership.role == Role.NATIONAL_ADMIN:
        return True
    return membership.role == Role.HUB_LEAD and membership.organisation_id == hub.organisation_id


def hub_members(hub: Hub) -> dict[str, list[HubMembership]]:
    """Current and former members, each current one annotated with its coordinator's name."""
    coordinator = CoordinatorAssignment.objects.filter(
        hub=hub, institution=OuterRef("institution_id"), ended_on__isnull=True
    ).values("coordinator__full_name")[:1]
    memberships = (
        hub.memberships.select_related("institution")
        .annotate(coordinator_name=Subquery(coordinator))
        .order_by("institution__name")
    )
    current = [m for m in memberships if m.left_on is None]
    former = sorted(
        (m for m in memberships if m.left_on is not None), key=lambda m: m.left_on or m.joined_on, reverse=True
    )
    return {"current": current, "former": former}
