"""Who may see which review cycles and reviews. Views reach them only through these functions.

- A hub's lead sees every cycle and review of the hub; its other members (enterprise
  coordinators) see the cycles, and the reviews of the trios they facilitate.
- An institution's members see the running and completed cycles it takes part in, its own
  review, its trio partners' reviews while the cycle runs (afterwards only those shared with the
  trio), and the reviews of any trio the person facilitates.
- The national team sees completed cycles and their reviews (agreement statistics, moderation).
- Evidence is open only to the trio, its facilitator and the hub lead, and only while the cycle runs.
- Anyone else sees none: another organisation's cycle or review is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from careershub.evaluations.models import Evaluation, EvaluationStatus
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind, Role
from careershub.reviews.agreement import Item
from careershub.reviews.models import (
    CycleStatus,
    DeclaredConflict,
    Facilitator,
    InternalReview,
    Judgement,
    JudgementValue,
    Moderation,
    Participant,
    PeerReview,
    ReviewAction,
    ReviewCycle,
    ReviewStatus,
)


def _own_institution_id(membership: Membership) -> int | None:
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return None
    return Institution.objects.filter(organisation=membership.organisation).values_list("pk", flat=True).first()


def cycles_for(membership: Membership) -> QuerySet[ReviewCycle]:
    cycles = ReviewCycle.objects.select_related("hub")
    kind = membership.organisation.kind
    if kind == OrganisationKind.HUB:
        return cycles.filter(hub__organisation=membership.organisation)
    if kind == OrganisationKind.NATIONAL:
        return cycles.filter(status=CycleStatus.COMPLETED)
    if kind == OrganisationKind.INSTITUTION:
        return cycles.filter(
            participants__institution__organisation=membership.organisation,
            status__in=[CycleStatus.RUNNING, CycleStatus.COMPLETED],
        ).distinct()
    return cycles.none()


def managed_cycles(membership: Membership) -> QuerySet[ReviewCycle]:
    """Cycles this membership may change: a hub lead's own hub's."""
    if membership.role != Role.HUB_LEAD:
        return ReviewCycle.objects.none()
    return ReviewCycle.objects.select_related("hub").filter(hub__organisation=membership.organisation)


def managed_hub(membership: Membership) -> Hub | None:
    if membership.role != Role.HUB_LEAD:
        return None
    return Hub.objects.filter(organisation=membership.organisation).first()


def reviews_for(membership: Membership, user: Any) -> QuerySet[PeerReview]:
    reviews = PeerReview.objects.select_related(
        "participant__institution", "participant__cycle__hub", "participant__trio__facilitator", "evaluation"
    )
    kind = membership.organisation.kind
    facilitated = Q(participant__trio__facilitator=user, participant__cycle__status__in=[CycleStatus.RUNNING])
    if kind == OrganisationKind.HUB:
        if membership.role == Role.HUB_LEAD:
            return reviews.filter(participant__cycle__hub__organisation=membership.organisation)
        return reviews.filter(facilitated, participant__cycle__hub__organisation=membership.organisation)
    if kind == OrganisationKind.NATIONAL:
        return reviews.filter(participant__cycle__status=CycleStatus.COMPLETED)
    if kind == OrganisationKind.INSTITUTION:
        institution_id = _own_institution_id(membership)
        if institution_id is None:
            return reviews.none()
        visible = ~Q(participant__cycle__status=CycleStatus.SETUP)
        own = Q(participant__institution_id=institution_id)
        trios = Participant.objects.filter(institution_id=institution_id, trio__isnull=False).values("trio")
        partner = Q(participant__trio__in=trios) & (
            Q(participant__cycle__status=CycleStatus.RUNNING) | Q(share_with_trio=True)
        )
        return reviews.filter(visible & (own | partner | facilitated)).distinct()
    return reviews.none()


def review_roles(membership: Membership, user: Any, review: PeerReview) -> set[str]:
    """What this person may do on a review they can see: 'owner' (its careers leader), 'reviewer'
    (a trio partner's careers leader), 'facilitator', 'hub_lead', and 'evidence' (may open evidence)."""
    roles: set[str] = set()
    participant = review.participant
    running = participant.cycle.status == CycleStatus.RUNNING
    institution_id = _own_institution_id(membership)
    writer = membership.can_write
    if institution_id == participant.institution_id and membership.role == Role.CAREERS_LEADER:
        roles.add("owner")
    if (
        running
        and writer
        and institution_id is not None
        and institution_id != participant.institution_id
        and membership.role == Role.CAREERS_LEADER
        and participant.trio_id is not None
        and Participant.objects.filter(trio_id=participant.trio_id, institution_id=institution_id).exists()
    ):
        roles.add("reviewer")
    if (
        running
        and writer
        and participant.trio is not None
        and participant.trio.facilitator_id == getattr(user, "pk", 0)
    ):
        roles.add("facilitator")
    if membership.role == Role.HUB_LEAD and participant.cycle.hub.organisation_id == membership.organisation_id:
        roles.add("hub_lead")
    own = institution_id == participant.institution_id
    if own or (running and roles & {"reviewer", "facilitator", "hub_lead"}):
        roles.add("evidence")
    if not running and "hub_lead" in roles:
        roles.add("evidence")
    return roles


def latest_submitted_evaluation(institution: Institution) -> Evaluation | None:
    return (
        Evaluation.objects.filter(institution=institution, status=EvaluationStatus.SUBMITTED)
        .select_related("framework")
        .order_by("-submitted_at")
        .first()
    )


def facilitators_of(hub: Hub) -> QuerySet[Facilitator]:
    return Facilitator.objects.filter(hub=hub).select_related("user")


def conflicts_of(hub: Hub) -> QuerySet[DeclaredConflict]:
    return DeclaredConflict.objects.filter(hub=hub).select_related("first", "second")


def open_actions_of(institution: Institution) -> QuerySet[ReviewAction]:
    """Open actions from every completed review of the institution: they carry into its next cycle."""
    return ReviewAction.objects.filter(
        review__participant__institution=institution,
        status="open",
        review__participant__cycle__status=CycleStatus.COMPLETED,
    ).select_related("review__participant__cycle")


def moderations_for(membership: Membership) -> QuerySet[Moderation]:
    if membership.organisation.kind != OrganisationKind.NATIONAL:
        return Moderation.objects.none()
    return Moderation.objects.select_related(
        "review__participant__institution", "review__participant__cycle__hub", "moderator"
    )


def agreement_items(reviews: QuerySet[PeerReview]) -> list[Item]:
    """One item per judged criterion of the given reviews whose outcome is recorded; open
    queries are left out (the peers have not found either way)."""
    rows = (
        Judgement.objects.filter(review__in=reviews.filter(status=ReviewStatus.OUTCOME_RECORDED))
        .exclude(value=JudgementValue.QUERY)
        .values_list("review__participant__institution_id", "benchmark", "criterion_code", "self_achieved", "value")
    )
    return [
        Item(institution, benchmark, criterion, claimed, claimed and value == JudgementValue.CONFIRMED)
        for institution, benchmark, criterion, claimed, value in rows
    ]


# Helpers for views: each takes an object the caller has already reached through a scoped query.


def internal_reviews_of(institution: Institution) -> dict[int, InternalReview]:
    """{cycle id: internal review} of an institution (the caller's own)."""
    return {
        ir.participant.cycle_id: ir
        for ir in InternalReview.objects.filter(participant__institution=institution).select_related("participant")
    }


def cycle_reviews(cycle: ReviewCycle) -> QuerySet[PeerReview]:
    return PeerReview.objects.filter(participant__cycle=cycle)


def completed_reviews_of(hub: Hub) -> QuerySet[PeerReview]:
    return PeerReview.objects.filter(participant__cycle__hub=hub, participant__cycle__status=CycleStatus.COMPLETED)


def own_participant(cycle: ReviewCycle, membership: Membership) -> Participant | None:
    return (
        Participant.objects.select_related("institution", "cycle")
        .filter(cycle=cycle, institution__organisation=membership.organisation)
        .first()
    )


def internal_review_of(participant: Participant) -> InternalReview | None:
    return InternalReview.objects.filter(participant=participant).first()


def actions_of(review: PeerReview) -> QuerySet[ReviewAction]:
    return ReviewAction.objects.filter(review=review)


def facilitator_candidates(hub: Hub, members: list[Institution]) -> QuerySet[Membership]:
    """People who may be trained as the hub's facilitators: its staff and its members' careers leaders."""
    organisations = [hub.organisation_id, *[i.organisation_id for i in members if i.organisation_id]]
    return (
        Membership.objects.active()
        .filter(
            organisation__in=organisations, role__in=[Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.CAREERS_LEADER]
        )
        .select_related("user", "organisation")
        .order_by("user__full_name", "user__email")
    )


def current_members(hub: Hub) -> QuerySet[Institution]:
    return Institution.objects.filter(
        pk__in=HubMembership.objects.current().filter(hub=hub).values("institution")
    ).order_by("name")


def published_for(membership: Membership) -> QuerySet[PeerReview]:
    """Completed reviews whose institutions chose to publish their strengths and area of
    excellence to the other members of their hub (the reader's current hub)."""
    institution_id = _own_institution_id(membership)
    if institution_id is None:
        return PeerReview.objects.none()
    hubs = HubMembership.objects.current().filter(institution_id=institution_id).values("hub")
    return (
        PeerReview.objects.filter(
            publish_to_hub=True,
            participant__cycle__status=CycleStatus.COMPLETED,
            participant__cycle__hub__in=hubs,
        )
        .exclude(participant__institution_id=institution_id)
        .select_related("participant__institution", "participant__cycle")
        .order_by("participant__institution__name")
    )
