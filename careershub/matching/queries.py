"""Scoped reads of matching rounds and matches."""

from __future__ import annotations

from django.db.models import QuerySet

from careershub.hubs.queries import hubs_for
from careershub.matching.models import Delivery, Match, MatchRound, MatchStatus
from careershub.organisations.models import Membership, OrganisationKind


def rounds_for(membership: Membership) -> QuerySet[MatchRound]:
    """Rounds of the hubs the membership may see (hub staff: their hub; national: all)."""
    return MatchRound.objects.filter(hub__in=hubs_for(membership)).select_related("hub", "hub__organisation")


def matches_to_answer(membership: Membership) -> QuerySet[Match]:
    """Confirmed matches an employer or a school replies to (their own side only)."""
    base = (
        Match.objects.filter(status=MatchStatus.CONFIRMED)
        .select_related("offer", "offer__employer", "request", "request__institution", "round", "delivery")
        .prefetch_related("feedback")
    )
    kind = membership.organisation.kind
    if kind == OrganisationKind.EMPLOYER:
        return base.filter(offer__employer__organisation=membership.organisation)
    if kind == OrganisationKind.INSTITUTION:
        return base.filter(request__institution__organisation=membership.organisation)
    return base.none()


def deliveries_for(membership: Membership) -> QuerySet[Delivery]:
    """Delivered encounters of the hubs the membership may see, with their feedback loaded."""
    return (
        Delivery.objects.filter(match__round__hub__in=hubs_for(membership))
        .select_related("match__offer__employer", "match__request__institution", "match__round__hub")
        .prefetch_related("match__feedback")
    )
