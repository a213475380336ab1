"""Matching rounds: building the instance from the database, solving it, reviewing matches,
and the employer's and school's replies. Every write is atomic and audited."""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.core.tasks import send_email
from careershub.employers.models import Offer, OfferStatus, RequestStatus, SchoolRequest
from careershub.employers.sic import sections
from careershub.evaluations.models import MeasurementResult
from careershub.geography.models import OpportunityArea
from careershub.hubs.models import Hub, HubMembership
from careershub.matching import solver, unmatched
from careershub.matching.models import (
    HubSectorPriorities,
    Match,
    MatchRound,
    MatchStatus,
    Response,
    RoundStatus,
    UnmatchedReason,
    UnmatchedRequest,
)
from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role
from careershub.programmes.models import term_of, term_window


class MatchingError(ValueError):
    """A matching change that cannot be made, with a message for the user."""


def _percent(values: list[Any], number: int) -> int | None:
    try:
        return int(values[number - 1])
    except (IndexError, TypeError, ValueError):
        return None


def hub_requests(hub: Hub, today: datetime.date) -> list[SchoolRequest]:
    members = HubMembership.objects.current(today).filter(hub=hub).values("institution")
    return list(
        SchoolRequest.objects.filter(
            institution__in=members, status=RequestStatus.OPEN, window_end__gte=today
        ).select_related("institution")
    )


def hub_offers(hub: Hub, today: datetime.date) -> list[Offer]:
    return list(
        Offer.objects.filter(employer__hub=hub, status=OfferStatus.PUBLISHED, available_to__gte=today).select_related(
            "employer"
        )
    )


def national_requests(today: datetime.date) -> list[SchoolRequest]:
    """Open requests of every institution currently in a hub (a national round)."""
    members = HubMembership.objects.current(today).values("institution")
    return list(
        SchoolRequest.objects.filter(
            institution__in=members, status=RequestStatus.OPEN, window_end__gte=today
        ).select_related("institution")
    )


def national_offers(today: datetime.date) -> list[Offer]:
    """Published offers of every employer in a hub (a national round)."""
    return list(
        Offer.objects.filter(
            employer__hub__isnull=False, status=OfferStatus.PUBLISHED, available_to__gte=today
        ).select_related("employer")
    )


def booked_sessions(
    offers: Iterable[Offer], *, except_round: MatchRound | None = None, except_request: SchoolRequest | None = None
) -> dict[int, int]:
    """The sessions of each offer that confirmed and pinned matches already hold (a request of L
    learners holds ceil(L / learners per session)), leaving out those of `except_round` (a round
    being solved counts its own) and of `except_request`. One query."""
    per_session = {o.pk: max(o.learners_per_session, 1) for o in offers}
    held = Match.objects.filter(offer__in=list(per_session), status__in=[MatchStatus.CONFIRMED, MatchStatus.PINNED])
    if except_round is not None:
        held = held.exclude(round=except_round)
    if except_request is not None:
        held = held.exclude(request=except_request)
    booked: dict[int, int] = {}
    for offer_id, learners in held.values_list("offer_id", "request__learners"):
        booked[offer_id] = booked.get(offer_id, 0) + -(-learners // per_session[offer_id])
    return booked


def cap_period(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The school term an employer's cap counts over (`programmes.models.term_window`: autumn to
    31 December, spring to 31 March, summer to 31 July); August, in no term, is a period of its own."""
    term = term_of(day)
    if term is None:
        return datetime.date(day.year, 8, 1), datetime.date(day.year, 8, 31)
    return term_window(day.year if day.month >= 9 else day.year - 1, term)


def requests_taken(
    employer_ids: Iterable[int],
    period: tuple[datetime.date, datetime.date],
    *,
    except_round: MatchRound | None = None,
    except_request: SchoolRequest | None = None,
) -> dict[int, int]:
    """How many requests each employer already has in `period`: its confirmed and pinned matches
    in rounds made in that term, but those of `except_round` (a round counts its own) and of
    `except_request`. One query."""
    taken = (
        Match.objects.filter(
            offer__employer_id__in=list(employer_ids),
            status__in=[MatchStatus.CONFIRMED, MatchStatus.PINNED],
            round__created_at__date__range=period,
        )
        .values_list("offer__employer_id")
        .annotate(count=Count("pk"))
    )
    if except_round is not None:
        taken = taken.exclude(round=except_round)
    if except_request is not None:
        taken = taken.exclude(request=except_request)
    return dict(taken)


def with_sessions_left(instance: solver.Instance, booked: dict[int, int]) -> solver.Instance:
    """The instance with each offer's sessions less those `booked` elsewhere."""
    if not booked:
        return instance
    return dataclasses.replace(
        instance,
        offers=tuple(
            dataclasses.replace(o, sessions=max(0, o.sessions - booked.get(o.key, 0))) for o in instance.offers
        ),
    )


def round_organisation(match_round: MatchRound) -> Organisation | None:
    """The organisation a round's changes are audited under: its hub, or the national team."""
    if match_round.hub is not None:
        return match_round.hub.organisation
    return Organisation.objects.filter(kind=OrganisationKind.NATIONAL).order_by("pk").first()


def hub_priority_sectors(hub: Hub) -> list[str]:
    priorities = HubSectorPriorities.objects.filter(hub=hub).first()
    return list(priorities.sectors) if priorities else []


def build_instance(
    *,
    hub: Hub | None,
    requests: list[SchoolRequest],
    offers: list[Offer],
    pinned: Iterable[tuple[int, int]] = (),
    excluded: Iterable[tuple[int, int]] = (),
) -> solver.Instance:
    """The solver's view of a hub's open requests and published offers, with each school's need.

    An in-person offer is where its saved location says: its site's when it has a site postcode
    (located when the offer was saved; a site that could not be located is refused then, never
    given the employer's location), else its employer's."""
    institution_ids = {r.institution_id for r in requests}
    results: dict[int, MeasurementResult] = {}
    for result in MeasurementResult.objects.filter(institution_id__in=institution_ids).order_by("point"):
        results[result.institution_id] = result  # the latest point wins
    oa_authorities = set(
        OpportunityArea.local_authorities.through.objects.values_list("localauthority_id", flat=True).distinct()
    )
    per_request_priorities: dict[int, frozenset[str]] = {}
    if hub is None:  # a national round: each request scores on its own hub's priority sectors
        today = datetime.date.today()
        hub_of = dict(
            HubMembership.objects.current(today)
            .filter(institution_id__in=institution_ids)
            .values_list("institution_id", "hub_id")
        )
        priorities = {p.hub_id: frozenset(p.sectors) for p in HubSectorPriorities.objects.all()}
        per_request_priorities = {r.pk: priorities.get(hub_of.get(r.institution_id, -1), frozenset()) for r in requests}
    request_specs = []
    for r in requests:
        institution = r.institution
        latest = results.get(institution.pk)
        request_specs.append(
            solver.RequestSpec(
                key=r.pk,
                kind=r.kind,
                year_group=r.year_group,
                learners=r.learners,
                window_start=r.window_start,
                window_end=r.window_end,
                delivery=r.delivery,
                max_travel_km=r.max_travel_km,
                sectors=frozenset(r.sectors),
                latitude=institution.latitude,
                longitude=institution.longitude,
                fsm_percent=float(institution.percent_fsm or 0),
                opportunity_area=institution.local_authority_id in oa_authorities,
                benchmark5_percent=_percent(latest.percentages, 5) if latest else None,
                benchmark6_percent=_percent(latest.percentages, 6) if latest else None,
                priority_sectors=per_request_priorities.get(r.pk) if hub is None else None,
            )
        )
    offer_specs = [
        solver.OfferSpec(
            key=o.pk,
            employer_key=o.employer_id,
            kind=o.kind,
            sessions=o.sessions,
            learners_per_session=o.learners_per_session,
            available_from=o.available_from,
            available_to=o.available_to,
            delivery=o.delivery,
            year_groups=frozenset(o.year_groups),
            sector=o.sector,
            latitude=o.latitude,
            longitude=o.longitude,
        )
        for o in offers
    ]
    return solver.Instance(
        requests=tuple(request_specs),
        offers=tuple(offer_specs),
        employer_caps={o.employer_id: o.employer.cap_per_term for o in offers},
        priority_sectors=frozenset(hub_priority_sectors(hub)) if hub is not None else frozenset(),
        pinned=frozenset(pinned),
        excluded=frozenset(excluded),
    )


@transaction.atomic
def round_create(*, hub: Hub | None, name: str, actor: Any = None) -> MatchRound:
    """A hub's round, or with `hub=None` a national round across every hub."""
    match_round = MatchRound.objects.create(
        hub=hub, name=name, created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    record(actor=actor, organisation=round_organisation(match_round), action=AuditAction.CREATE, instance=match_round)
    return match_round


BEING_SOLVED = "This round is already being solved. Wait for it to finish, then solve it again."


@transaction.atomic
def round_queue(*, match_round: MatchRound, actor: Any = None) -> MatchRound:
    """Ask for a round to be solved in the background (`tasks.solve_match_round`): a national
    round can take tens of seconds, longer than a web request should. Refused while it is
    already waiting or being solved, unless it has stalled (`MatchRound.stalled`: its task was
    lost), when it is queued again."""
    try:
        # NOWAIT: a solve under way holds the round's row for as long as it runs. In a savepoint,
        # so that the refusal leaves the surrounding transaction usable.
        with transaction.atomic():
            locked = (
                MatchRound.objects.select_for_update(of=("self",), nowait=True)
                .select_related("hub")
                .get(pk=match_round.pk)
            )
    except DatabaseError as exc:
        raise MatchingError(BEING_SOLVED) from exc
    if locked.in_progress and not locked.stalled:
        raise MatchingError(BEING_SOLVED)
    before = snapshot(locked, ["status"])
    locked.status = RoundStatus.QUEUED
    locked.message = ""
    locked.queued_at = timezone.now()
    locked.save(update_fields=["status", "message", "queued_at"])
    record(
        actor=actor,
        organisation=round_organisation(locked),
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["status"]),
        label=f"{locked}: solving requested",
    )
    from careershub.matching.tasks import solve_match_round

    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(lambda: solve_match_round.enqueue(locked.pk, actor_id))
    return locked


def round_solve_queued(*, round_id: int, actor: Any = None) -> MatchRound:
    """The background half of `round_queue`: mark the round as being solved (so its page says
    so), solve it, and if the solver fails say so on the round instead of leaving it waiting."""
    with transaction.atomic():
        locked = MatchRound.objects.select_for_update(of=("self",)).get(pk=round_id)
        if locked.status != RoundStatus.QUEUED:
            return locked  # solved or changed meanwhile: nothing to do
        locked.status = RoundStatus.SOLVING
        locked.save(update_fields=["status"])
    try:
        return round_solve(match_round=locked, actor=actor)
    except Exception:
        MatchRound.objects.filter(pk=round_id).update(
            status=RoundStatus.FAILED,
            message="Solving failed with an error. Nothing was changed: try again, or contact support.",
        )
        raise


@transaction.atomic
def round_solve(*, match_round: MatchRound, today: datetime.date | None = None, actor: Any = None) -> MatchRound:
    """Solve (or re-solve) a round exactly. Confirmed and pinned matches are kept and forced in;
    removed and declined pairs are kept out; every other proposal is replaced."""
    today = today or datetime.date.today()
    locked = (
        MatchRound.objects.select_for_update(of=("self",))
        .select_related("hub", "hub__organisation")
        .get(pk=match_round.pk)
    )
    hub = locked.hub
    existing = list(locked.matches.all())
    kept = [m for m in existing if m.status in (MatchStatus.PINNED, MatchStatus.CONFIRMED)]
    excluded = {(m.request_id, m.offer_id) for m in existing if m.status == MatchStatus.REMOVED}
    requests = hub_requests(hub, today) if hub is not None else national_requests(today)
    request_ids = {r.pk for r in requests}
    # Requests served by a live match in another round (of the hub, or national) are not offered again.
    elsewhere = set(
        Match.objects.filter(request_id__in=request_ids, status__in=[MatchStatus.CONFIRMED, MatchStatus.PINNED])
        .exclude(round=locked)
        .values_list("request_id", flat=True)
    )
    requests = [r for r in requests if r.pk not in elsewhere]
    offers = hub_offers(hub, today) if hub is not None else national_offers(today)
    extra_requests = [m.request for m in kept if m.request_id not in request_ids]
    offer_ids = {o.pk for o in offers}
    extra_offers = [m.offer for m in kept if m.offer_id not in offer_ids]
    all_offers = offers + list({o.pk: o for o in extra_offers}.values())
    instance = build_instance(
        hub=hub,
        requests=requests + list({r.pk: r for r in extra_requests}.values()),
        offers=all_offers,
        pinned={(m.request_id, m.offer_id) for m in kept},
        excluded=excluded,
    )
    # Sessions that other rounds' confirmed and pinned matches hold are not offered again, and an
    # employer's cap counts the requests those give it in the same term.
    instance = with_sessions_left(instance, booked_sessions(all_offers, except_round=locked))
    taken = requests_taken(
        instance.employer_caps, cap_period(timezone.localdate(locked.created_at)), except_round=locked
    )
    instance = dataclasses.replace(
        instance,
        employer_caps={key: max(0, cap - taken.get(key, 0)) for key, cap in instance.employer_caps.items()},
    )
    started = time.perf_counter()
    result = solver.solve(instance, time_limit_s=settings.MATCHING_TIME_LIMIT_S)
    before = snapshot(locked, ["status", "objective"])
    locked.solve_ms = round((time.perf_counter() - started) * 1000)
    locked.request_count = len(instance.requests)
    locked.offer_count = len(instance.offers)
    locked.solved_at = timezone.now()
    locked.message = result.message
    locked.objective = result.objective
    locked.matches.filter(status=MatchStatus.PROPOSED).delete()
    locked.unmatched.all().delete()
    if result.status == "optimal" or (result.status == "timeout" and result.matches):
        locked.status = RoundStatus.SOLVED if result.status == "optimal" else RoundStatus.TIMEOUT
        kept_pairs = {(m.request_id, m.offer_id): m for m in kept}
        proposals = []
        for (request_id, offer_id), terms in result.terms.items():
            match = kept_pairs.get((request_id, offer_id))
            if match is not None:
                match.score, match.terms = terms.total, terms.as_dict()
                match.save(update_fields=["score", "terms"])
                continue
            proposals.append(
                Match(round=locked, request_id=request_id, offer_id=offer_id, score=terms.total, terms=terms.as_dict())
            )
        Match.objects.bulk_create(proposals, batch_size=1000)
    else:
        # A time-out with no allocation to offer is a failure to solve, said in the message.
        locked.status = {"empty": RoundStatus.EMPTY, "timeout": RoundStatus.FAILED}.get(
            result.status, RoundStatus.INFEASIBLE
        )
    if locked.status in (RoundStatus.SOLVED, RoundStatus.TIMEOUT, RoundStatus.EMPTY):
        _record_unmatched(locked, instance, result.matches, requests + extra_requests)
    locked.save()
    record(
        actor=actor,
        organisation=round_organisation(locked),
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["status", "objective"]),
        label=f"{locked} solved: {locked.get_status_display()}",
    )
    return locked


def _record_unmatched(
    match_round: MatchRound, instance: solver.Instance, matches: dict[int, int], requests: list[SchoolRequest]
) -> None:
    """Each request the allocation leaves out, with why (`matching.unmatched`)."""
    by_key = {r.pk: r for r in requests}
    UnmatchedRequest.objects.bulk_create(
        [_unmatched_row(why, by_key[key], match_round) for key, why in unmatched.unmatched(instance, matches).items()],
        batch_size=1000,
    )


def _unmatched_row(
    why: unmatched.Unmatched, school_request: SchoolRequest, match_round: MatchRound | None = None
) -> UnmatchedRequest:
    """`why` as a row (unsaved), with the request's version and travel limit as they are now."""
    return UnmatchedRequest(
        round=match_round,
        request=school_request,
        request_version=school_request.version,
        reason=why.reason,
        offers=why.offers,
        full=why.full,
        capped=why.capped,
        nearest_km=why.nearest_km,
        travel_limit_km=school_request.max_travel_km if why.reason == UnmatchedReason.TOO_FAR else None,
    )


def _set_status(match: Match, status: MatchStatus, actor: Any) -> Match:
    before = snapshot(match, ["status"])
    match.status = status
    match.save(update_fields=["status"])
    record(
        actor=actor,
        organisation=round_organisation(match.round),
        action=AuditAction.UPDATE,
        instance=match,
        before=before,
        after=snapshot(match, ["status"]),
    )
    return match


def _emails(organisation: Organisation | None, roles: Iterable[Role]) -> list[str]:
    if organisation is None:
        return []
    return sorted(
        Membership.objects.active()
        .filter(organisation=organisation, role__in=list(roles))
        .values_list("user__email", flat=True)
    )


def _describe(match: Match) -> str:
    offer, request = match.offer, match.request
    site = f"\nIt takes place at the employer's site at {offer.site_postcode}." if offer.site_postcode else ""
    return (
        f"{offer.title} ({offer.get_kind_display()}) from {offer.employer.name}\n"
        f"for {request.learners} learners in {request.get_year_group_display()} at {request.institution.name}, "
        f"between {max(offer.available_from, request.window_start):%d %B %Y} "
        f"and {min(offer.available_to, request.window_end):%d %B %Y}.{site}"
    )


@transaction.atomic
def match_review(*, match: Match, action: str, actor: Any = None) -> Match:
    """Hub staff pin, unpin, remove or confirm a match. Confirming emails both sides."""
    locked = (
        Match.objects.select_for_update(of=("self",))
        .select_related(
            "round__hub__organisation", "offer__employer__organisation", "request__institution__organisation"
        )
        .get(pk=match.pk)
    )
    allowed = {
        "pin": ({MatchStatus.PROPOSED}, MatchStatus.PINNED),
        "unpin": ({MatchStatus.PINNED}, MatchStatus.PROPOSED),
        "remove": ({MatchStatus.PROPOSED, MatchStatus.PINNED}, MatchStatus.REMOVED),
        "confirm": ({MatchStatus.PROPOSED, MatchStatus.PINNED}, MatchStatus.CONFIRMED),
    }
    if action not in allowed:
        raise MatchingError("Choose pin, unpin, remove or confirm.")
    if locked.round.in_progress:
        raise MatchingError("This round is being solved. Review its matches when it has finished.")
    sources, target = allowed[action]
    if locked.status not in sources:
        raise MatchingError(f"This match is {locked.get_status_display().lower()}, so it cannot be changed that way.")
    _set_status(locked, target, actor)
    if target == MatchStatus.CONFIRMED:
        body = (
            f"{locked.round.hub.name if locked.round.hub else 'The national Careers Hub team'} has matched:\n\n"
            f"{_describe(locked)}\n\n"
            "Sign in to the Careers Hub service to accept or decline."
        )
        send_email.enqueue(
            subject="An employer encounter has been matched: please accept or decline",
            body=body,
            recipient_list=_emails(locked.offer.employer.organisation, [Role.EMPLOYER_CONTACT])
            + _emails(locked.request.institution.organisation, [Role.CAREERS_LEADER]),
        )
    return locked


@transaction.atomic
def match_respond(*, match: Match, side: str, accept: bool, actor: Any = None) -> Match:
    """The employer ('employer') or the school ('school') accepts or declines a confirmed match.
    A decline removes the match, so the next re-solve can offer the request something else."""
    locked = (
        Match.objects.select_for_update(of=("self",))
        .select_related("round__hub__organisation", "offer__employer", "request__institution")
        .get(pk=match.pk)
    )
    if locked.status != MatchStatus.CONFIRMED:
        raise MatchingError("Only a confirmed match can be accepted or declined.")
    field = {"employer": "employer_response", "school": "school_response"}.get(side)
    if field is None:
        raise MatchingError("Unknown side.")
    if getattr(locked, field) != Response.PENDING:
        raise MatchingError("You have already replied to this match.")
    before = snapshot(locked, ["status", field])
    setattr(locked, field, Response.ACCEPTED if accept else Response.DECLINED)
    if not accept:
        locked.status = MatchStatus.REMOVED
    locked.save(update_fields=["status", field])
    record(
        actor=actor,
        organisation=round_organisation(locked.round),
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["status", field]),
    )
    who = locked.offer.employer.name if side == "employer" else locked.request.institution.name
    verb = "accepted" if accept else "declined"
    send_email.enqueue(
        subject=f"{who} has {verb} an employer encounter",
        body=f"{who} has {verb}:\n\n{_describe(locked)}",
        recipient_list=_emails(
            round_organisation(locked.round), [Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN]
        ),
    )
    return locked


@transaction.atomic
def priorities_set(*, hub: Hub, sectors: Iterable[str], actor: Any = None) -> HubSectorPriorities:
    known = sections()
    chosen = sorted({s for s in sectors})
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise MatchingError(f"Unknown SIC 2007 sections: {', '.join(unknown)}")
    priorities, _ = HubSectorPriorities.objects.select_for_update().get_or_create(hub=hub)
    before = snapshot(priorities, ["sectors"])
    priorities.sectors = chosen
    priorities.save()
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.UPDATE,
        instance=priorities,
        before=before,
        after=snapshot(priorities, ["sectors"]),
    )
    return priorities


@dataclass(frozen=True)
class Outlook:
    """What a request could be matched with now: how many of its hub's published offers could
    take it (`offers`); how many more suit it but belong to employers already at their cap this
    term (`capped`); with neither, why (`why`, an unsaved `UnmatchedRequest`)."""

    hub: Hub
    offers: int
    capped: int = 0
    why: UnmatchedRequest | None = None


def request_outlook(school_request: SchoolRequest, today: datetime.date) -> Outlook | None:
    """Test an open request now against its hub's published offers as a round would: the
    sessions confirmed and pinned matches hold taken off, and an offer whose employer already has
    as many requests this term as its cap set apart. None when its school is in no hub."""
    membership = (
        HubMembership.objects.current(today)
        .filter(institution_id=school_request.institution_id)
        .select_related("hub")
        .first()
    )
    if membership is None:
        return None
    offers = hub_offers(membership.hub, today)
    instance = build_instance(hub=membership.hub, requests=[school_request], offers=offers)
    instance = with_sessions_left(instance, booked_sessions(offers, except_request=school_request))
    found = solver.candidates(instance)
    if len(found):
        taken = requests_taken(instance.employer_caps, cap_period(today), except_request=school_request)
        at_cap = {key for key, cap in instance.employer_caps.items() if taken.get(key, 0) >= cap}
        capped = sum(1 for o in found.offer.tolist() if instance.offers[o].employer_key in at_cap)
        return Outlook(membership.hub, len(found) - capped, capped)
    why = unmatched.unmatched(instance, {})[school_request.pk]
    return Outlook(membership.hub, 0, why=_unmatched_row(why, school_request))
