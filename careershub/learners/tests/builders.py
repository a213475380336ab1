"""MIS export files as SIMS, Arbor and Bromcom lay them out, for tests (fictitious learners)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import openpyxl

from careershub.learners.tests.factories import upn_for

SIMS_HEADERS = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "DOB",
    "Year",
    "Reg Group",
    "Gender",
    "FSM Eligible",
    "Pupil Premium Indicator",
    "SEN Status",
    "In Care",
    "EAL",
]
ARBOR_HEADERS = [
    "UPN",
    "Legal First Name",
    "Legal Last Name",
    "Preferred First Name",
    "Date Of Birth",
    "Year",
    "Registration Form",
    "Sex",
    "FSM",
    "Pupil Premium",
    "SEN Status",
    "Looked After",
    "EAL",
]
BROMCOM_HEADERS = [
    "UPN",
    "Legal Forename",
    "Legal Surname",
    "Preferred Forename",
    "DOB",
    "NC Year",
    "Tutor Group",
    "Gender",
    "FSM",
    "Pupil Premium",
    "SEN Provision",
    "CLA",
    "EAL",
]


def learner_rows(count: int, *, start: int = 0, year: int = 10) -> list[dict[str, Any]]:
    rows = []
    for n in range(start, start + count):
        rows.append(
            {
                "upn": upn_for(n),
                "last": f"Pupil{n}",
                "first": f"Testname{n}",
                "preferred": "",
                "dob": datetime.date(2026 - year - 5, 1 + n % 12, 1 + n % 28),
                "year": year,
                "reg": f"{year}{'ABCD'[n % 4]}",
                "sex": "F" if n % 2 else "M",
                "fsm": "Y" if n % 3 == 0 else "N",
                "pp": "Y" if n % 3 == 0 else "N",
                "sen": "NKE"[n % 3] if n % 5 == 0 else "N",
                "cla": "N",
                "eal": "Y" if n % 7 == 0 else "N",
            }
        )
    return rows


def _cells(layout: str, row: dict[str, Any]) -> list[Any]:
    dob = row["dob"].strftime("%d/%m/%Y") if isinstance(row["dob"], datetime.date) else row["dob"]
    if layout in ("arbor", "bromcom"):
        return [
            row["upn"],
            row["first"],
            row["last"],
            row["preferred"],
            dob,
            f"Year {row['year']}" if layout == "arbor" else row["year"],
            row["reg"],
            row["sex"],
            row["fsm"],
            row["pp"],
            row["sen"],
            row["cla"],
            row["eal"],
        ]
    return [
        row["upn"],
        row["last"],
        row["first"],
        row["preferred"],
        dob,
        row["year"],
        row["reg"],
        row["sex"],
        row["fsm"],
        row["pp"],
        row["sen"],
        row["cla"],
        row["eal"],
    ]


HEADERS = {"sims": SIMS_HEADERS, "arbor": ARBOR_HEADERS, "bromcom": BROMCOM_HEADERS}


def csv_bytes(rows: list[dict[str, Any]], layout: str = "sims", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[layout])
    for row in rows:
        writer.writerow(_cells(layout, row))
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_from_learners(rows: list[dict[str, Any]], layout: str = "bromcom") -> bytes:
    cells = [HEADERS[layout]]
    for row in rows:
        values = _cells(layout, row)
        values[4] = row["dob"]  # real Excel dates
        cells.append(values)
    return xlsx_bytes(cells)
