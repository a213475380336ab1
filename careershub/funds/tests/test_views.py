from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from careershub.audit.models import AuditEvent
from careershub.funds import services
from careershub.funds.models import Allocation, Claim, ClaimStatus, Fund
from careershub.funds.tests.helpers import PDF_BYTES, PNG_BYTES, make_allocation, make_claim, make_fund, pdf
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

HUB_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
HUB_MANAGERS = {"hub_lead", "national_admin"}
ASHBY = {"careers_leader", "senior_leader"}
INSTITUTION_ROLES = {"careers_leader", "senior_leader", "other_careers_leader"}
BARRED = INSTITUTION_ROLES | {"employer", "participation_officer"}


def expected(persona: str, allowed: set[str], forbidden: set[str] = frozenset(), refused: int = 404) -> int:  # type: ignore[assignment]
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    if persona in allowed:
        return 200
    return 403 if persona in forbidden else refused


CLAIM_FORM = {
    "description": "Coach hire",
    "spent_on-day": "1",
    "spent_on-month": "5",
    "spent_on-year": "2025",
    "amount_pence": "250.50",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_funds_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_allocation(cast)
    response = client_as(persona).get(reverse("funds:hub", args=[cast.north_hub.pk]))
    assert response.status_code == expected(persona, HUB_READERS, BARRED)
    if response.status_code == 200:
        content = response.content.decode()
        assert "Central hub fund" in content and "£10,000.00" in content and "£1,000.00" in content
        assert ("Add a fund" in content) == (persona in HUB_MANAGERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_fund_detail_and_exports(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    fund = make_claim(cast).allocation.fund
    for name in ("funds:detail", "funds:export-csv", "funds:export-xlsx"):
        response = client_as(persona).get(reverse(name, args=[fund.pk]))
        assert response.status_code == expected(persona, HUB_READERS, BARRED), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_fund_create_and_allocate_are_for_managers(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    fund = make_fund(cast)
    read_only = {"enterprise_coordinator", "national_analyst"} | BARRED
    response = client_as(persona).get(reverse("funds:create", args=[cast.north_hub.pk]))
    assert response.status_code == expected(persona, HUB_MANAGERS, read_only)
    response = client_as(persona).get(reverse("funds:allocate", args=[fund.pk]))
    assert response.status_code == expected(persona, HUB_MANAGERS, read_only)


def test_other_hub_lead_gets_404_for_a_fund_it_does_not_own(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    fund = make_fund(cast)
    client = client_as("other_hub_lead")
    assert client.get(reverse("funds:allocate", args=[fund.pk])).status_code == 404
    assert client.get(reverse("funds:create", args=[cast.north_hub.pk])).status_code == 404
    assert (
        client.post(reverse("funds:allocate", args=[fund.pk]), {"activity": "x", "amount_pence": "1"}).status_code
        == 404
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_institution_funding_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_claim(cast)
    response = client_as(persona).get(reverse("funds:institution"))
    assert response.status_code == expected(persona, INSTITUTION_ROLES, set(PERSONAS))
    if response.status_code == 200:
        content = response.content.decode()
        assert ("Coach to the apprenticeship fair" in content) == (persona in ASHBY)
        assert ("Make a claim" in content) == (persona == "careers_leader")


@pytest.mark.parametrize("persona", PERSONAS)
def test_claim_detail_and_receipt(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    claim = make_claim(cast)
    response = client_as(persona).get(reverse("funds:claim", args=[claim.pk]))
    assert response.status_code == expected(persona, HUB_READERS | ASHBY)
    if response.status_code == 200:
        assert ("Save decision" in response.content.decode()) == (persona in HUB_MANAGERS)
    response = client_as(persona).get(reverse("funds:receipt", args=[claim.pk]))
    assert response.status_code == expected(persona, HUB_READERS | ASHBY)
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_claim_create_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    allocation = make_allocation(cast)
    response = client_as(persona).get(reverse("funds:claim-create", args=[allocation.pk]))
    readers_only = {"senior_leader", "enterprise_coordinator", "national_analyst"}
    assert response.status_code == expected(persona, HUB_MANAGERS | {"careers_leader"}, readers_only)


@pytest.mark.parametrize("persona", PERSONAS)
def test_decide_is_for_managers(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    claim = make_claim(cast)
    response = client_as(persona).post(reverse("funds:decide", args=[claim.pk]), {"decision": "approve"})
    readers = {"senior_leader", "careers_leader", "enterprise_coordinator", "national_analyst"}
    if persona in HUB_MANAGERS:
        assert response.status_code == 302
    else:
        assert response.status_code == expected(persona, set(), readers)
    claim.refresh_from_db()
    assert (claim.status == ClaimStatus.APPROVED) == (persona in HUB_MANAGERS)


def test_careers_leader_claims_with_a_receipt(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    allocation = make_allocation(cast)
    response = client_as("careers_leader").post(
        reverse("funds:claim-create", args=[allocation.pk]),
        {**CLAIM_FORM, "receipt": SimpleUploadedFile("my receipt.PNG", PNG_BYTES, content_type="text/html")},
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.amount_pence == 25_050 and claim.status == ClaimStatus.SUBMITTED
    assert claim.receipt_content_type == "image/png"  # from the content, not what the browser said
    assert claim.receipt_name == "my_receipt.png"
    assert claim.receipt.read() == PNG_BYTES
    assert AuditEvent.objects.filter(object_type="funds.Claim", action="create", actor=cast.careers_leader).exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf"),
            "must be a PDF",
        ),
        (SimpleUploadedFile("receipt.pdf", b"<html><script>", content_type="application/pdf"), "must be a PDF"),
        (
            SimpleUploadedFile("receipt.pdf", PDF_BYTES + b"0" * (5 * 1024 * 1024), content_type="application/pdf"),
            "smaller than 5 MB",
        ),
        (None, "Upload the receipt or invoice"),
    ],
)
def test_bad_receipts_are_refused(client_as, cast: Cast, upload: SimpleUploadedFile | None, message: str) -> None:  # type: ignore[no-untyped-def]
    allocation = make_allocation(cast)
    data: dict[str, object] = dict(CLAIM_FORM)
    if upload is not None:
        data["receipt"] = upload
    response = client_as("careers_leader").post(reverse("funds:claim-create", args=[allocation.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Claim.objects.exists()


def test_over_claiming_in_the_form_shows_the_reason(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    allocation = make_allocation(cast, amount_pence=10_000)
    response = client_as("careers_leader").post(
        reverse("funds:claim-create", args=[allocation.pk]), {**CLAIM_FORM, "amount_pence": "100.01", "receipt": pdf()}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "You cannot claim £100.01: only £100.00 of the £100.00 allocated to Ashby High School is left" in content
    assert 'class="govuk-error-summary"' in content
    assert not Claim.objects.exists()


def test_over_allocation_in_the_form_shows_the_reason(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    fund = make_fund(cast, budget_pence=100_000)
    response = client_as("hub_lead").post(
        reverse("funds:allocate", args=[fund.pk]), {"institution": cast.ashby.pk, "amount_pence": "1000.01"}
    )
    assert response.status_code == 200
    assert "only £1,000.00 of the £1,000.00 in Central hub fund 2025-26 is unallocated" in response.content.decode()
    response = client_as("hub_lead").post(
        reverse("funds:allocate", args=[fund.pk]), {"institution": cast.ashby.pk, "amount_pence": "1,000"}
    )
    assert response.status_code == 302
    assert Allocation.objects.get().amount_pence == 100_000


def test_allocation_form_refuses_a_school_outside_the_hub(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    fund = make_fund(cast)
    response = client_as("hub_lead").post(
        reverse("funds:allocate", args=[fund.pk]), {"institution": cast.brook.pk, "amount_pence": "10"}
    )
    assert response.status_code == 200
    assert "Choose a school or college in the hub" in response.content.decode()


def test_hub_lead_creates_a_fund(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    from careershub.funds.forms import current_financial_year

    year = current_financial_year()
    data = {"name": "Central hub fund", "financial_year": str(year), "budget_pence": "25,000"}
    response = client_as("hub_lead").post(reverse("funds:create", args=[cast.north_hub.pk]), data)
    assert response.status_code == 302
    fund = Fund.objects.get()
    assert fund.budget_pence == 2_500_000 and fund.financial_year == year and fund.hub == cast.north_hub
    response = client_as("hub_lead").post(reverse("funds:create", args=[cast.north_hub.pk]), data)
    assert "already has a fund called Central hub fund" in response.content.decode()


def test_rejecting_needs_a_reason_and_shows_it(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    claim = make_claim(cast)
    client = client_as("hub_lead")
    response = client.post(reverse("funds:decide", args=[claim.pk]), {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    assert "Enter the reason for rejecting the claim" in response.content.decode()
    response = client.post(
        reverse("funds:decide", args=[claim.pk]), {"decision": "reject", "reason": "Receipt is unreadable"}
    )
    assert response.status_code == 302
    content = client_as("careers_leader").get(reverse("funds:claim", args=[claim.pk])).content.decode()
    assert "Rejected" in content and "Receipt is unreadable" in content


def test_deciding_twice_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    claim = make_claim(cast)
    client_as("hub_lead").post(reverse("funds:decide", args=[claim.pk]), {"decision": "approve"})
    response = client_as("national_admin").post(reverse("funds:decide", args=[claim.pk]), {"decision": "approve"})
    assert response.status_code == 200
    assert "already been decided" in response.content.decode()
    assert AuditEvent.objects.filter(object_type="funds.Claim", action="update").count() == 1


def test_exports_neutralise_formulas_and_keep_exact_amounts(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    allocation = make_allocation(cast)
    services.claim_submit(
        allocation=allocation,
        amount_pence=1_234_567 // 100,
        description='=HYPERLINK("http://evil.example","click")',
        spent_on=allocation.fund.created_at.date(),
        receipt=pdf(),
        receipt_content_type="application/pdf",
        actor=cast.careers_leader,
    )
    services.allocation_create(fund=allocation.fund, activity="@SUM(A1:A9)", amount_pence=1, actor=cast.hub_lead)
    client = client_as("enterprise_coordinator")
    content = client.get(reverse("funds:export-csv", args=[allocation.fund.pk])).content.decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Hub"
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'@SUM(A1:A9)" in cells
    assert not any(cell.startswith(("=", "@", "+")) for cell in cells)
    assert "123.45" in cells and "1000.00" in cells

    response = client.get(reverse("funds:export-xlsx", args=[allocation.fund.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [cell for row in sheet.iter_rows() for cell in row]
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://evil.example","click")' in texts and "'@SUM(A1:A9)" in texts
    assert all(c.data_type != "f" for c in values)
    assert AuditEvent.objects.filter(object_type="funds.Fund", action="view").count() == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_budget_change_is_for_managers(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    fund = make_fund(cast)
    read_only = {"enterprise_coordinator", "national_analyst"} | BARRED
    response = client_as(persona).get(reverse("funds:budget", args=[fund.pk]))
    assert response.status_code == expected(persona, HUB_MANAGERS, read_only)


def test_budget_cannot_go_below_what_is_allocated(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    fund = make_allocation(cast, amount_pence=50_000).fund
    client = client_as("hub_lead")
    response = client.post(reverse("funds:budget", args=[fund.pk]), {"budget_pence": "499.99"})
    assert response.status_code == 200
    assert "cannot be less than the £500.00 already allocated" in response.content.decode()
    response = client.post(reverse("funds:budget", args=[fund.pk]), {"budget_pence": "500"})
    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.budget_pence == 50_000
    event = AuditEvent.objects.get(object_type="funds.Fund", action="update")
    assert event.changes == {"budget_pence": [1_000_000, 50_000]}


def test_fund_pages_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from careershub.hubs.models import HubMembership
    from careershub.institutions.tests.factories import InstitutionFactory

    fund = make_fund(cast, budget_pence=10**9)
    for n in range(15):
        institution = InstitutionFactory.create(urn=730000 + n)
        HubMembership.objects.create(hub=cast.north_hub, institution=institution, joined_on=fund.created_at.date())
        allocation = services.allocation_create(fund=fund, institution=institution, amount_pence=10_000)
        make_claim(cast, allocation, amount_pence=100)
    client = client_as("hub_lead")
    for name, args in (("funds:detail", [fund.pk]), ("funds:hub", [cast.north_hub.pk])):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name, args=args)).status_code == 200


def test_claim_page_links_the_receipt_and_escapes_its_name(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    claim = make_claim(cast)
    Claim.objects.filter(pk=claim.pk).update(receipt_name="<b>x</b>.pdf")
    content = client_as("hub_lead").get(reverse("funds:claim", args=[claim.pk])).content.decode()
    assert f'<a class="govuk-link" href="{reverse("funds:receipt", args=[claim.pk])}">' in content
    assert "&lt;b&gt;x&lt;/b&gt;.pdf" in content and "<b>x</b>" not in content
