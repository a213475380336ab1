"""The demo hub fund: allocations, an approved claim and one awaiting the hub lead."""

from __future__ import annotations

import datetime

import pytest

from careershub.demo.funds import HUB_LEAD, HUB_NAME, SCHOOLS, load_demo_funds
from careershub.funds.models import Allocation, Claim, ClaimStatus, Fund
from careershub.hubs.tests.factories import HubFactory, HubMembershipFactory
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_funds_load_once() -> None:
    hub = HubFactory.create(name=HUB_NAME)
    institutions = {}
    for urn, _leader in SCHOOLS:
        institutions[urn] = InstitutionWithOrganisationFactory.create(urn=urn)
        HubMembershipFactory.create(hub=hub, institution=institutions[urn], joined_on=datetime.date(2018, 9, 1))
    users = {email: UserFactory.create(email=email) for email in {HUB_LEAD, *(leader for _u, leader in SCHOOLS)}}
    today = datetime.date(2026, 11, 23)
    for _ in range(2):
        load_demo_funds(institutions, users, today, lambda what, n: None)
        fund = Fund.objects.get()
        assert fund.financial_year == 2026 and fund.budget_pence == 2_000_000
        assert Allocation.objects.count() == 4
        assert sorted(Claim.objects.values_list("status", flat=True)) == [ClaimStatus.APPROVED, ClaimStatus.SUBMITTED]
