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
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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
        trailing_empty = 0
        source = _xlsx_rows(self._data) if self.file_format == "xlsx" else _csv_rows(self._text or "")
        for number, cells in source:
            if number <= self.header_row:
                continue
            if all(_is_blank(cell) for cell in cells):
                self.empty_rows += 1
                trailing_empty += 1
                if trailing_empty >= MAX_TRAILING_EMPTY_ROWS:
                    break
                continue
            trailing_empty = 0
            count += 1
            if count > MAX_ROWS:
                raise MisFileError(f"The file has more than {MAX_ROWS:,} rows of learners. Split it and try again.")
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


def open_table(data: bytes) -> Table:
    """Check the file and read its header row. Raises MisFileError with a message for the user."""
    if not data:
        raise MisFileError("The selected file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise MisFileError(f"The file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
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
        file_format=file_format, encoding=encoding, headers=headers, header_row=header_row, _data=data, _text=text
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


@dataclass
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


def parse_date(value: Any, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = _text(value)
        if not text:
            raise ValueError("is missing")
        parsed = _parse_date_text(text)
        if parsed is None:
            raise ValueError(f"'{text}' is not a date like 31/12/2010")
        day = parsed
    if not _EARLIEST_BIRTH <= day <= today:
        raise ValueError(f"{day:%d/%m/%Y} is not a plausible date of birth")
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
