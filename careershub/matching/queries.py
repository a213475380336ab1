"""Scoped reads of matching rounds and matches."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from careershub.hubs.queries import hubs_for
from careershub.matching.models import Delivery, Match, MatchRound, MatchStatus
from careershub.organisations.models import Membership, OrganisationKind


def rounds_for(membership: Membership) -> QuerySet[MatchRound]:
    """Rounds the membership may see: hub staff their hub's; the national team every round,
    national rounds across hubs included."""
    base = MatchRound.objects.select_related("hub", "hub__organisation")
    if membership.organisation.kind == OrganisationKind.NATIONAL:
        return base.all()
    return base.filter(hub__in=hubs_for(membership))


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
    hubs = hubs_for(membership)
    condition = Q(match__round__hub__in=hubs) | Q(match__round__hub__isnull=True, match__offer__employer__hub__in=hubs)
    if membership.organisation.kind == OrganisationKind.NATIONAL:
        condition = Q()  # every delivery, national rounds included
    return (
        Delivery.objects.filter(condition)
        .select_related("match__offer__employer", "match__request__institution", "match__round__hub")
        .prefetch_related("match__feedback")
    )
