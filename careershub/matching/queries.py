"""Scoped reads of matching rounds and matches."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from careershub.employers.models import Offer, OfferStatus, RequestStatus, SchoolRequest
from careershub.employers.queries import requests_for
from careershub.hubs.models import Hub, HubMembership
from careershub.hubs.queries import hubs_for
from careershub.matching.models import (
    Delivery,
    Match,
    MatchRound,
    MatchStatus,
    Response,
    UnmatchedReason,
    UnmatchedRequest,
)
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


def with_confirmed_matches(requests: QuerySet[SchoolRequest]) -> QuerySet[SchoolRequest]:
    """The requests (already scoped) with what `request_state` reads loaded, in three queries for
    all of them: their confirmed matches, newest first (`confirmed_matches`); their other live
    matches, with rounds (`live_matches`); and why rounds left them unmatched, latest round first
    (`unmatched_records`)."""
    confirmed = (
        Match.objects.filter(status=MatchStatus.CONFIRMED).select_related("offer__employer", "delivery").order_by("-pk")
    )
    live = Match.objects.filter(status__in=[MatchStatus.PROPOSED, MatchStatus.PINNED]).select_related("round")
    records = UnmatchedRequest.objects.select_related("round").order_by("-round__solved_at", "-pk")
    return requests.prefetch_related(
        Prefetch("matches", queryset=confirmed, to_attr="confirmed_matches"),
        Prefetch("matches", queryset=live, to_attr="live_matches"),
        Prefetch("unmatched", queryset=records, to_attr="unmatched_records"),
    )


def latest_unmatched(school_request: SchoolRequest) -> UnmatchedRequest | None:
    """Why the latest round to consider the request left it unmatched (`with_confirmed_matches`),
    unless the request has changed since or a round solved since proposed a match for it."""
    records = getattr(school_request, "unmatched_records", None)
    if not records:
        return None
    latest = records[0]
    latest.request = school_request
    solved = latest.round.solved_at
    if not latest.still_applies or solved is None:
        return None
    for match in getattr(school_request, "live_matches", ()):
        if match.round.solved_at is not None and match.round.solved_at >= solved:
            return None
    return latest


def request_state(school_request: SchoolRequest, today: datetime.date) -> str:
    """Where a request stands, in words, from its confirmed match (`with_confirmed_matches`): what
    a school and its hub see in the list of requests. Proposals not yet confirmed by the hub are
    not shown: to the school the request is still waiting to be matched, with why the latest
    round could not match it when one could not (`latest_unmatched`)."""
    if school_request.status == RequestStatus.WITHDRAWN:
        return "Withdrawn"
    confirmed = getattr(school_request, "confirmed_matches", None)
    if confirmed:
        match = confirmed[0]
        employer = match.offer.employer.name
        delivery = getattr(match, "delivery", None)
        if delivery is not None:
            return f"Took place on {delivery.delivered_on:%-d %B %Y} with {employer}"
        if match.school_response == Response.PENDING:
            return f"Matched with {employer}: waiting for the school's reply"
        if match.employer_response == Response.PENDING:
            return f"Matched with {employer}: waiting for the employer's reply"
        return f"Arranged with {employer}"
    if school_request.window_end < today:
        return "Not matched: its window has passed"
    why = latest_unmatched(school_request)
    if why is not None:
        solved = timezone.localdate(why.round.solved_at)  # type: ignore[arg-type]
        return f"Waiting to be matched. Not matched in the round of {solved:%-d %B %Y}. {why.explanation()}"
    return "Waiting to be matched"


def with_bookings(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """The offers (already scoped) with their confirmed matches' requests loaded, as
    `confirmed_matches`: one query for all of them (`offer_state`)."""
    confirmed = Match.objects.filter(status=MatchStatus.CONFIRMED).select_related("request").order_by("pk")
    return offers.prefetch_related(Prefetch("matches", queryset=confirmed, to_attr="confirmed_matches"))


def offer_state(offer: Offer) -> str:
    """How much of an offer is booked, in words: the sessions its confirmed matches use (a request
    of L learners uses ceil(L / learners per session), as the solver counts them), or withdrawn."""
    if offer.status == OfferStatus.WITHDRAWN:
        return "Withdrawn"
    per_session = max(offer.learners_per_session, 1)
    booked = sum(-(-match.request.learners // per_session) for match in getattr(offer, "confirmed_matches", ()))
    return f"{booked} of {offer.sessions} {'session' if offer.sessions == 1 else 'sessions'} booked"


def requests_without_match(membership: Membership, today: datetime.date, hub: Hub | None = None) -> dict[str, int]:
    """Of the open requests the membership may see whose window has not passed (of `hub`'s current
    members only, when given): how many have no live match (proposed, pinned or confirmed) in any
    round (`count`), and how many of those lost a confirmed match to a decline in a round it may
    see (`declined`). One query."""
    live = Match.objects.filter(status__in=[MatchStatus.PROPOSED, MatchStatus.PINNED, MatchStatus.CONFIRMED])
    declined = Match.objects.filter(round__in=rounds_for(membership), status=MatchStatus.REMOVED).filter(
        Q(employer_response=Response.DECLINED) | Q(school_response=Response.DECLINED)
    )
    requests = requests_for(membership)
    if hub is not None:
        requests = requests.filter(
            institution__in=HubMembership.objects.current(today).filter(hub=hub).values("institution")
        )
    counts = (
        requests.filter(status=RequestStatus.OPEN, window_end__gte=today)
        .exclude(pk__in=live.values("request"))
        .aggregate(count=Count("pk"), declined=Count("pk", filter=Q(pk__in=declined.values("request"))))
    )
    return {key: int(value) for key, value in counts.items()}


def match_counts_by_status(match_round: MatchRound) -> dict[str, int]:
    """How many of the round's matches are in each status (one query)."""
    return dict(match_round.matches.order_by().values_list("status").annotate(count=Count("pk")))


def unmatched_by_reason(match_round: MatchRound) -> list[tuple[UnmatchedReason, int]]:
    """How many requests the round left without a match, for each reason, in the order the
    reasons are defined (one query)."""
    counts = dict(match_round.unmatched.order_by().values_list("reason").annotate(count=Count("pk")))
    return [(reason, counts[reason.value]) for reason in UnmatchedReason if counts.get(reason.value)]


def with_round_counts(rounds: QuerySet[MatchRound]) -> QuerySet[MatchRound]:
    """The rounds with how many of their requests are matched (`matched_count`: proposed, pinned
    or confirmed), how many confirmed (`confirmed_count`) and how many left unmatched
    (`unmatched_count`), each counted in a subquery (no join of matches with unmatched rows)."""

    def count(queryset: QuerySet[Any]) -> Subquery:
        return Subquery(
            queryset.filter(round=OuterRef("pk")).order_by().values("round").annotate(n=Count("pk")).values("n")
        )

    live = [MatchStatus.PROPOSED, MatchStatus.PINNED, MatchStatus.CONFIRMED]
    return rounds.annotate(
        matched_count=Coalesce(count(Match.objects.filter(status__in=live)), 0),
        confirmed_count=Coalesce(count(Match.objects.filter(status=MatchStatus.CONFIRMED)), 0),
        unmatched_count=Coalesce(count(UnmatchedRequest.objects.all()), 0),
    )


def not_matched_last_round(requests: QuerySet[SchoolRequest], today: datetime.date) -> list[SchoolRequest]:
    """Of the requests (already scoped), the open ones whose window has not passed, with no
    confirmed match, that the latest round to consider them could not match: those
    `request_state` gives a reason for (four queries)."""
    found = with_confirmed_matches(requests.filter(status=RequestStatus.OPEN, window_end__gte=today))
    return [r for r in found if not r.confirmed_matches and latest_unmatched(r) is not None]  # type: ignore[attr-defined]
