"""Read a file of risk factors (CSV or XLSX, one row per learner, keyed by UPN or ULN). Pure.

The file is opened and checked by the learner import's reader (`learners.mis.open_table`: type by
content, encoding, size, header row, formulas refused), identifiers are checked by
`learners.identifiers`, yes/no cells by `learners.mis.parse_boolean`. Columns are recognised by
their header (compared with `mis.header_key`); columns for risk factors whose indicator is
switched off, and columns we do not know, are listed and never read.

A blank cell means "not recorded" and clears a stored value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from careershub.learners import identifiers, mis

FIELD_LABELS: dict[str, str] = {
    "attendance_percent": "Attendance %",
    "suspensions": "Suspensions",
    "permanently_excluded": "Permanently excluded",
    "previously_looked_after": "Previously looked after",
    "attainment_band": "Attainment band",
    "young_carer": "Young carer",
    "young_parent_or_pregnant": "Young parent or pregnant",
    "youth_justice": "Youth justice",
    "alternative_provision": "Alternative provision",
    "child_in_need": "Child in need or child protection",
    "elective_home_education": "Elective home education",
}
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "uniquepupilnumber", "pupilupn"),
    "uln": ("uln", "uniquelearnernumber"),
    "attendance_percent": ("attendance", "attendancepercent", "attendance%", "attendancepercentage", "attendancerate"),
    "suspensions": ("suspensions", "numberofsuspensions", "fixedtermexclusions", "fixedperiodexclusions"),
    "permanently_excluded": ("permanentlyexcluded", "permanentexclusion"),
    "previously_looked_after": ("previouslylookedafter", "carelever", "careleaver", "pla"),
    "attainment_band": ("attainmentband", "priorattainment", "priorattainmentband", "attainment"),
    "young_carer": ("youngcarer",),
    "young_parent_or_pregnant": ("youngparentorpregnant", "youngparent", "pregnant", "pregnantoryoungparent"),
    "youth_justice": ("youthjustice", "yot", "youthjusticeservice", "youthjusticeinvolvement"),
    "alternative_provision": ("alternativeprovision", "ap", "offsiteprovision", "offsite"),
    "child_in_need": ("childinneed", "cin", "childprotection", "cincp", "childinneedorchildprotection"),
    "elective_home_education": ("electivehomeeducation", "ehe", "electivelyhomeeducated"),
}
_BANDS = {"low": "low", "l": "low", "middle": "middle", "mid": "middle", "m": "middle", "high": "high", "h": "high"}


@dataclass
class Columns:
    by_index: dict[int, str]
    recognised: dict[str, str]
    switched_off: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def match_columns(headers: list[str], kept_fields: Iterable[str]) -> Columns:
    """Which column holds which field; fields not in `kept_fields` are listed as switched off."""
    known = {name: fld for fld, names in HEADER_NAMES.items() for name in names}
    kept = set(kept_fields) | {"upn", "uln"}
    columns = Columns(by_index={}, recognised={})
    used: set[str] = set()
    for index, header in enumerate(headers):
        if not header:
            continue
        fld = known.get(mis.header_key(header).replace("%", ""))
        if fld is None or fld in used:
            columns.unknown.append(header)
        elif fld not in kept:
            columns.switched_off.append(header)
        else:
            used.add(fld)
            columns.by_index[index] = fld
            columns.recognised[header] = fld
    return columns


def column_problems(columns: Columns) -> list[str]:
    fields = set(columns.by_index.values())
    problems = []
    if not fields & {"upn", "uln"}:
        problems.append("The file needs a column headed UPN (or ULN, for colleges)")
    if not fields - {"upn", "uln"}:
        problems.append("The file has no column for a risk factor that your indicator uses")
    return problems


def parse_attendance(value: Any) -> Decimal | None:
    text = mis._text(value).rstrip("%").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{mis._text(value)}' is not a percentage like 93.5") from None
    if not Decimal(0) <= number <= Decimal(100):
        raise ValueError(f"{text} is not a percentage from 0 to 100")
    return number.quantize(Decimal("0.1"))


def parse_count(value: Any) -> int | None:
    text = mis._text(value)
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"'{text}' is not a whole number like 0, 1 or 2")
    return int(text)


def parse_band(value: Any) -> str:
    text = mis._text(value).lower()
    if not text:
        return ""
    if text not in _BANDS:
        raise ValueError(f"'{mis._text(value)}' is not an attainment band (low, middle or high)")
    return _BANDS[text]


def parse_flag(value: Any) -> bool | None:
    return None if not mis._text(value) else mis.parse_boolean(value)


PARSERS = {
    "attendance_percent": parse_attendance,
    "suspensions": parse_count,
    "attainment_band": parse_band,
}


@dataclass
class Row:
    number: int
    key: str
    key_field: str
    values: dict[str, Any]
    errors: list[tuple[str, str]]


def parse_row(number: int, cells: list[Any], columns: Columns) -> Row:
    raw = {fld: (cells[index] if index < len(cells) else None) for index, fld in columns.by_index.items()}
    errors: list[tuple[str, str]] = []
    key, key_field = "", ""
    for fld, check in (("upn", identifiers.validate_upn), ("uln", identifiers.validate_uln)):
        text = mis._text(raw.get(fld))
        if fld in raw and text and not key:
            try:
                key, key_field = check(text), fld
            except identifiers.IdentifierError as exc:
                errors.append((fld.upper(), str(exc)))
    if not key and not errors:
        errors.append(("UPN" if "upn" in raw else "ULN", "is missing"))
    values: dict[str, Any] = {}
    for fld, cell in raw.items():
        if fld in ("upn", "uln"):
            continue
        try:
            values[fld] = PARSERS.get(fld, parse_flag)(cell)
        except ValueError as exc:
            errors.append((FIELD_LABELS[fld], str(exc)))
    return Row(number=number, key=key, key_field=key_field, values=values, errors=errors)
