"""Read a local authority's destination list: one row per young person and date, with a UPN or
ULN, the date and the NCCIS activity code. Pure: bytes in, rows out.

The file is opened with the learner import's reader (`learners.mis.open_table`): CSV or XLSX,
encoding detection, size and row limits, and a formula anywhere refuses the whole file. Columns
are found by name (case, spaces and punctuation ignored); other columns are ignored and never
stored.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from careershub.learners import mis
from careershub.learners.identifiers import IdentifierError, validate_uln, validate_upn

DestinationFileError = mis.MisFileError

COLUMNS: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "uniquepupilnumber"),
    "uln": ("uln", "uniquelearnernumber"),
    "date": ("date", "activitydate", "startdate", "datefrom", "recordedon", "activitystartdate", "dateascertained"),
    "code": ("nccis", "nccisCode", "nccisactivitycode", "activitycode", "code", "currentactivitycode", "activity"),
}
LABELS = {"upn": "UPN", "uln": "ULN", "date": "Date", "code": "NCCIS code"}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")


@dataclass
class DestinationRow:
    number: int
    upn: str = ""
    uln: str = ""
    day: datetime.date | None = None
    code: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


def parse_day(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        raise ValueError("is missing")
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date like 30/09/2025")


@dataclass
class DestinationTable:
    table: mis.Table
    columns: dict[str, int]
    row_count: int = 0

    def rows(self) -> Iterator[DestinationRow]:
        self.row_count = 0
        for number, cells in self.table.rows():
            self.row_count += 1
            yield self.parse(number, cells)

    def parse(self, number: int, cells: list[Any]) -> DestinationRow:
        def cell(name: str) -> Any:
            index = self.columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        row = DestinationRow(number=number)
        upn, uln = _text(cell("upn")), _text(cell("uln"))
        if not upn and not uln:
            row.errors.append(("UPN" if "upn" in self.columns else "ULN", "a UPN or ULN is needed"))
        if upn:
            try:
                row.upn = validate_upn(upn)
            except IdentifierError as exc:
                row.errors.append(("UPN", str(exc)))
        if uln:
            try:
                row.uln = validate_uln(uln)
            except IdentifierError as exc:
                row.errors.append(("ULN", str(exc)))
        try:
            row.day = parse_day(cell("date"))
        except ValueError as exc:
            row.errors.append(("Date", str(exc)))
        code = _text(cell("code"))
        if not code:
            row.errors.append(("NCCIS code", "is missing"))
        elif not (len(code) == 3 and code.isdigit()):
            row.errors.append(("NCCIS code", f"'{code}' is not a three-digit NCCIS activity code"))
        row.code = code
        return row


def open_destination_table(data: bytes) -> DestinationTable:
    """Check the file and find its columns. Raises DestinationFileError with a message."""
    table = mis.open_table(data)
    keys = {mis.header_key(header): index for index, header in enumerate(table.headers) if header}
    columns: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in keys:
                columns[name] = keys[alias.lower()]
                break
    if "upn" not in columns and "uln" not in columns:
        raise DestinationFileError("The file needs a UPN or a ULN column.")
    for name in ("date", "code"):
        if name not in columns:
            raise DestinationFileError(f"The file needs a {LABELS[name]} column.")
    return DestinationTable(table=table, columns=columns)
