"""What the home page shows, by the current membership's organisation kind.

Beside the links, the home page of a school or college's careers and senior leaders, of a hub's
staff and of an employer's contacts lists what needs their attention now, each with a link to
where it is done (`institution_to_do`, `hub_to_do`, `employer_to_do`; ADR 18). Everything is
read through the membership's scoped queries, in a fixed number of queries whatever the numbers
of learners, requests and matches.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from careershub.activities import coverage
from careershub.activities.models import ImportStatus as ActivityImportStatus
from careershub.activities.queries import activity_imports_for, to_do_this_year
from careershub.employers.models import ComplianceFact, OfferStatus
from careershub.employers.queries import employer_of, employers_for, offers_for, requests_for
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution, InstitutionKind
from careershub.learners.models import ImportStatus as LearnerImportStatus
from careershub.learners.queries import can_manage_learners, imports_for, learner_institution
from careershub.matching.models import Match, MatchStatus, Response, RoundStatus
from careershub.matching.queries import matches_to_answer, not_matched_last_round, requests_without_match, rounds_for
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
            context["to_do"] = hub_to_do(membership, hub, timezone.localdate())
    elif organisation.kind == OrganisationKind.INSTITUTION:
        institution = Institution.objects.filter(organisation=organisation).first()
        context["institution"] = institution
        if institution is not None:
            current = institution.hub_memberships.current().select_related("hub").first()
            context["current_hub"] = current.hub if current else None
            context["latest_evaluation"] = institution.evaluations.submitted().select_related("framework").first()
            context["draft_evaluation"] = institution.evaluations.drafts().first()
            context["to_do"] = institution_to_do(membership, timezone.localdate())
    elif organisation.kind == OrganisationKind.EMPLOYER:
        context["to_do"] = employer_to_do(membership, timezone.localdate())
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


def _match_counts(membership: Membership, side: str) -> dict[str, int]:
    """Of the confirmed matches the membership's organisation answers for (`matches_to_answer`):
    those waiting for its reply, those both sides accepted that have not taken place yet, and
    those that took place without its feedback. One query."""
    own = f"{side}_response"
    counts = matches_to_answer(membership).aggregate(
        to_reply=Count("pk", filter=Q(**{own: Response.PENDING})),
        arranged=Count(
            "pk",
            filter=Q(employer_response=Response.ACCEPTED, school_response=Response.ACCEPTED, delivery__isnull=True),
        ),
        feedback=Count("pk", filter=Q(delivery__isnull=False) & ~Q(pk__in=_with_feedback(side))),
    )
    return {key: int(value) for key, value in counts.items()}


def _with_feedback(side: str) -> Any:
    return Match.objects.filter(feedback__side=side).values("pk")


def institution_to_do(membership: Membership, today: datetime.date) -> dict[str, Any] | None:
    """For an institution's careers and senior leaders (who see learner-level data): per coverage
    rule, the learners on roll still to meet it this school year (`coverage.to_do_this_year`),
    employer matches waiting for the school's reply or to be recorded once they take place, and
    imports checked and waiting to be confirmed. None for anyone else."""
    institution = learner_institution(membership)
    if institution is None:
        return None
    ready = (
        ("learners:import-detail", imports_for(membership).filter(status=LearnerImportStatus.READY)),
        ("activities:import-detail", activity_imports_for(membership).filter(status=ActivityImportStatus.READY)),
    )
    waiting = [
        (reverse(page, args=[item.pk]), item.original_name)
        for page, found in ready
        for item in found.only("pk", "original_name").order_by("-pk")
    ]
    learners, rules = to_do_this_year(institution, today)
    return {
        "learners": learners,
        "can_import": can_manage_learners(membership),
        "rules": [(rule, count) for rule, count in rules if count],
        "school_year_end": coverage.school_year_end(today),
        "matches": _match_counts(membership, "school"),
        "not_matched": len(not_matched_last_round(requests_for(membership), today)),
        "imports_waiting": waiting,
    }


def employer_to_do(membership: Membership, today: datetime.date) -> dict[str, Any]:
    """For an employer's contacts: whether its profile is set up, how many of its offers are open
    to schools, matches waiting for its reply, arranged or needing its feedback, and its
    safeguarding and compliance facts that have expired or expire soon."""
    employer = employer_of(membership)
    if employer is None:
        return {"employer": None}
    open_offers = offers_for(membership).filter(status=OfferStatus.PUBLISHED, available_to__gte=today).count()
    facts = employer.compliance_facts.needing_renewal(today).order_by("expires_on", "kind")
    return {
        "employer": employer,
        "open_offers": open_offers,
        "matches": _match_counts(membership, "employer"),
        "compliance": [(fact, fact.warning(today)) for fact in facts],
    }


def hub_to_do(membership: Membership, hub: Hub, today: datetime.date) -> dict[str, Any]:
    """For a hub's staff: matching rounds with proposals to review, a latest round that failed or
    stalled, member schools' open requests with no live match (and how many of them lost a
    confirmed match to a decline), and the hub's employers whose current compliance facts have
    expired or expire soon."""
    rounds = rounds_for(membership).filter(hub=hub)
    to_review = list(
        rounds.annotate(proposals=Count("matches", filter=Q(matches__status=MatchStatus.PROPOSED)))
        .filter(proposals__gt=0)
        .order_by("-created_at", "-pk")[:5]
    )
    latest = rounds.order_by("-created_at", "-pk").first()
    unmatched = requests_without_match(membership, today, hub)
    renewals = (
        ComplianceFact.objects.needing_renewal(today)
        .filter(employer__in=employers_for(membership))
        .select_related("employer")
        .order_by("expires_on", "employer__name", "kind")
    )
    return {
        "to_review": to_review,
        "latest": latest if latest is not None and (latest.status == RoundStatus.FAILED or latest.stalled) else None,
        "unmatched": unmatched["count"],
        "unmatched_declined": unmatched["declined"],
        "compliance": [(fact, fact.warning(today)) for fact in renewals[:10]],
        "compliance_count": renewals.count(),
    }
