"""Read a school MIS export (CSV or XLSX): check the file, suggest a column mapping, parse rows.

Everything here is pure: bytes in, plain data out, no database (`services` compares and writes).

Files
-----
- **Type** is decided by the content, not the name: an XLSX file is a ZIP archive that openpyxl
  opens (read-only mode, so memory stays flat); anything else must be text (CSV). Old binary
  ``.xls``, PDFs, images and other archives are refused with one message.
- **Encoding** of CSV: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark,
  or Windows-1252. A file that is mostly UTF-8 but has broken sequences is refused (decoding it
  as Windows-1252 would import garbled names), as is text with control characters.
- **Size**: at most `MAX_FILE_BYTES`; at most `MAX_ROWS` rows of data. Empty rows are skipped
  and counted; a file with no rows of data is refused, so that a full import can never mark a
  whole school as left by mistake.
- **Header row**: the first non-empty row holds the column names. A first row that holds a UPN,
  a ULN or a date is data, and the file is refused as having no header row.
- **Formulas**: a cell holding a formula (an XLSX formula cell, or a CSV cell starting with
  ``=``) refuses the whole file: its value is not what the MIS holds, and storing it would let
  it run when someone opens an export. Exports also neutralise formulas (`exports.safe_cell`).

Header names
------------
SIMS, Arbor and Bromcom name columns differently (``Legal Surname`` / ``Legal Last Name``,
``Reg Group`` / ``Registration Form`` / ``Tutor Group``, ``Year`` / ``NC Year``…). Headers are
compared after `header_key` (lower-case letters and digits only). `HEADER_NAMES` lists the names
we know for each field; these are the names the three systems' standard student-list reports use
as far as we know (not verified against each vendor's current release), which is why the
careers leader always confirms the mapping, and the confirmed mapping is remembered.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import operator
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from careershub.learners import identifiers
from careershub.learners.models import YEAR_GROUPS, SenStatus, Sex

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000
#: After this many empty rows in a row, reading stops (spreadsheets often "use" a million rows).
MAX_TRAILING_EMPTY_ROWS = 10_000

FIELD_LABELS: dict[str, str] = {
    "upn": "UPN",
    "uln": "ULN",
    "legal_first_name": "Legal first name",
    "legal_last_name": "Legal last name",
    "preferred_first_name": "Preferred first name",
    "preferred_last_name": "Preferred last name",
    "date_of_birth": "Date of birth",
    "year_group": "Year group",
    "registration_group": "Registration group",
    "disadvantaged": "Disadvantaged (pupil premium)",
    "fsm": "Free school meals",
    "sen_status": "SEN status",
    "looked_after": "Looked after",
    "eal": "English as an additional language",
    "sex": "Sex",
    "considering_higher_education": "Considering higher education",
    "planned_end_date": "Planned end date",
}
REQUIRED_FIELDS = ("legal_first_name", "legal_last_name", "date_of_birth", "year_group")
BOOLEAN_FIELDS = ("disadvantaged", "fsm", "looked_after", "eal", "considering_higher_education")

HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "uniquepupilnumber", "pupilupn", "studentupn"),
    "uln": ("uln", "uniquelearnernumber", "learneruln"),
    "legal_first_name": ("legalforename", "legalfirstname", "legalforenames", "forename", "forenames", "firstname"),
    "legal_last_name": ("legalsurname", "legallastname", "surname", "lastname", "familyname"),
    "preferred_first_name": ("preferredforename", "preferredfirstname", "knownas", "chosenforename"),
    "preferred_last_name": ("preferredsurname", "preferredlastname", "chosensurname"),
    "date_of_birth": ("dob", "dateofbirth", "birthdate"),
    "year_group": ("year", "yeargroup", "ncyear", "curriculumyear", "nationalcurriculumyear", "yeartaughtin"),
    "registration_group": (
        "reggroup",
        "registrationgroup",
        "regform",
        "registrationform",
        "tutorgroup",
        "formgroup",
        "form",
        "reg",
    ),
    "disadvantaged": (
        "pupilpremium",
        "pupilpremiumindicator",
        "pupilpremiumeligible",
        "ppeligible",
        "pp",
        "disadvantaged",
    ),
    "fsm": ("fsm", "fsmeligible", "fsmindicator", "freeschoolmeals", "eligibleforfsm", "fsmeligibility"),
    "sen_status": ("senstatus", "senprovision", "sen", "senprovisiontype", "senstage"),
    "looked_after": ("lookedafter", "incare", "cla", "childlookedafter", "lac", "lookedafterchild"),
    "eal": ("eal", "englishasanadditionallanguage", "englishadditionallanguage", "ealstatus"),
    "sex": ("sex", "gender", "legalsex"),
    "considering_higher_education": (
        "consideringhighereducation",
        "consideringhe",
        "heintention",
        "higheducationintention",
        "intendshighereducation",
    ),
    # The ILR's LearnPlanEndDate, as college MIS exports (and the ILR field name) write it.
    "planned_end_date": (
        "plannedenddate",
        "learningplannedenddate",
        "learnplanenddate",
        "plannedend",
        "expectedenddate",
        "programmeenddate",
        "programenddate",
        "plannedprogrammeenddate",
        "courseplannedenddate",
        "expectedend",
    ),
}

_TRUE = frozenset({"y", "yes", "true", "t", "1", "eligible"})
_FALSE = frozenset({"", "n", "no", "false", "f", "0", "not eligible", "none"})
_SEN = {
    "n": SenStatus.NONE,
    "no": SenStatus.NONE,
    "none": SenStatus.NONE,
    "no sen": SenStatus.NONE,
    "": SenStatus.NONE,
    "k": SenStatus.SUPPORT,
    "sen support": SenStatus.SUPPORT,
    "support": SenStatus.SUPPORT,
    "e": SenStatus.EHC_PLAN,
    "s": SenStatus.EHC_PLAN,  # statement of SEN, replaced by EHC plans
    "ehc plan": SenStatus.EHC_PLAN,
    "ehcp": SenStatus.EHC_PLAN,
    "education, health and care plan": SenStatus.EHC_PLAN,
    "statement": SenStatus.EHC_PLAN,
}
_SEX = {"f": Sex.FEMALE, "female": Sex.FEMALE, "girl": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE, "boy": Sex.MALE}
_YEAR = re.compile(r"^(?:y|yr|year|nc\s*year)?\s*0*(\d{1,2})$")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")
_EARLIEST_BIRTH = datetime.date(1980, 1, 1)
#: A planned end date is on or after this day and at most this many years after today.
_EARLIEST_PLANNED_END = datetime.date(2000, 1, 1)
PLANNED_END_YEARS_AHEAD = 6


class MisFileError(ValueError):
    """The file as a whole cannot be used; the message says why, for the person who sent it."""


def header_key(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").lower())


# Reading the file -------------------------------------------------------------------------------


@dataclass
class Table:
    """A file's header row and its data rows, read lazily: `rows()` yields (row number, cells)."""

    file_format: str
    encoding: str
    headers: list[str]
    header_row: int
    _data: bytes = field(repr=False)
    _text: str | None = field(default=None, repr=False)
    empty_rows: int = 0
    #: Rows of data allowed (None: `MAX_ROWS`, learners); other imports pass their own.
    max_rows: int | None = None

    @property
    def estimated_rows(self) -> int:
        """Rows after the header, for a progress bar (empty rows included, so an upper bound)."""
        if self.file_format == "csv":
            return max(1, (self._text or "").count("\n") + 1 - self.header_row)
        return max(1, _xlsx_max_row(self._data) - self.header_row)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows after the header, with 1-based row numbers as a spreadsheet shows them.

        Empty rows are counted in `empty_rows` and skipped. Raises MisFileError for a formula
        or for more than MAX_ROWS rows of data.
        """
        self.empty_rows = 0
        count = 0
        limit = MAX_ROWS if self.max_rows is None else self.max_rows
        what = "learners" if self.max_rows is None else "data"
        trailing_empty = 0
        csv_file = self.file_format != "xlsx"
        source = _csv_rows(self._text or "") if csv_file else _xlsx_rows(self._data)
        for number, cells in source:
            if number <= self.header_row:
                continue
            # A CSV row's cells are all text: it is blank when their concatenation is, and only a
            # row with an "=" somewhere can hold a formula (the same checks, once per row).
            joined = "".join(cells) if csv_file else ""
            if (not joined or joined.isspace()) if csv_file else all(_is_blank(cell) for cell in cells):
                self.empty_rows += 1
                trailing_empty += 1
                if trailing_empty >= MAX_TRAILING_EMPTY_ROWS:
                    break
                continue
            trailing_empty = 0
            count += 1
            if count > limit:
                raise MisFileError(f"The file has more than {limit:,} rows of {what}. Split it and try again.")
            if not csv_file or "=" in joined:
                _refuse_formulas(number, cells, self.headers)
            yield number, cells


class _Formula(str):
    """A cell that held a formula (XLSX formula cells are marked so that CSV text is not confused)."""


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _refuse_formulas(number: int, cells: list[Any], headers: list[str]) -> None:
    for index, cell in enumerate(cells):
        if isinstance(cell, _Formula) or (isinstance(cell, str) and cell.lstrip().startswith("=")):
            column = headers[index] if index < len(headers) and headers[index] else f"column {index + 1}"
            raise MisFileError(
                f"Row {number}, column '{column}' holds a formula. Export the file from your MIS again, "
                "or save it with values only, and upload it again."
            )


def detect_format(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise MisFileError("The file looks like a damaged Excel file. Save it again and upload it again.") from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise MisFileError("The file must be a CSV or an Excel (.xlsx) file. This is another kind of ZIP archive.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise MisFileError("The file is an old Excel (.xls) file. Save it as .xlsx or CSV and upload it again.")
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        raise MisFileError("The file must be a CSV or an Excel (.xlsx) file.")
    return "csv"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read as, or MisFileError."""
    text: str | None = None
    encoding = ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise MisFileError("The file is not valid UTF-16 text. Save it as CSV (UTF-8) and try again.") from exc
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            if _UTF8_MULTIBYTE.search(data[: exc.start]) or _UTF8_MULTIBYTE.search(data[exc.end :]):
                raise MisFileError(
                    f"The file's text is damaged at line {line}: it is partly UTF-8 and partly something else. "
                    "Export it from your MIS again as CSV (UTF-8)."
                ) from exc
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError as exc2:
                raise MisFileError(
                    f"The file's text cannot be read (line {line}). Export it from your MIS again as CSV (UTF-8)."
                ) from exc2
    if _CONTROL.search(text):
        raise MisFileError("The file must be a CSV or an Excel (.xlsx) file; this one holds binary data.")
    return text, encoding


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    sample = text[:4096]
    delimiter = max((",", ";", "\t", "|"), key=sample.count) if sample else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise MisFileError(f"The CSV file cannot be read near line {reader.line_num}: {exc}") from exc


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl  # imported here: only XLSX files need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise MisFileError("The Excel file cannot be opened. Save it again as .xlsx and upload it again.") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells: list[Any] = []
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    value = _Formula(str(value))
                cells.append(value)
            yield number, cells
    finally:
        workbook.close()


def _xlsx_max_row(data: bytes) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return int(workbook.worksheets[0].max_row or 1)
    finally:
        workbook.close()


def open_table(data: bytes, *, max_rows: int | None = None, max_bytes: int | None = None) -> Table:
    """Check the file and read its header row. Raises MisFileError with a message for the user.

    `max_rows` and `max_bytes` default to `MAX_ROWS` and `MAX_FILE_BYTES` (learner files)."""
    byte_limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    if not data:
        raise MisFileError("The selected file is empty.")
    if len(data) > byte_limit:
        raise MisFileError(f"The file must be smaller than {byte_limit // (1024 * 1024)} MB.")
    file_format = detect_format(data)
    text: str | None = None
    encoding = ""
    if file_format == "csv":
        text, encoding = decode_text(data)
        source = _csv_rows(text)
    else:
        source = _xlsx_rows(data)
    header_row = 0
    headers: list[str] = []
    for number, cells in source:
        if number > MAX_TRAILING_EMPTY_ROWS:
            break
        if all(_is_blank(cell) for cell in cells):
            continue
        header_row = number
        _refuse_formulas(number, cells, [])
        if any(_looks_like_data(cell) for cell in cells if not _is_blank(cell)):
            raise MisFileError(
                "The file has no header row: its first row holds learners' details. Add a first row with "
                "column names such as UPN, Legal Surname and Year, or export the file again."
            )
        headers = ["" if _is_blank(cell) else str(cell).strip() for cell in cells]
        break
    if not header_row:
        raise MisFileError("The file has no rows: the first row must hold column names such as UPN and Surname.")
    while headers and not headers[-1]:
        headers.pop()
    keys = [header_key(h) for h in headers if h]
    if len(set(keys)) != len(keys):
        duplicate = next(h for h in headers if h and keys.count(header_key(h)) > 1)
        raise MisFileError(f"The column '{duplicate}' appears more than once in the header row.")
    return Table(
        file_format=file_format,
        encoding=encoding,
        headers=headers,
        header_row=header_row,
        _data=data,
        _text=text,
        max_rows=max_rows,
    )


def _looks_like_data(value: Any) -> bool:
    if isinstance(value, (datetime.date, int, float)):
        return True
    text = str(value).strip()
    if _parse_date_text(text) is not None:
        return True
    for check in (identifiers.validate_upn, identifiers.validate_uln):
        try:
            check(text)
        except identifiers.IdentifierError:
            continue
        return True
    return False


# Mapping ---------------------------------------------------------------------------------------


def suggest_mapping(
    headers: list[str],
    remembered: dict[str, str] | None = None,
    extra_headers: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, str]:
    """{header: field} for the headers we recognise; `remembered` ({header key: field}) wins.

    `extra_headers` ({field: header names}) are other apps' fields (`extensions`) that this
    institution's import may carry; a remembered field that is neither ours nor theirs is dropped.
    """
    extra_headers = extra_headers or {}
    known = {name: fld for fld, names in extra_headers.items() for name in names}
    known.update({name: fld for fld, names in HEADER_NAMES.items() for name in names})
    allowed = set(FIELD_LABELS) | set(extra_headers)
    remembered = remembered or {}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for pass_remembered in (True, False):
        for header in headers:
            if not header or header in mapping:
                continue
            key = header_key(header)
            fld = remembered.get(key) if pass_remembered else known.get(key)
            if fld and fld in allowed and fld not in used:
                mapping[header] = fld
                used.add(fld)
    return mapping


def mapping_problems(mapping: dict[str, str], extra_labels: dict[str, str] | None = None) -> list[str]:
    """What a mapping lacks or repeats, as messages; empty when it can be used."""
    labels = {**(extra_labels or {}), **FIELD_LABELS}
    problems = []
    fields = [f for f in mapping.values() if f]
    for fld in sorted({f for f in fields if f not in labels}):
        problems.append(f"{fld} cannot be imported here")
    for fld in sorted({f for f in fields if fields.count(f) > 1 and f in labels}):
        problems.append(f"{labels[fld]} is chosen for more than one column")
    if "upn" not in fields and "uln" not in fields:
        problems.append("Choose the column that holds the UPN (or the ULN, for colleges)")
    for fld in REQUIRED_FIELDS:
        if fld not in fields:
            problems.append(f"Choose the column that holds the {FIELD_LABELS[fld].lower()}")
    return problems


# Rows ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ParsedRow:
    number: int
    values: dict[str, Any]
    errors: list[tuple[str, str]]
    #: Values of other apps' fields (`extensions`), kept apart from the learner's own.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The UPN or ULN as written (when it could be read at all), so that a rejected row still
    #: keeps its learner from being marked as left.
    key: str = ""


def _text(value: Any) -> str:
    if type(value) is str:  # a CSV's every cell: the common case first
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


def _parse_date_text(text: str) -> datetime.date | None:
    # 31/12/2010, as MIS exports write it, without strptime's cost; anything else (or an
    # impossible date) goes through the formats as before.
    if match := _DMY.match(text):
        try:
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _read_date(value: Any, example: str) -> datetime.date | None:
    """A cell as a date (XLSX dates, or text as MIS exports write dates); None when blank."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    parsed = _parse_date_text(text)
    if parsed is None:
        raise ValueError(f"'{text}' is not a date like {example}")
    return parsed


def parse_date(value: Any, today: datetime.date) -> datetime.date:
    day = _read_date(value, "31/12/2010")
    if day is None:
        raise ValueError("is missing")
    if not _EARLIEST_BIRTH <= day <= today:
        raise ValueError(f"{day:%d/%m/%Y} is not a plausible date of birth")
    return day


def planned_end_latest(today: datetime.date) -> datetime.date:
    """The latest plausible planned end date: `PLANNED_END_YEARS_AHEAD` years after today."""
    try:
        return today.replace(year=today.year + PLANNED_END_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PLANNED_END_YEARS_AHEAD, day=28)


def parse_planned_end_date(value: Any, today: datetime.date) -> datetime.date | None:
    """The planned end date of the learner's study programme: optional (blank is None), read like
    a date of birth, and plausible: from 2000 to `PLANNED_END_YEARS_AHEAD` years after today."""
    day = _read_date(value, "31/07/2027")
    if day is None:
        return None
    latest = planned_end_latest(today)
    if day < _EARLIEST_PLANNED_END:
        raise ValueError(f"{day:%d/%m/%Y} is not a plausible planned end date (before 2000)")
    if day > latest:
        raise ValueError(
            f"{day:%d/%m/%Y} is not a plausible planned end date (more than {PLANNED_END_YEARS_AHEAD} years ahead)"
        )
    return day


def parse_year_group(value: Any) -> int:
    text = _text(value).lower()
    if not text:
        raise ValueError("is missing")
    match = _YEAR.match(text)
    if not match:
        raise ValueError(f"'{_text(value)}' is not a year group like 7, Y7 or Year 7")
    year = int(match.group(1))
    if year not in YEAR_GROUPS:
        raise ValueError(f"Year {year} is not a secondary or further-education year group (7 to 14)")
    return year


def parse_boolean(value: Any) -> bool:
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{_text(value)}' is not yes or no")


def parse_sen(value: Any) -> str:
    text = _text(value).lower()
    if text in _SEN:
        return str(_SEN[text])
    raise ValueError(f"'{_text(value)}' is not an SEN status (N, K or E)")


def _parse_identifiers(raw: dict[str, Any], values: dict[str, Any], errors: list[tuple[str, str]]) -> str:
    """Fill `values` with the UPN and ULN; returns the identifier as written (for a rejected row)."""
    key = ""
    for fld in ("upn", "uln"):
        if fld not in raw:
            continue
        text = _text(raw[fld])
        if not text:
            values[fld] = ""
            continue
        key = key or identifiers.compact(text)
        try:
            values[fld] = (identifiers.validate_upn if fld == "upn" else identifiers.validate_uln)(text)
        except identifiers.IdentifierError as exc:
            errors.append((FIELD_LABELS[fld], str(exc)))
    if not values.get("upn") and not values.get("uln") and not any(f in ("UPN", "ULN") for f, _ in errors):
        errors.append(("UPN" if "upn" in raw else "ULN", "is missing: every learner needs a UPN or a ULN"))
    return key


_TEXT_LIMITS = {
    "legal_first_name": 100,
    "legal_last_name": 100,
    "preferred_first_name": 100,
    "preferred_last_name": 100,
    "registration_group": 20,
}


def _parse_texts(raw: dict[str, Any], values: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    for fld, limit in _TEXT_LIMITS.items():
        if fld not in raw:
            continue
        text = _text(raw[fld])
        if not text and fld in REQUIRED_FIELDS:
            errors.append((FIELD_LABELS[fld], "is missing"))
        elif len(text) > limit:
            errors.append((FIELD_LABELS[fld], f"is longer than {limit} characters"))
        else:
            values[fld] = text


def parse_row(number: int, cells: list[Any], columns: dict[int, str], today: datetime.date) -> ParsedRow:
    """One data row → learner field values, or the errors (field label, reason) that stop it."""
    raw = {fld: (cells[index] if index < len(cells) else None) for index, fld in columns.items()}
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    key = _parse_identifiers(raw, values, errors)
    _parse_texts(raw, values, errors)
    parsers: list[tuple[str, Any]] = [
        ("date_of_birth", lambda v: parse_date(v, today)),
        ("year_group", parse_year_group),
        ("planned_end_date", lambda v: parse_planned_end_date(v, today)),
        ("sen_status", parse_sen),
        *((fld, parse_boolean) for fld in BOOLEAN_FIELDS),
    ]
    for fld, parser in parsers:
        if fld in raw:
            try:
                values[fld] = parser(raw[fld])
            except ValueError as exc:
                errors.append((FIELD_LABELS[fld], str(exc)))
    if "sex" in raw:
        values["sex"] = str(_SEX.get(_text(raw["sex"]).lower(), Sex.UNKNOWN))
    return ParsedRow(number=number, values=values, errors=errors, key=key)


def column_indexes(headers: list[str], mapping: dict[str, str]) -> dict[int, str]:
    """{column index: field} for the mapped headers."""
    return {index: mapping[h] for index, h in enumerate(headers) if h and mapping.get(h)}


# Many rows ------------------------------------------------------------------------------------

#: A field's outcome for one cell: (value, None), or (_MISSING, (field label, reason)).
_MISSING = object()
_Outcome = tuple[Any, tuple[str, str] | None]
#: Cells whose parse can be remembered by value (1, 1.0 and True are equal keys, read differently).
_MEMO_TYPES = frozenset({str, type(None)})


def _outcome(parse: Callable[[Any], Any], fld: str) -> Callable[[Any], _Outcome]:
    label = FIELD_LABELS[fld]

    def outcome(value: Any) -> _Outcome:
        try:
            return parse(value), None
        except ValueError as exc:
            return _MISSING, (label, str(exc))

    return outcome


def _text_outcome(fld: str, limit: int) -> Callable[[Any], _Outcome]:
    label = FIELD_LABELS[fld]
    required = fld in REQUIRED_FIELDS

    def outcome(value: Any) -> _Outcome:
        text = _text(value)
        if not text and required:
            return _MISSING, (label, "is missing")
        if len(text) > limit:
            return _MISSING, (label, f"is longer than {limit} characters")
        return text, None

    return outcome


def _sex_outcome(value: Any) -> _Outcome:
    return str(_SEX.get(_text(value).lower(), Sex.UNKNOWN)), None


def _date_outcome(
    outcome: Callable[[Any], _Outcome], earliest: datetime.date, latest: datetime.date
) -> Callable[[Any], _Outcome]:
    """`outcome` (a date field's), with text written dd/mm/yyyy and in range read directly: most
    cells of a date column are distinct, and the parse's layers (`_read_date`, `_text`,
    `_parse_date_text`) cost more than the date. Such text has no spaces, so `_text` leaves it as
    it is and `_parse_date_text` reads it the same way; any other cell, an impossible date or one
    out of range goes through `outcome` (same results and errors)."""
    match_dmy = _DMY.match

    def fast(value: Any) -> _Outcome:
        if type(value) is str and (match := match_dmy(value)):
            try:
                day = datetime.date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                return outcome(value)
            if earliest <= day <= latest:
                return day, None
        return outcome(value)

    return fast


def _field_outcomes(today: datetime.date) -> dict[str, Callable[[Any], _Outcome]]:
    """Every field but the identifiers, in `parse_row`'s order: each depends on its cell alone."""
    outcomes = {fld: _text_outcome(fld, limit) for fld, limit in _TEXT_LIMITS.items()}
    outcomes["date_of_birth"] = _date_outcome(
        _outcome(lambda v: parse_date(v, today), "date_of_birth"), _EARLIEST_BIRTH, today
    )
    outcomes["year_group"] = _outcome(parse_year_group, "year_group")
    outcomes["planned_end_date"] = _date_outcome(
        _outcome(lambda v: parse_planned_end_date(v, today), "planned_end_date"),
        _EARLIEST_PLANNED_END,
        planned_end_latest(today),
    )
    outcomes["sen_status"] = _outcome(parse_sen, "sen_status")
    outcomes.update((fld, _outcome(parse_boolean, fld)) for fld in BOOLEAN_FIELDS)
    outcomes["sex"] = _sex_outcome
    return outcomes


def _identifier_parser(index_of: dict[str, int]) -> Callable[[list[Any]], tuple[dict[str, Any], list[Any], str]]:
    """`_parse_identifiers` on a row's cells: (values, errors, the identifier as written)."""
    columns = [(fld, index_of[fld], FIELD_LABELS[fld]) for fld in ("upn", "uln") if fld in index_of]
    missing = ("UPN" if "upn" in index_of else "ULN", "is missing: every learner needs a UPN or a ULN")
    validate_upn, validate_uln, compact = identifiers.validate_upn, identifiers.validate_uln, identifiers.compact

    def parse(cells: list[Any]) -> tuple[dict[str, Any], list[Any], str]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        key = ""
        for fld, index, label in columns:
            cell = cells[index] if index < len(cells) else None
            if type(cell) is str and _clean_valid(fld, cell):
                # Already in stored form (no spaces, upper case) and valid: what the checks return.
                values[fld] = cell
                key = key or cell
                continue
            text = _text(cell)
            if not text:
                values[fld] = ""
                continue
            key = key or compact(text)
            try:
                values[fld] = (validate_upn if fld == "upn" else validate_uln)(text)
            except identifiers.IdentifierError as exc:
                errors.append((label, str(exc)))
        if not errors and not values.get("upn") and not values.get("uln"):
            errors.append(missing)
        return values, errors, key

    return parse


_CLEAN = {
    "upn": re.compile(r"[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]\Z"),
    "uln": re.compile(r"[1-9][0-9]{9}\Z"),
}


_UPN_WEIGHTS = tuple(range(2, 13))
_UPN_ASCII_ZEROS = ord("0") * sum(_UPN_WEIGHTS)
_UPN_LAST = {char: value for value, char in enumerate(identifiers.UPN_ALPHABET)} | {str(d): d for d in range(10)}


def _clean_column(fld: str, cells: tuple[Any, ...]) -> list[Any]:
    """A column of identifier cells: each cell already in stored form and valid as it is (see
    `_clean_valid`), "" for a blank one, None for any other (its row is parsed cell by cell)."""
    match = _CLEAN[fld].match
    if fld == "upn":
        weights, zeros, last, alphabet = _UPN_WEIGHTS, _UPN_ASCII_ZEROS, _UPN_LAST, identifiers.UPN_ALPHABET
        mul = operator.mul
        return [
            cell
            if type(cell) is str
            and match(cell)
            and alphabet[(sum(map(mul, cell[1:12].encode("ascii"), weights)) - zeros + last[cell[12]] * 13) % 23]
            == cell[0]
            else ""
            if _is_blank(cell)
            else None
            for cell in cells
        ]
    return [
        cell if type(cell) is str and _clean_valid(fld, cell) else "" if _is_blank(cell) else None for cell in cells
    ]


def _clean_valid(fld: str, cell: str) -> bool:
    """Whether the cell is a valid identifier exactly as stored (ASCII, upper case, no spaces).
    For a UPN, `identifiers.upn_check_letter` on the ASCII digits' codes (the same sum)."""
    if not _CLEAN[fld].match(cell):
        return False
    if fld == "upn":
        total = sum(map(operator.mul, cell[1:12].encode("ascii"), _UPN_WEIGHTS)) - _UPN_ASCII_ZEROS
        return identifiers.UPN_ALPHABET[(total + _UPN_LAST[cell[12]] * 13) % 23] == cell[0]
    return identifiers.uln_is_valid_checksum(cell)


class RowsParser:
    """`parse_row` for many rows with the same results (values, errors in the same order, key).

    Faster for a whole file: every field but the identifiers depends on its cell alone, and a
    school's file repeats the same few cells (Y, N, 9A, dates…) thousands of times, so each
    distinct text cell of a column is parsed once, and remembered from one `parse` call to the
    next. Other cells (XLSX numbers and dates) are parsed each time: 1, 1.0 and True are equal
    keys but read differently. Rows are handled a column at a time; a row with an error anywhere
    is parsed again cell by cell, so that its errors come in `parse_row`'s order.
    """

    def __init__(self, columns: dict[int, str], today: datetime.date) -> None:
        self.index_of = {fld: index for index, fld in columns.items()}
        self.outcomes = {fld: outcome for fld, outcome in _field_outcomes(today).items() if fld in self.index_of}
        self.names = list(self.outcomes)
        self.seen: dict[str, dict[Any, _Outcome]] = {fld: {} for fld in self.names}
        self.width = max(self.index_of.values(), default=-1) + 1
        self.identifiers = _identifier_parser(self.index_of)

    def _outcome(self, fld: str, cell: Any) -> _Outcome:
        if type(cell) not in _MEMO_TYPES:
            return self.outcomes[fld](cell)
        seen = self.seen[fld]
        if cell not in seen:
            seen[cell] = self.outcomes[fld](cell)
        return seen[cell]

    def parse_one(self, number: int, cells: list[Any]) -> ParsedRow:
        values, errors, key = self.identifiers(cells)
        for fld in self.names:
            index = self.index_of[fld]
            value, error = self._outcome(fld, cells[index] if index < len(cells) else None)
            if error is None:
                values[fld] = value
            else:
                errors.append(error)
        return ParsedRow(number=number, values=values, errors=errors, key=key)

    def parse(self, rows: list[tuple[int, list[Any]]]) -> list[ParsedRow]:
        if not rows:
            return []
        width = self.width
        padded = [cells if len(cells) >= width else [*cells, *([None] * (width - len(cells)))] for _n, cells in rows]
        by_column = list(zip(*padded, strict=False))  # rows have at least `width` cells: a tuple per column
        bad_rows: set[int] = set()
        # The identifiers: a cell already in stored form and valid, or blank, needs no more work;
        # any other cell sends its row to `parse_one` (which also finds a row without either).
        id_names = [fld for fld in ("upn", "uln") if fld in self.index_of]
        id_columns: list[list[Any]] = []
        for fld in id_names:
            column = _clean_column(fld, by_column[self.index_of[fld]])
            bad_rows.update(i for i, value in enumerate(column) if value is None)
            id_columns.append(column)
        keys = [next(filter(None, ids), "") for ids in zip(*id_columns, strict=True)] if len(id_columns) > 1 else None
        if id_columns:
            bad_rows.update(i for i, ids in enumerate(zip(*id_columns, strict=True)) if not any(ids))
        value_columns: list[Any] = list(id_columns)
        for fld in self.names:
            cells = by_column[self.index_of[fld]]
            if set(map(type, cells)) <= _MEMO_TYPES:
                seen = self.seen[fld]
                distinct = set(cells)
                for cell in distinct.difference(seen):
                    seen[cell] = self.outcomes[fld](cell)
                failed = {cell for cell in distinct if seen[cell][1] is not None}
                if failed:
                    bad_rows.update(i for i, cell in enumerate(cells) if cell in failed)
                values = {cell: seen[cell][0] for cell in distinct}
                value_columns.append(list(map(values.__getitem__, cells)))
            else:
                results = [self._outcome(fld, cell) for cell in cells]
                bad_rows.update(i for i, (_value, error) in enumerate(results) if error is not None)
                value_columns.append([value for value, _error in results])
        names = (*id_names, *self.names)
        if keys is None:
            keys = id_columns[0] if id_columns else [""] * len(rows)
        # Each row's values as {field: value} (built in C: `dict(zip(names, values))` row by row).
        gathered: Iterator[dict[str, Any]] = ({} for _ in rows)
        if value_columns:
            gathered = map(dict, map(zip, repeat(names), zip(*value_columns, strict=True)))
        parsed = list(
            map(ParsedRow, [number for number, _cells in rows], gathered, [[] for _ in rows], [{} for _ in rows], keys)
        )
        for i in bad_rows:
            parsed[i] = self.parse_one(*rows[i])
        return parsed


def parse_rows(rows: list[tuple[int, list[Any]]], columns: dict[int, str], today: datetime.date) -> list[ParsedRow]:
    """`parse_row` of every row, with the same results (`RowsParser`)."""
    return RowsParser(columns, today).parse(rows)
