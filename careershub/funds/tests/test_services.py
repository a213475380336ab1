from __future__ import annotations

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careershub.audit.models import AuditEvent
from careershub.funds import services
from careershub.funds.models import Allocation, Claim, ClaimStatus
from careershub.funds.tests.helpers import make_allocation, make_claim, make_fund, pdf
from careershub.hubs.models import HubMembership
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import Cast

pytestmark = pytest.mark.django_db


def test_fund_allocation_and_claim_are_audited(cast: Cast) -> None:
    claim = make_claim(cast)
    types = set(AuditEvent.objects.values_list("object_type", flat=True))
    assert {"funds.Fund", "funds.Allocation", "funds.Claim"} <= types
    event = AuditEvent.objects.get(object_type="funds.Claim")
    assert event.organisation == cast.north_hub.organisation
    assert event.actor == cast.careers_leader
    assert event.changes["amount_pence"] == [None, 25_050]
    assert claim.receipt.name.startswith("fund_receipts/") and claim.receipt.name.endswith(".pdf")
    assert claim.receipt.read() == pdf().read()


def test_over_allocation_is_refused_with_a_clear_message(cast: Cast) -> None:
    fund = make_fund(cast, budget_pence=100_000)
    make_allocation(cast, fund, amount_pence=60_000)
    with pytest.raises(services.FundError) as error:
        services.allocation_create(fund=fund, activity="Apprenticeship fair", amount_pence=40_001, actor=cast.hub_lead)
    assert str(error.value) == (
        "You cannot allocate £400.01: only £400.00 of the £1,000.00 in Central hub fund 2025-26 is unallocated."
    )
    services.allocation_create(fund=fund, activity="Apprenticeship fair", amount_pence=40_000, actor=cast.hub_lead)
    assert Allocation.objects.filter(fund=fund).count() == 2


def test_allocation_only_to_current_members(cast: Cast) -> None:
    fund = make_fund(cast)
    with pytest.raises(services.FundError, match="Brook College is not a current member of North Hub"):
        services.allocation_create(fund=fund, institution=cast.brook, amount_pence=100, actor=cast.hub_lead)
    with pytest.raises(services.FundError, match="either a school or college or a hub activity"):
        services.allocation_create(fund=fund, institution=cast.ashby, activity="Fair", amount_pence=100)


def test_budget_cannot_drop_below_what_is_allocated(cast: Cast) -> None:
    allocation = make_allocation(cast, amount_pence=50_000)
    with pytest.raises(services.FundError, match=r"£500\.00 already allocated"):
        services.fund_set_budget(fund=allocation.fund, budget_pence=49_999, actor=cast.hub_lead)
    fund = services.fund_set_budget(fund=allocation.fund, budget_pence=50_000, actor=cast.hub_lead)
    assert fund.budget_pence == 50_000


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(min_value=1, max_value=10**7), requests=st.lists(st.integers(1, 5 * 10**6), max_size=8))
def test_allocations_never_exceed_the_budget(cast: Cast, budget: int, requests: list[int]) -> None:
    with transaction.atomic():
        fund = make_fund(cast, budget_pence=budget)
        accepted = 0
        for n, amount in enumerate(requests):
            try:
                services.allocation_create(fund=fund, activity=f"Activity {n}", amount_pence=amount)
            except services.FundError:
                assert accepted + amount > budget
            else:
                accepted += amount
            assert sum(a.amount_pence for a in fund.allocations.all()) == accepted <= budget
        transaction.set_rollback(True)


def test_over_claiming_is_refused_counting_claims_awaiting_a_decision(cast: Cast) -> None:
    allocation = make_allocation(cast, amount_pence=100_000)
    make_claim(cast, allocation, amount_pence=60_000)
    with pytest.raises(services.FundError) as error:
        make_claim(cast, allocation, amount_pence=40_001)
    assert str(error.value) == (
        "You cannot claim £400.01: only £400.00 of the £1,000.00 allocated to Ashby High School is left to claim."
    )
    make_claim(cast, allocation, amount_pence=40_000)


def test_a_rejected_claim_frees_its_amount(cast: Cast) -> None:
    allocation = make_allocation(cast, amount_pence=10_000)
    claim = make_claim(cast, allocation, amount_pence=10_000)
    services.claim_reject(claim=claim, reason="The receipt is for another school", actor=cast.hub_lead)
    make_claim(cast, allocation, amount_pence=10_000)


def test_approve_then_approve_again_is_refused_and_paid_once(cast: Cast) -> None:
    claim = make_claim(cast)
    stale = Claim.objects.get(pk=claim.pk)
    approved = services.claim_approve(claim=claim, actor=cast.hub_lead)
    assert approved.status == ClaimStatus.APPROVED and approved.decided_by == cast.hub_lead
    with pytest.raises(services.FundError, match="already been decided"):
        services.claim_approve(claim=stale, actor=cast.national_admin)
    with pytest.raises(services.FundError, match="already been decided"):
        services.claim_reject(claim=stale, reason="Too late", actor=cast.national_admin)
    claim.refresh_from_db()
    assert claim.decided_by == cast.hub_lead
    decisions = AuditEvent.objects.filter(object_type="funds.Claim", action="update")
    assert decisions.count() == 1
    assert decisions.get().changes["status"] == ["submitted", "approved"]


def test_rejection_needs_a_reason_in_the_service_and_the_database(cast: Cast) -> None:
    claim = make_claim(cast)
    with pytest.raises(services.FundError, match="reason"):
        services.claim_reject(claim=claim, reason="  ", actor=cast.hub_lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(
            status=ClaimStatus.REJECTED, decided_at=datetime.datetime.now(datetime.UTC)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.APPROVED)  # approved without a decision time


def test_hub_activity_allocation(cast: Cast) -> None:
    fund = make_fund(cast)
    allocation = services.allocation_create(fund=fund, activity="  Careers  fair ", amount_pence=5_000)
    assert allocation.activity == "Careers fair" and allocation.recipient == "Careers fair"
    other = InstitutionFactory.create(urn=720001)
    HubMembership.objects.create(hub=cast.north_hub, institution=other, joined_on=datetime.date(2020, 1, 1))
    assert services.allocation_create(fund=fund, institution=other, amount_pence=1).institution == other


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises writes)")
def test_concurrent_approvals_pay_a_claim_once(cast: Cast) -> None:
    claim = make_claim(cast)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def approve(actor: object) -> None:
        try:
            barrier.wait()
            services.claim_approve(claim=Claim.objects.get(pk=claim.pk), actor=actor)
            outcomes.append("approved")
        except services.FundError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(cast.hub_lead,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "refused", "refused", "refused"]
    assert AuditEvent.objects.filter(object_type="funds.Claim", action="update").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises writes)")
def test_concurrent_claims_cannot_together_overspend(cast: Cast) -> None:
    allocation = make_allocation(cast, amount_pence=10_000)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def claim() -> None:
        try:
            barrier.wait()
            make_claim(cast, Allocation.objects.get(pk=allocation.pk), amount_pence=4_000)
            outcomes.append("claimed")
        except services.FundError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed", "claimed", "refused", "refused"]
