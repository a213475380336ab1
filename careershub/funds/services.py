"""Writes on hub funds. Every write is atomic and records an audit event against the hub's
organisation (and, for claims, is visible to the claiming institution through the claim).

Sums are checked with the row they are checked against locked (`select_for_update`), so two
requests cannot together allocate more than a fund or claim more than an allocation. A claim's
decision is a guarded status transition (`UPDATE … WHERE status = 'submitted'`): whichever of
two concurrent approvals comes second updates no row and is refused, so a claim is paid once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.funds.models import Allocation, Claim, ClaimStatus, Fund
from careershub.funds.money import format_pence, headroom
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution


class FundError(ValueError):
    """A change to funds that cannot be made, with a message for the user."""


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _allocated(fund: Fund) -> int:
    return int(fund.allocations.aggregate(total=Sum("amount_pence"))["total"] or 0)


def _committed(allocation: Allocation, statuses: tuple[str, ...]) -> int:
    total = allocation.claims.filter(status__in=statuses).aggregate(total=Sum("amount_pence"))["total"]
    return int(total or 0)


@transaction.atomic
def fund_create(*, hub: Hub, name: str, financial_year: int, budget_pence: int, actor: Any = None) -> Fund:
    name = " ".join(name.split())
    if budget_pence <= 0:
        raise FundError("The budget must be more than £0.")
    if Fund.objects.filter(hub=hub, financial_year=financial_year, name__iexact=name).exists():
        raise FundError(f"{hub.name} already has a fund called {name} for that financial year.")
    fund = Fund.objects.create(
        hub=hub, name=name, financial_year=financial_year, budget_pence=budget_pence, created_by=_user(actor)
    )
    record(actor=actor, organisation=hub.organisation, action=AuditAction.CREATE, instance=fund)
    return fund


@transaction.atomic
def fund_set_budget(*, fund: Fund, budget_pence: int, actor: Any = None) -> Fund:
    locked = Fund.objects.select_for_update(of=("self",)).select_related("hub__organisation").get(pk=fund.pk)
    allocated = _allocated(locked)
    if budget_pence < allocated:
        raise FundError(
            f"The budget cannot be less than the {format_pence(allocated)} already allocated from {locked.name}."
        )
    before = snapshot(locked, ["budget_pence"])
    locked.budget_pence = budget_pence
    locked.save(update_fields=["budget_pence"])
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["budget_pence"]),
    )
    return locked


@transaction.atomic
def allocation_create(
    *,
    fund: Fund,
    amount_pence: int,
    institution: Institution | None = None,
    activity: str = "",
    note: str = "",
    actor: Any = None,
) -> Allocation:
    """Allocate part of a fund to a current member institution of its hub, or to a hub activity."""
    activity = " ".join(activity.split())
    if (institution is None) == (not activity):
        raise FundError("Choose either a school or college or a hub activity to allocate to.")
    if amount_pence <= 0:
        raise FundError("The amount must be more than £0.")
    locked = Fund.objects.select_for_update(of=("self",)).select_related("hub__organisation").get(pk=fund.pk)
    if (
        institution is not None
        and not HubMembership.objects.current().filter(hub=locked.hub, institution=institution).exists()
    ):
        raise FundError(f"{institution.name} is not a current member of {locked.hub.name}.")
    left = headroom(locked.budget_pence, [_allocated(locked)])
    if amount_pence > left:
        raise FundError(
            f"You cannot allocate {format_pence(amount_pence)}: only {format_pence(left)} of the "
            f"{format_pence(locked.budget_pence)} in {locked.name} {locked.financial_year_label} is unallocated."
        )
    allocation = Allocation.objects.create(
        fund=locked,
        institution=institution,
        activity=activity,
        amount_pence=amount_pence,
        note=note.strip(),
        created_by=_user(actor),
    )
    record(actor=actor, organisation=locked.hub.organisation, action=AuditAction.CREATE, instance=allocation)
    return allocation


@transaction.atomic
def claim_submit(
    *,
    allocation: Allocation,
    amount_pence: int,
    description: str,
    spent_on: datetime.date,
    receipt: UploadedFile,
    receipt_content_type: str,
    actor: Any = None,
) -> Claim:
    """Claim against an allocation. Claims awaiting a decision count against it too, so the
    claims on an allocation can never together be more than it."""
    if amount_pence <= 0:
        raise FundError("The amount must be more than £0.")
    locked = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("fund__hub__organisation", "institution")
        .get(pk=allocation.pk)
    )
    left = headroom(locked.amount_pence, [_committed(locked, (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED))])
    if amount_pence > left:
        raise FundError(
            f"You cannot claim {format_pence(amount_pence)}: only {format_pence(left)} of the "
            f"{format_pence(locked.amount_pence)} allocated to {locked.recipient} is left to claim."
        )
    claim = Claim(
        allocation=locked,
        amount_pence=amount_pence,
        description=description.strip(),
        spent_on=spent_on,
        receipt_name=(receipt.name or "receipt")[:255],
        receipt_content_type=receipt_content_type,
        receipt_size=receipt.size or 0,
        submitted_by=_user(actor),
    )
    claim.receipt.save(receipt.name or "receipt", receipt, save=False)
    claim.save()
    record(
        actor=actor,
        organisation=locked.fund.hub.organisation,
        action=AuditAction.CREATE,
        instance=claim,
        after=snapshot(claim, ["allocation", "amount_pence", "description", "spent_on", "receipt_name", "status"]),
    )
    return claim


def _decide(claim: Claim, *, status: ClaimStatus, reason: str, actor: Any) -> Claim:
    """Move a submitted claim to `status`, refusing if it was already decided."""
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("fund__hub__organisation")
        .get(pk=claim.allocation_id)
    )
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    if locked.status != ClaimStatus.SUBMITTED:
        raise FundError(f"This claim has already been decided: {locked.get_status_display().lower()}.")
    if status == ClaimStatus.APPROVED:
        left = headroom(allocation.amount_pence, [_committed(allocation, (ClaimStatus.APPROVED,))])
        if locked.amount_pence > left:
            raise FundError(
                f"Approving {format_pence(locked.amount_pence)} would spend more than the "
                f"{format_pence(allocation.amount_pence)} allocated: only {format_pence(left)} is left."
            )
    before = snapshot(locked, ["status", "rejection_reason", "decided_by", "decided_at"])
    now = timezone.now()
    updated = Claim.objects.filter(pk=locked.pk, status=ClaimStatus.SUBMITTED).update(
        status=status, rejection_reason=reason, decided_by=_user(actor), decided_at=now
    )
    if updated != 1:  # the guard: another decision got there first
        raise FundError("This claim has already been decided.")
    locked.refresh_from_db()
    record(
        actor=actor,
        organisation=allocation.fund.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["status", "rejection_reason", "decided_by", "decided_at"]),
    )
    return locked


@transaction.atomic
def claim_approve(*, claim: Claim, actor: Any = None) -> Claim:
    return _decide(claim, status=ClaimStatus.APPROVED, reason="", actor=actor)


@transaction.atomic
def claim_reject(*, claim: Claim, reason: str, actor: Any = None) -> Claim:
    reason = reason.strip()
    if not reason:
        raise FundError("Give the reason for rejecting the claim.")
    return _decide(claim, status=ClaimStatus.REJECTED, reason=reason, actor=actor)
