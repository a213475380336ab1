"""Review cycles for tests, built through the services as a hub lead would."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.utils import timezone

from careershub.accounts.models import User
from careershub.evaluations.tests.factories import submitted_evaluation
from careershub.hubs.tests.factories import HubMembershipFactory
from careershub.institutions.models import Institution, InstitutionKind
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.organisations.models import Role
from careershub.organisations.tests.factories import MembershipFactory, UserFactory
from careershub.reviews import services
from careershub.reviews.models import PeerReview, ReviewCycle
from conftest import Cast

TODAY = datetime.date(2026, 3, 1)


def deadlines(start: datetime.date) -> dict[str, datetime.date]:
    return {
        "internal_review_due": start + datetime.timedelta(days=14),
        "judgements_due": start + datetime.timedelta(days=28),
        "answers_due": start + datetime.timedelta(days=35),
        "outcomes_due": start + datetime.timedelta(days=42),
    }


def north_member(
    cast: Cast, name: str, urn: int, kind: str = InstitutionKind.MAINSTREAM_SCHOOL
) -> tuple[Institution, User]:
    institution = InstitutionWithOrganisationFactory.create(name=name, urn=urn, kind=kind)
    HubMembershipFactory.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2019, 9, 1))
    leader = UserFactory.create(email=f"leader@{urn}.example")
    assert institution.organisation is not None
    MembershipFactory.create(user=leader, organisation=institution.organisation, role=Role.CAREERS_LEADER)
    return institution, leader


@dataclass
class Running:
    cycle: ReviewCycle
    ashby_review: PeerReview
    cedar: Institution
    cedar_leader: User
    dale: Institution
    dale_leader: User

    def review_of(self, institution: Institution) -> PeerReview:
        return PeerReview.objects.get(participant__cycle=self.cycle, participant__institution=institution)


def running_cycle(cast: Cast, *, start: datetime.date | None = None, evaluations: bool = True) -> Running:
    """Ashby, Cedar School and Dale College (North Hub) in one trio facilitated by the enterprise
    coordinator; each with a submitted self-evaluation; started."""
    cedar, cedar_leader = north_member(cast, "Cedar School", 810001)
    dale, dale_leader = north_member(cast, "Dale College", 810002, InstitutionKind.COLLEGE)
    if evaluations:
        when = timezone.now() - datetime.timedelta(days=30)
        submitted_evaluation(cast.ashby, submitted_at=when, achieved={1, 2, 3, 4})
        submitted_evaluation(cedar, submitted_at=when, achieved={1, 2, 3, 4, 5, 6})
        submitted_evaluation(dale, submitted_at=when, achieved={1, 8})
    start = start or timezone.localdate()
    cycle = services.cycle_create(
        hub=cast.north_hub,
        name="Spring peer review",
        starts_on=start,
        deadlines=deadlines(start),
        institutions=[cast.ashby, cedar, dale],
        actor=cast.hub_lead,
    )
    services.trios_propose(cycle=cycle, actor=cast.hub_lead, seconds=5)
    services.facilitator_add(
        hub=cast.north_hub, user=cast.enterprise_coordinator, trained_on=datetime.date(2025, 1, 10), actor=cast.hub_lead
    )
    services.facilitator_assign(trio=cycle.trios.get(), user=cast.enterprise_coordinator, actor=cast.hub_lead)
    cycle = services.cycle_start(cycle=cycle, actor=cast.hub_lead)
    ashby_review = PeerReview.objects.get(participant__cycle=cycle, participant__institution=cast.ashby)
    return Running(cycle, ashby_review, cedar, cedar_leader, dale, dale_leader)


def judge_everything(review: PeerReview, actor: User, *, not_evidenced: Collection[str] = ()) -> None:
    assert review.evaluation is not None
    claims = services.criteria_claims(review.evaluation)
    services.judgements_save(
        review=review,
        judgements={
            code: ("not_evidenced", "No evidence seen", 0) if code in not_evidenced else ("confirmed", "", 0)
            for code in claims
        },
        actor=actor,
    )


def record_outcome(review: PeerReview, actor: User) -> PeerReview:
    review.refresh_from_db()
    return services.outcome_record(
        review=review,
        strengths="A clear, well-led programme.",
        excellence="Alumni network",
        actions=[services.ActionInput("Publish the provider access policy", "Careers leader", TODAY)],
        version=review.version,
        actor=actor,
    )
