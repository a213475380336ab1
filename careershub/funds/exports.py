"""Finance exports of a fund: one row per claim (and per allocation without claims), as CSV
or XLSX. Text that a spreadsheet would run as a formula (starting =, +, -, @, tab or carriage
return) is prefixed with an apostrophe; amounts are written as exact pounds, never floats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from careershub.funds.models import Allocation, Claim, Fund
from careershub.funds.money import pounds

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADERS = [
    "Hub",
    "Fund",
    "Financial year",
    "Allocation id",
    "Allocated to",
    "URN",
    "Allocated (£)",
    "Claim id",
    "Claim description",
    "Spent on",
    "Claimed (£)",
    "Status",
    "Submitted",
    "Decided",
    "Decided by",
    "Rejection reason",
]


def neutralise(value: Any) -> Any:
    """Text that could start a formula is made literal; numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(fund: Fund) -> Iterator[list[Any]]:
    allocations = fund.allocations.select_related("institution").order_by("institution__name", "activity", "pk")
    claims_by_allocation: dict[int, list[Claim]] = {}
    for claim in Claim.objects.filter(allocation__fund=fund).select_related("decided_by").order_by("submitted_at"):
        claims_by_allocation.setdefault(claim.allocation_id, []).append(claim)
    for allocation in allocations:
        base = _allocation_cells(fund, allocation)
        claims = claims_by_allocation.get(allocation.pk, [])
        if not claims:
            yield [*base, None, "", None, None, "", None, None, "", ""]
        for claim in claims:
            yield [
                *base,
                claim.pk,
                claim.description,
                claim.spent_on,
                pounds(claim.amount_pence),
                claim.get_status_display(),
                claim.submitted_at.date(),
                claim.decided_at.date() if claim.decided_at else None,
                str(claim.decided_by) if claim.decided_by else "",
                claim.rejection_reason,
            ]


def _allocation_cells(fund: Fund, allocation: Allocation) -> list[Any]:
    return [
        fund.hub.name,
        fund.name,
        fund.financial_year_label,
        allocation.pk,
        allocation.recipient,
        allocation.institution.urn if allocation.institution else None,
        pounds(allocation.amount_pence),
    ]


def to_csv(fund: Fund) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows(fund):
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return buffer.getvalue()


def to_xlsx(fund: Fund) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Claims"
    sheet.append(HEADERS)
    for row in rows(fund):
        cells = []
        for value in row:
            cell = Cell(sheet, value=neutralise(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            cells.append(cell)
        sheet.append(cells)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
