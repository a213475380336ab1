from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from careershub.funds import services
from careershub.funds.models import Allocation, Claim, Fund
from conftest import Cast

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def make_fund(cast: Cast, budget_pence: int = 1_000_000) -> Fund:
    return services.fund_create(
        hub=cast.north_hub, name="Central hub fund", financial_year=2025, budget_pence=budget_pence, actor=cast.hub_lead
    )


def make_allocation(cast: Cast, fund: Fund | None = None, amount_pence: int = 100_000) -> Allocation:
    return services.allocation_create(
        fund=fund or make_fund(cast), institution=cast.ashby, amount_pence=amount_pence, actor=cast.hub_lead
    )


def make_claim(cast: Cast, allocation: Allocation | None = None, amount_pence: int = 25_050) -> Claim:
    return services.claim_submit(
        allocation=allocation or make_allocation(cast),
        amount_pence=amount_pence,
        description="Coach to the apprenticeship fair",
        spent_on=datetime.date(2025, 5, 1),
        receipt=pdf(),
        receipt_content_type="application/pdf",
        actor=cast.careers_leader,
    )
