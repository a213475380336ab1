"""Who may see which funds, allocations and claims, and the sums shown against them.

- A hub's members see its funds, allocations and claims; its hub lead manages them.
- The national team sees every hub's funds; a national admin manages them.
- A member institution sees the allocations made to it and their claims; its careers leader
  claims against them.
- Anyone else sees none: another organisation's fund or claim is a 404.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from careershub.funds.models import Allocation, Claim, ClaimStatus, Fund
from careershub.hubs.queries import can_manage_hub, hubs_for
from careershub.organisations.models import Membership, OrganisationKind, Role


def funds_for(membership: Membership) -> QuerySet[Fund]:
    return Fund.objects.select_related("hub", "hub__organisation").filter(hub__in=hubs_for(membership))


def allocations_for(membership: Membership) -> QuerySet[Allocation]:
    allocations = Allocation.objects.select_related("fund", "fund__hub", "fund__hub__organisation", "institution")
    if membership.organisation.kind == OrganisationKind.INSTITUTION:
        return allocations.filter(institution__organisation=membership.organisation)
    return allocations.filter(fund__hub__in=hubs_for(membership))


def claims_for(membership: Membership) -> QuerySet[Claim]:
    claims = Claim.objects.select_related(
        "allocation",
        "allocation__fund",
        "allocation__fund__hub",
        "allocation__fund__hub__organisation",
        "allocation__institution",
        "submitted_by",
        "decided_by",
    )
    return claims.filter(allocation__in=allocations_for(membership).values("pk"))


def can_manage_fund(membership: Membership, fund: Fund) -> bool:
    return can_manage_hub(membership, fund.hub)


def can_claim(membership: Membership, allocation: Allocation) -> bool:
    """The allocated institution's careers leader, or the hub's managers (for any allocation)."""
    if can_manage_fund(membership, allocation.fund):
        return True
    return (
        membership.role == Role.CAREERS_LEADER
        and allocation.institution is not None
        and allocation.institution.organisation_id == membership.organisation_id
    )


def _sum(condition: Q) -> Coalesce:
    return Coalesce(Sum("claims__amount_pence", filter=condition), Value(0))


def with_claim_totals(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Each allocation with `pending_pence` (awaiting decision) and `approved_pence` (spent)."""
    return allocations.annotate(
        pending_pence=_sum(Q(claims__status=ClaimStatus.SUBMITTED)),
        approved_pence=_sum(Q(claims__status=ClaimStatus.APPROVED)),
    )


def with_fund_totals(funds: QuerySet[Fund]) -> QuerySet[Fund]:
    """Each fund with `allocated_pence` and `approved_pence` (spent against its allocations)."""
    allocated = (
        Allocation.objects.filter(fund=OuterRef("pk"))
        .values("fund")
        .annotate(total=Sum("amount_pence"))
        .values("total")
    )
    approved = (
        Claim.objects.filter(allocation__fund=OuterRef("pk"), status=ClaimStatus.APPROVED)
        .values("allocation__fund")
        .annotate(total=Sum("amount_pence"))
        .values("total")
    )
    return funds.annotate(
        allocated_pence=Coalesce(Subquery(allocated[:1]), Value(0)),
        approved_pence=Coalesce(Subquery(approved[:1]), Value(0)),
    )
