"""What the home page shows, by the current membership's organisation kind."""

from __future__ import annotations

from typing import Any

from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution, InstitutionKind
from careershub.organisations.models import Membership, OrganisationKind


def home_context(membership: Membership) -> dict[str, Any]:
    organisation = membership.organisation
    context: dict[str, Any] = {"page_title": "Home", "membership": membership, "organisation": organisation}
    if organisation.kind == OrganisationKind.NATIONAL:
        in_scope = Institution.objects.open().exclude(kind=InstitutionKind.OTHER)
        in_hub = HubMembership.objects.current().values("institution_id")
        context["national"] = {
            "institutions": in_scope.count(),
            "in_a_hub": in_scope.filter(pk__in=in_hub).count(),
            "hubs": Hub.objects.count(),
        }
    elif organisation.kind == OrganisationKind.HUB:
        hub = Hub.objects.filter(organisation=organisation).first()
        context["hub"] = hub
        if hub is not None:
            context["hub_members"] = hub.memberships.current().count()
    elif organisation.kind == OrganisationKind.INSTITUTION:
        institution = Institution.objects.filter(organisation=organisation).first()
        context["institution"] = institution
        if institution is not None:
            current = institution.hub_memberships.current().select_related("hub").first()
            context["current_hub"] = current.hub if current else None
            context["latest_evaluation"] = institution.evaluations.submitted().select_related("framework").first()
            context["draft_evaluation"] = institution.evaluations.drafts().first()
    elif organisation.kind == OrganisationKind.LOCAL_AUTHORITY:
        context["local_authority"] = organisation.local_authority
        if organisation.local_authority_id is not None:
            context["area_institutions"] = (
                Institution.objects.open()
                .exclude(kind=InstitutionKind.OTHER)
                .filter(local_authority_id=organisation.local_authority_id)
                .count()
            )
    return context
