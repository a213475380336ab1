"""CSV exports of learner-level data, safe to open in a spreadsheet.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or
carriage return) as a formula: a learner named `=HYPERLINK(...)` could exfiltrate data when the
export is opened. `safe_cell` prefixes such values with an apostrophe, which spreadsheets show as
text (OWASP's "CSV injection" advice).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value)
    if text.startswith(_TRIGGERS):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # byte-order mark: Excel then reads UTF-8 names correctly
    writer = csv.writer(response)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response


LEARNER_HEADER = [
    "UPN",
    "ULN",
    "Legal first name",
    "Legal last name",
    "Preferred first name",
    "Preferred last name",
    "Date of birth",
    "Year group",
    "Registration group",
    "Disadvantaged",
    "FSM",
    "SEN status",
    "Looked after",
    "EAL",
    "Sex",
    "Planned end date",
    "Left on",
]


def learner_row(learner: Any) -> list[Any]:
    return [
        learner.upn,
        learner.uln,
        learner.legal_first_name,
        learner.legal_last_name,
        learner.preferred_first_name,
        learner.preferred_last_name,
        learner.date_of_birth.strftime("%d/%m/%Y"),
        learner.year_group,
        learner.registration_group,
        learner.disadvantaged,
        learner.fsm,
        learner.sen_status,
        learner.looked_after,
        learner.eal,
        learner.sex,
        learner.planned_end_date.strftime("%d/%m/%Y") if learner.planned_end_date else "",
        learner.left_on.strftime("%d/%m/%Y") if learner.left_on else "",
    ]
