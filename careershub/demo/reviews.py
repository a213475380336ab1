"""Demo peer review: in the Greater Manchester hub, one completed cycle (with agreement
statistics and a moderation sample) and one open cycle in which Rachel Bennett (Sale Grammar)
reviews her trio partners and Daniel Whitworth facilitates.

Everything goes through `careershub.reviews.services`. Running it again changes nothing: each
cycle is looked up by hub and name first. Which criteria the peers find "not evidenced" is
decided by a fixed hash, so every load gives the same statistics.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction

from careershub.accounts.models import User
from careershub.evaluations.models import Evaluation
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution
from careershub.reviews import maturity, services
from careershub.reviews.models import ConflictKind, Facilitator, Moderation, PeerReview, ReviewCycle

COMPLETED_NAME = "Autumn 2025 peer review"
OPEN_NAME = "Spring 2026 peer review"
FACILITATORS = ("daniel.whitworth@gmhub.example", "aisha.rahman@gmhub.example")
HUB_LEAD = "grace.okafor@gmhub.example"
NATIONAL_ADMIN = "helen.ashworth@national.example"
#: Sale Grammar (Rachel Bennett), Trafford College (Joanne Kelly), two Dean Trust schools (Sam Fletcher).
OPEN_URNS = (136498, 130519, 138123, 138124)
SAME_TRUST = (138123, 138124)

STRENGTHS = "Leaders give careers a clear place in the development plan; learners can name their next steps."

Add = Callable[..., Any]


def _over_claimed(urn: int, code: str) -> bool:
    digest = hashlib.sha256(f"{urn}:{code}".encode()).digest()
    return digest[0] % 6 == 0


def _deadlines(start: datetime.date, step: int) -> dict[str, datetime.date]:
    return {
        "internal_review_due": start + datetime.timedelta(days=step),
        "judgements_due": start + datetime.timedelta(days=2 * step),
        "answers_due": start + datetime.timedelta(days=3 * step),
        "outcomes_due": start + datetime.timedelta(days=4 * step),
    }


def _with_evaluations(hub: Hub) -> list[Institution]:
    members = HubMembership.objects.current().filter(hub=hub).values("institution")
    evaluated = Evaluation.objects.submitted().values("institution")
    return list(Institution.objects.filter(pk__in=members).filter(pk__in=evaluated).order_by("urn"))


def _start(cycle: ReviewCycle, hub_lead: User, facilitators: list[User]) -> None:
    services.trios_propose(cycle=cycle, actor=hub_lead, seconds=10)
    for index, trio in enumerate(cycle.trios.order_by("number")):
        services.facilitator_assign(trio=trio, user=facilitators[index % len(facilitators)], actor=hub_lead)
    services.cycle_start(cycle=cycle, actor=hub_lead)


def _reviewer_of(review: PeerReview, leaders: dict[int, User]) -> User | None:
    partners = review.participant.trio.members.exclude(pk=review.participant_id) if review.participant.trio else []
    return next((leaders[p.institution_id] for p in partners if p.institution_id in leaders), None)


def _leaders(institutions: list[Institution]) -> dict[int, User]:
    from careershub.organisations.models import Membership, Role

    result: dict[int, User] = {}
    for membership in (
        Membership.objects.active()
        .filter(role=Role.CAREERS_LEADER, organisation__institution__in=institutions)
        .select_related("user", "organisation__institution")
    ):
        result.setdefault(membership.organisation.institution.pk, membership.user)
    return result


def _internal_reviews(
    cycle: ReviewCycle, leaders: dict[int, User], fallback: User, only: list[int] | None = None
) -> None:
    model = maturity.model_for(cycle.starts_on)
    levels = [level.code for level in model.levels]
    for participant in cycle.participants.select_related("institution", "cycle"):
        urn = participant.institution.urn
        if only is not None and urn not in only:
            continue
        services.internal_review_save(
            participant=participant,
            levels={
                t.code: levels[hashlib.sha256(f"{urn}:{t.code}".encode()).digest()[0] % len(levels)]
                for t in model.themes
            },
            evidence={model.themes[0].code: "Careers strategy agreed by governors; reviewed each summer term."},
            taking_part=["careers_leader", "senior_leader", "governor"],
            submit=True,
            version=1,
            actor=leaders.get(participant.institution_id, fallback),
        )


def _completed_cycle(hub: Hub, hub_lead: User, facilitators: list[User], today: datetime.date, add: Add) -> None:
    if ReviewCycle.objects.filter(hub=hub, name=COMPLETED_NAME).exists():
        return
    chosen = _with_evaluations(hub)[:9]
    if len(chosen) < 6:
        return
    start = today - datetime.timedelta(days=150)
    cycle = services.cycle_create(
        hub=hub,
        name=COMPLETED_NAME,
        starts_on=start,
        deadlines=_deadlines(start, 14),
        institutions=chosen,
        actor=hub_lead,
    )
    _start(cycle, hub_lead, facilitators)
    leaders = _leaders(chosen)
    _internal_reviews(cycle, leaders, hub_lead)
    for review in PeerReview.objects.filter(participant__cycle=cycle).select_related(
        "participant__institution", "participant__trio__facilitator", "evaluation"
    ):
        if review.evaluation is None:
            continue
        claims = services.criteria_claims(review.evaluation)
        urn = review.institution.urn
        reviewer = _reviewer_of(review, leaders) or hub_lead
        services.judgements_save(
            review=review,
            judgements={
                code: ("not_evidenced", "We could not find evidence of this in the plan or the records shared.", 0)
                if claimed and _over_claimed(urn, code)
                else ("confirmed", "", 0)
                for code, (_, claimed) in claims.items()
            },
            actor=reviewer,
        )
        review.refresh_from_db()
        services.outcome_record(
            review=review,
            strengths=STRENGTHS,
            excellence="Alumni talks in every year group, organised with the local enterprise adviser.",
            actions=[
                services.ActionInput("Publish the provider access policy on the website", "Careers leader", today),
                services.ActionInput(
                    "Record every encounter with employers for each learner",
                    "Careers leader",
                    today + datetime.timedelta(60),
                ),
            ],
            version=review.version,
            actor=review.participant.trio.facilitator if review.participant.trio else hub_lead,
        )
    services.cycle_complete(cycle=cycle, actor=hub_lead)
    add("peer review cycles")


def _moderation(moderator: User | None, add: Add) -> None:
    """A national sample of three completed reviews, two of them moderated."""
    if moderator is None or Moderation.objects.exists():
        return
    try:
        drawn = services.moderation_draw(per_hub=3, actor=moderator, seed=2026)
    except services.ReviewError:
        return
    for moderation, value in zip(drawn, ("agree", "partly"), strict=False):
        services.moderation_record(
            moderation=moderation, value=value, comment="Judgements are consistent with the evidence.", actor=moderator
        )
    add("moderated reviews", len(drawn))


def _open_cycle(hub: Hub, hub_lead: User, facilitators: list[User], today: datetime.date, add: Add) -> None:
    if ReviewCycle.objects.filter(hub=hub, name=OPEN_NAME).exists():
        return
    available = _with_evaluations(hub)
    by_urn = {i.urn: i for i in available}
    chosen = [by_urn[urn] for urn in OPEN_URNS if urn in by_urn]
    chosen += [i for i in reversed(available) if i not in chosen][: max(0, 6 - len(chosen))]
    if len(chosen) < 3:
        return
    if all(urn in by_urn for urn in SAME_TRUST):
        services.conflict_declare(
            hub=hub,
            first=by_urn[SAME_TRUST[0]],
            second=by_urn[SAME_TRUST[1]],
            kind=ConflictKind.SAME_TRUST,
            note="Both schools are in The Dean Trust",
            actor=hub_lead,
        )
    start = today - datetime.timedelta(days=10)
    cycle = services.cycle_create(
        hub=hub, name=OPEN_NAME, starts_on=start, deadlines=_deadlines(start, 7), institutions=chosen, actor=hub_lead
    )
    _start(cycle, hub_lead, facilitators)
    # Two have done their internal review; the rest, Sale Grammar among them, are late.
    _internal_reviews(cycle, _leaders(chosen), hub_lead, only=[i.urn for i in chosen if i.urn not in OPEN_URNS][:2])
    add("peer review cycles")


def load_demo_reviews(hubs: dict[str, Hub], users: dict[str, User], today: datetime.date, add: Add) -> None:
    hub = hubs.get("gm")
    hub_lead = users.get(HUB_LEAD)
    facilitators = [users[email] for email in FACILITATORS if email in users]
    if hub is None or hub_lead is None or not facilitators:
        return
    with transaction.atomic():
        for person in facilitators:
            if not Facilitator.objects.filter(hub=hub, user=person).exists():
                services.facilitator_add(hub=hub, user=person, trained_on=datetime.date(2025, 6, 20), actor=hub_lead)
        _completed_cycle(hub, hub_lead, facilitators, today, add)
        _moderation(users.get(NATIONAL_ADMIN), add)
        _open_cycle(hub, hub_lead, facilitators, today, add)
