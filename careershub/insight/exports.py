"""CSV and XLSX exports of dashboard tables, with spreadsheet formula injection neutralised.

Text that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage
return) is prefixed with an apostrophe; numbers are written as numbers. Suppressed figures are
written as "[c]", exactly as on the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook

from careershub.insight.dashboard import Table, Value

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Value) -> Value:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(tables: Iterable[Table], *, title: str) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for table in tables:
        sheet = workbook.create_sheet(table.key[:31])
        sheet.append([neutralise(f"{title}: {table.title}")])
        sheet.append([neutralise(c) for c in table.columns])
        for row in table.rows:
            sheet.append([neutralise(v) for v in row])
        # Text cells are strings, never formulas, whatever they contain.
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
