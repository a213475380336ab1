"""A hub lead adds the central hub fund and allocates £1,000 of it to a member school; the
school's careers leader claims £245.50 with a receipt; the hub lead approves the claim, and spend
against the allocation shows it. axe-core checks every page (see conftest.Journey)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from careershub.funds.models import Allocation, Claim, ClaimStatus, Fund
from conftest import Cast
from tests.browser.conftest import Journey
from tests.browser.test_programmes import warm_up

pytestmark = pytest.mark.browser

RECEIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_hub_lead_allocates_and_approves_a_claim(journey: Journey, cast: Cast, tmp_path: Path) -> None:
    page = journey.page
    main = page.get_by_role("main")

    warm_up(journey)

    # The hub lead adds the fund and allocates part of it to Ashby High School.
    journey.sign_in("lead@north.example")
    journey.follow("Go to your hub", within="main")
    journey.follow("Hub funds", within="main")
    journey.heading().to_have_text("Hub funds")
    journey.press("Add a fund")
    page.get_by_label("Name of the fund").fill("Central hub fund")
    page.get_by_label("Budget").fill("25,000")
    journey.press("Add fund")
    fund = Fund.objects.get(hub=cast.north_hub)
    assert fund.budget_pence == 2_500_000
    journey.heading().to_have_text(f"Central hub fund {fund.financial_year_label}")
    journey.press("Allocate funding")
    page.get_by_label("School or college").select_option(str(cast.ashby.pk))
    page.get_by_label("Amount").fill("1000")
    journey.press("Allocate")
    expect(main).to_contain_text("£1,000.00 has been allocated to Ashby High School")
    allocation = Allocation.objects.get(fund=fund)
    assert allocation.amount_pence == 100_000 and allocation.institution == cast.ashby
    journey.sign_out()

    # The school's careers leader claims against it with a receipt.
    journey.sign_in("leader@ashby.example")
    journey.follow("Careers Hub", within="nav")
    journey.follow("Hub funding", within="#careers-hub-pages")
    journey.follow("Make a claim against Central hub fund " + fund.financial_year_label)
    page.get_by_label("What the money was spent on").fill("Coach to the apprenticeship fair")
    spent = fund.created_at.date()
    page.locator("input[name='spent_on-day']").fill(str(spent.day))
    page.locator("input[name='spent_on-month']").fill(str(spent.month))
    page.locator("input[name='spent_on-year']").fill(str(spent.year))
    page.get_by_label("Amount claimed").fill("245.50")
    receipt = tmp_path / "coach invoice.pdf"
    receipt.write_bytes(RECEIPT)
    page.locator("input[type=file]").set_input_files(str(receipt))
    journey.press("Send claim")
    expect(main).to_contain_text("Your claim for £245.50 has been sent to the hub.")
    claim = Claim.objects.get(allocation=allocation)
    assert claim.amount_pence == 24_550 and claim.status == ClaimStatus.SUBMITTED
    journey.sign_out()

    # The hub lead approves it.
    journey.sign_in("lead@north.example")
    journey.goto(f"/funds/{fund.pk}/")
    journey.follow(f"Claim {claim.pk}: £245.50 for Coach to the apprenticeship fair", within="main")
    journey.heading().to_have_text(f"Claim {claim.pk}: £245.50")
    page.get_by_label("Approve for payment").check()
    journey.press("Save decision")
    expect(main).to_contain_text(f"Claim {claim.pk} for £245.50 has been approved.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by == cast.hub_lead
    journey.goto(f"/funds/{fund.pk}/")
    expect(main).to_contain_text("£245.50")
