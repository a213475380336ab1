"""Demo hub funds: the Greater Manchester hub's central fund for the current financial year,
£1,000 allocated to each of three member schools and £2,500 to the hub's apprenticeship fair, an
approved claim, and one claim from Sale Grammar School awaiting the hub lead's decision.

Everything goes through `careershub.funds.services` (and so the audit trail). Running it again
changes nothing: the fund is looked up by hub, year and name, allocations by recipient, claims by
description.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

from careershub.accounts.models import User
from careershub.funds import services
from careershub.funds.forms import current_financial_year
from careershub.funds.models import Allocation, Claim, Fund
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution

HUB_NAME = "Greater Manchester Careers Hub"
HUB_LEAD = "grace.okafor@gmhub.example"
FUND_NAME = "Central hub fund"
#: (URN, careers leader) of the schools given £1,000 each.
SCHOOLS = (
    (136498, "rachel.bennett@salegrammar.example"),
    (138123, "sam.fletcher@deantrust.example"),
    (138124, "sam.fletcher@deantrust.example"),
)
HUB_ACTIVITY = "Apprenticeship fair, March"
#: (URN, description, pounds-and-pence in pence, approve?)
CLAIMS = (
    (136498, "Coach hire for the Year 10 workplace visits", 24_550, False),
    (138123, "Careers fair stand materials", 18_000, True),
)
RECEIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def load_demo_funds(
    institutions: dict[int, Institution], users: dict[str, User], today: datetime.date, add: Callable[[str, int], None]
) -> None:
    hub = Hub.objects.filter(name=HUB_NAME).first()
    lead = users.get(HUB_LEAD)
    if hub is None or lead is None:
        return
    year = current_financial_year(today)
    fund = Fund.objects.filter(hub=hub, financial_year=year, name=FUND_NAME).first()
    if fund is None:
        fund = services.fund_create(hub=hub, name=FUND_NAME, financial_year=year, budget_pence=2_000_000, actor=lead)
        add("funds", 1)
    allocations: dict[int, Allocation] = {}
    for urn, _leader in SCHOOLS:
        institution = institutions.get(urn)
        if institution is None or not HubMembership.objects.current().filter(hub=hub, institution=institution).exists():
            continue
        allocation = Allocation.objects.filter(fund=fund, institution=institution).first()
        if allocation is None:
            allocation = services.allocation_create(
                fund=fund, institution=institution, amount_pence=100_000, note="Central hub fund share", actor=lead
            )
            add("fund allocations", 1)
        allocations[urn] = allocation
    if not Allocation.objects.filter(fund=fund, activity=HUB_ACTIVITY).exists():
        services.allocation_create(fund=fund, activity=HUB_ACTIVITY, amount_pence=250_000, actor=lead)
        add("fund allocations", 1)
    leaders = dict(SCHOOLS)
    for urn, description, pence, approve in CLAIMS:
        allocation = allocations.get(urn)
        leader = users.get(leaders[urn])
        if (
            allocation is None
            or leader is None
            or Claim.objects.filter(allocation=allocation, description=description).exists()
        ):
            continue
        claim = services.claim_submit(
            allocation=allocation,
            amount_pence=pence,
            description=description,
            spent_on=today - datetime.timedelta(days=14),
            receipt=SimpleUploadedFile("receipt.pdf", RECEIPT, content_type="application/pdf"),
            receipt_content_type="application/pdf",
            actor=leader,
        )
        add("fund claims", 1)
        if approve:
            services.claim_approve(claim=claim, actor=lead)
