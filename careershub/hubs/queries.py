"""Which hubs a membership may see. National memberships see every hub; a hub's own
members see their hub; nobody else sees hub pages (another hub is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from careershub.hubs.models import Hub
from careershub.organisations.models import Membership, OrganisationKind


def hubs_for(membership: Membership) -> QuerySet[Hub]:
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.NATIONAL:
        return Hub.objects.all()
    if organisation.kind == OrganisationKind.HUB:
        return Hub.objects.filter(organisation=organisation)
    return Hub.objects.none()
