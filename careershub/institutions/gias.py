"""Read a GIAS (Get Information about Schools) CSV download: decode, map, validate, classify.

Everything here is pure: bytes in, plain data out, no database. `careershub.institutions.services`
compares the result with the database and applies it.

What is accepted
----------------
- **Encodings.** UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, and
  Windows-1252, which GIAS uses for its downloads. Text that is neither (or that holds control
  characters, as binary files do) is refused with one message.
- **Size.** At most `MAX_FILE_BYTES` (100 MB); a full national GIAS download is 60 MB or less.
- **Layouts.** Columns are matched by header *name*, never position, ignoring case, spaces and
  punctuation (so `LA (code)`, `la_code` and `LA code` are the same). `COLUMNS` lists every header
  we know for each field; other columns are ignored and listed in the preview. Known layouts:
  the GIAS "all establishment data" download (`edubasealldataYYYYMMDD.csv`), the July-2017 EduBase
  layout (`Establishment name`, `Type of establishment`, `Opening date` …), Trafford Data Lab's
  tidied extract (snake_case, `type` holding the type *group*, lon/lat) and the basic list
  (`urn,name,town,postcode,lead_school,open_date,close_date`).
- **Missing values.** A blank cell, `NA`, `N/A` or `NULL` means "not known"; numeric columns also
  treat GIAS's `SUPP` (suppressed) that way. A row whose every cell is missing is skipped.
- **Formulas.** Values are stored exactly as written: a cell such as `=HYPERLINK(...)` is text
  and nothing here evaluates it (pages escape it on output).

What a row becomes
------------------
`GiasRow.values` holds `Institution` field values for the columns the file *has*; a field whose
column is absent is left out, so importing a thin file never blanks what a richer file set.
A present column is authoritative, blank included (an empty `CloseDate` means "not closed").

- Status comes from the status column; without one, from the close date (and open date) when the
  file has those columns (`status_from_dates`).
- Phase: a file with ages but no phase column (Trafford's) gets a phase *derived from the age
  range* (`phase_from_ages`) in `GiasRow.derived_phase`; the import uses it only where an
  institution has no phase yet.
- Easting/Northing (British National Grid, EPSG:27700) become WGS84 latitude/longitude through
  PROJ (`pyproj`); lat/lon columns, where given, are used as they are.
- Kind (mainstream / special / AP / college / training provider / other) is decided by `classify`
  from the type code, name and group, the FE type, the phase and the age range. The import calls
  it with the file's values laid over the institution's current ones, so a file with only a type
  group does not undo what a file with the precise type established.

A row with any invalid value is rejected whole; each problem is reported with the line number,
the column header as the file spells it, and the reason ("line 14: URN 'ABC' is not a number").
Two or more rows with the same URN are all rejected: the file does not say which one is right.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from careershub.institutions.models import EstablishmentStatus, InstitutionKind

#: Files larger than this are refused before any parsing (100 MB; GIAS's full file is under 60 MB).
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Cell values that mean "not known".
MISSING = frozenset({"", "NA", "N/A", "NULL"})
#: GIAS marks some suppressed figures (e.g. PercentageFSM for tiny schools) "SUPP".
MISSING_NUMBER = MISSING | {"SUPP"}

TYPES_CSV = Path(__file__).resolve().parent / "data" / "gias_establishment_types_20250109.csv"


class GiasFileError(ValueError):
    """The file as a whole cannot be read; the message says why, for the person who sent it."""


# Text normalisation ----------------------------------------------------------------------------


def header_key(header: str) -> str:
    """`'LA (code)'`, `'la_code'` and `'LA code'` → `'lacode'`: lower case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


_TOKEN_ALIASES = {"la": "local authority", "lea": "local authority", "schs": "schools", "sch": "school"}


@functools.lru_cache(maxsize=2048)
def normalise(text: str) -> str:
    """Lower-case words without accents or punctuation, for comparing GIAS names.

    "Free Schools - 16-19" and "Free schools 16 to 19" both become "free schools 16 19";
    "LA Nursery School" becomes "local authority nursery school".
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text).split()
    joined = " ".join(_TOKEN_ALIASES.get(word, word) for word in words)
    return re.sub(r"\b(\d+) to (\d+)\b", r"\1 \2", joined)


# Establishment types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EstablishmentType:
    code: str
    name: str
    group: str


@functools.cache
def establishment_types() -> dict[str, EstablishmentType]:
    """GIAS TypeOfEstablishment code → name and group, from `data/gias_establishment_types_*.csv`."""
    types: dict[str, EstablishmentType] = {}
    with TYPES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = str(int(row["type-of-establishment-code"]))
            types.setdefault(
                code,
                EstablishmentType(code, row["type-of-establishment-name"], row["establishment-type-group-name"]),
            )
    return types


@functools.cache
def _group_by_type_name() -> dict[str, str]:
    return {normalise(t.name): t.group for t in establishment_types().values()}


# Classification --------------------------------------------------------------------------------
#
# The rules, in order; the first that matches decides. Each looks at the type name and the type
# group after `normalise` (so case, punctuation and "16-19" / "16 to 19" do not matter).
#
#  1. "training provider" in the type, group or FE type      → independent training provider
#     (GIAS has no such type today; the rule is there for when it does).
#  2. Out of scope for Careers Hubs: Welsh establishments, offshore and British schools
#     overseas, service children's education, higher education / universities, online
#     providers, secure units and secure academies, children's centres, early years,
#     "Miscellaneous", institutions funded by other government departments  → other
#  3. "pupil referral" or "alternative provision"            → alternative provision
#  4. the word "special" (not "specialist") in type or group → special school
#     (so independent special schools and special post-16 institutions are special)
#  5. group "Colleges", or "further education", "sixth form" or "16-19" in the type
#                                                            → FE or sixth-form college
#  6. "city technology college"                              → mainstream school (state-funded,
#     although GIAS puts it in the Independent schools group)
#  7. "independent" in type or group                         → other
#  8. "nursery" in the type                                  → other
#  9. primary only: phase Nursery, Primary or Middle deemed primary, or (with no usable phase)
#     a highest statutory age of 11 or under                 → other
# 10. a state-funded mainstream group (Local authority maintained schools, Academies, Free
#     Schools) or type (community, voluntary, foundation, academy, free school, university
#     technical college, studio school)                      → mainstream school
# 11. anything else, or no type information at all          → other

_OUT_OF_SCOPE = re.compile(
    r"\b(welsh|offshore|overseas|service children|higher education|universities|online provider|secure"
    r"|children s centre\w*|early years?|miscellaneous|other government department)\b"
)
_AP = re.compile(r"\b(pupil referral|alternative provision)\b")
_SPECIAL = re.compile(r"\bspecial\b")
_COLLEGE = re.compile(r"\b(further education|sixth form|16 19)\b")
_MAINSTREAM_GROUPS = frozenset({"local authority maintained schools", "academies", "free schools"})
_MAINSTREAM_TYPE = re.compile(
    r"\b(community|voluntary|foundation|academy|free schools?|university technical|studio|technology college)\b"
)
_INDEPENDENT = re.compile(r"\bindependent\b")
_PRIMARY_PHASES = frozenset({"nursery", "primary", "middle deemed primary"})


def classify(
    *,
    type_code: str = "",
    type_name: str = "",
    type_group: str = "",
    further_education_type: str = "",
    phase: str = "",
    statutory_high_age: int | None = None,
) -> InstitutionKind:
    """The `InstitutionKind` for an establishment type; see the numbered rules above."""
    known = establishment_types().get(type_code.lstrip("0") or type_code) if type_code else None
    name = normalise(type_name or (known.name if known else ""))
    group = normalise(type_group or (known.group if known else "") or _group_by_type_name().get(name, ""))
    fe_type = normalise(further_education_type)
    texts = (name, group)

    def has(pattern: re.Pattern[str]) -> bool:
        return any(pattern.search(text) for text in texts)

    if not name and not group:
        return InstitutionKind.OTHER
    if "training provider" in name or "training provider" in group or "training provider" in fe_type:
        return InstitutionKind.TRAINING_PROVIDER
    if has(_OUT_OF_SCOPE):
        return InstitutionKind.OTHER
    if has(_AP):
        return InstitutionKind.ALTERNATIVE_PROVISION
    if has(_SPECIAL):
        return InstitutionKind.SPECIAL_SCHOOL
    if group == "colleges" or _COLLEGE.search(name):
        return InstitutionKind.COLLEGE
    if "city technology college" in name:
        return InstitutionKind.MAINSTREAM_SCHOOL
    if has(_INDEPENDENT) or "nursery" in name:
        return InstitutionKind.OTHER
    if is_primary_only(phase=phase, statutory_high_age=statutory_high_age):
        return InstitutionKind.OTHER
    if group in _MAINSTREAM_GROUPS or _MAINSTREAM_TYPE.search(name):
        return InstitutionKind.MAINSTREAM_SCHOOL
    return InstitutionKind.OTHER


def is_primary_only(*, phase: str, statutory_high_age: int | None) -> bool:
    phase_key = normalise(phase)
    if phase_key in _PRIMARY_PHASES:
        return True
    return phase_key in {"", "not applicable"} and statutory_high_age is not None and statutory_high_age <= 11


def phase_from_ages(low: int | None, high: int | None) -> str:
    """A GIAS phase name from a statutory age range, for files without a phase column.

    Approximate, by the usual school ages: up to 5 Nursery; from 16 "16 plus"; up to 11 Primary;
    from 11 Secondary; ranges across 11 ending at 12 "Middle deemed primary", at 13 or 14
    "Middle deemed secondary", later "All-through". Special schools and PRUs, which GIAS records
    as "Not applicable", come out by their ages. Empty when an age is missing or low > high.
    """
    if low is None or high is None or low > high:
        return ""
    if high <= 5:
        return "Nursery"
    if low >= 16:
        return "16 plus"
    if high <= 11:
        return "Primary"
    if low >= 11:
        return "Secondary"
    if high <= 12:
        return "Middle deemed primary"
    if high <= 14:
        return "Middle deemed secondary"
    return "All-through"


_STATUSES = {
    "open": EstablishmentStatus.OPEN,
    "open but proposed to close": EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE,
    "proposed to open": EstablishmentStatus.PROPOSED_TO_OPEN,
    "closed": EstablishmentStatus.CLOSED,
}


def status_from_dates(
    *, opened_on: datetime.date | None, closed_on: datetime.date | None, today: datetime.date
) -> EstablishmentStatus:
    """Closed once the close date has passed; open but proposed to close before it; proposed to
    open before the open date; otherwise open."""
    if closed_on is not None:
        return EstablishmentStatus.CLOSED if closed_on <= today else EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE
    if opened_on is not None and opened_on > today:
        return EstablishmentStatus.PROPOSED_TO_OPEN
    return EstablishmentStatus.OPEN


# Coordinates -----------------------------------------------------------------------------------


@functools.cache
def _bng_transformer() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def bng_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """British National Grid (OSGB36, EPSG:27700) metres → WGS84 (latitude, longitude), 6 places.

    PROJ picks the best transformation it has: OSTN15 where its grid is installed, otherwise
    the 7-parameter Helmert transformation (EPSG:1314, about 2 m), ample for mapping schools.
    """
    longitude, latitude = _bng_transformer().transform(easting, northing)
    return round(latitude, 6), round(longitude, 6)


# Cell parsers ----------------------------------------------------------------------------------


class Invalid(ValueError):
    """A cell value that cannot be used; the message completes "<Header> '<value>' …"."""


def _show(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def parse_date(value: str) -> datetime.date:
    """DD-MM-YYYY (GIAS), DD/MM/YYYY (EduBase 2017) or YYYY-MM-DD."""
    for pattern, order in (
        (r"(\d{1,2})-(\d{1,2})-(\d{4})", "dmy"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "dmy"),
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
    ):
        match = re.fullmatch(pattern, value)
        if match:
            first, second, third = (int(part) for part in match.groups())
            day, month, year = (first, second, third) if order == "dmy" else (third, second, first)
            try:
                return datetime.date(year, month, day)
            except ValueError:
                break
    raise Invalid("is not a date")


def _text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise Invalid(f"is longer than {max_length} characters")
        return value

    return parse


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"\d+", value):
            raise Invalid("is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise Invalid(f"is not between {low} and {high}")
        return number

    return parse


def _decimal(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise Invalid("is not a number") from None
        if number != number or not low <= number <= high:  # NaN, or out of range
            raise Invalid(f"is not between {low:g} and {high:g}")
        return number

    return parse


def parse_urn(value: str) -> int:
    if value.upper().startswith("EY"):
        raise Invalid("is an early-years URN; early-years providers are not imported")
    if not re.fullmatch(r"\d+", value):
        raise Invalid("is not a number")
    if len(value.lstrip("0")) > 7 or int(value) == 0:
        raise Invalid("is not a URN (1 to 7 digits)")
    return int(value)


def parse_la_code(value: str) -> str:
    if not re.fullmatch(r"\d{1,3}", value):
        raise Invalid("is not a 3-digit LA code")
    return value.zfill(3)


def parse_type_code(value: str) -> str:
    if not re.fullmatch(r"\d{1,4}", value):
        raise Invalid("is not an establishment type code")
    return str(int(value))


def parse_percent(value: str) -> Decimal:
    try:
        number = Decimal(value.rstrip("%").strip())
    except InvalidOperation:
        raise Invalid("is not a percentage") from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        raise Invalid("is not between 0 and 100")
    return number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def parse_ukprn(value: str) -> str:
    if not re.fullmatch(r"1\d{7}", value):
        raise Invalid("is not a UKPRN (8 digits starting with 1)")
    return value


def parse_gss_code(value: str) -> str:
    if not re.fullmatch(r"[A-Z]\d{8}", value.upper()):
        raise Invalid("is not a GSS code (a letter and 8 digits)")
    return value.upper()


def parse_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{2,8}", compact):
        raise Invalid("is not a postcode")
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def parse_status(value: str) -> EstablishmentStatus:
    status = _STATUSES.get(normalise(value))
    if status is None:
        raise Invalid("is not a status we know (Open; Open, but proposed to close; Proposed to open; Closed)")
    return status


# Column map ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One field we read, the headers it may have (first match wins), and how to read a cell."""

    key: str
    headers: tuple[str, ...]
    parse: Callable[[str], Any]
    numeric: bool = False  # also treat "SUPP" as missing
    empty: Any = ""  # the value for a missing cell: "" for text fields, None for the rest


COLUMNS: tuple[Column, ...] = (
    Column("urn", ("URN", "unique_reference_number"), parse_urn, empty=None),
    Column("name", ("EstablishmentName", "Establishment name", "name", "SchoolName"), _text(255)),
    Column("la_code", ("LA (code)", "Local authority (code)", "local_authority_code", "LA code"), parse_la_code),
    Column("la_name", ("LA (name)", "Local authority (name)", "local_authority_name", "LA name"), _text(150)),
    Column("type_code", ("TypeOfEstablishment (code)",), parse_type_code),
    Column("type_name", ("TypeOfEstablishment (name)", "Type of establishment", "TypeOfEstablishment"), _text(120)),
    Column(
        "type_group",
        ("EstablishmentTypeGroup (name)", "Establishment type group", "EstablishmentTypeGroup", "type"),
        _text(120),
    ),
    Column(
        "status",
        ("EstablishmentStatus (name)", "Establishment status", "EstablishmentStatus"),
        parse_status,
        empty=EstablishmentStatus.UNKNOWN,
    ),
    Column("opened_on", ("OpenDate", "Opening date", "open_date"), parse_date, empty=None),
    Column("closed_on", ("CloseDate", "Closing date", "close_date"), parse_date, empty=None),
    Column("phase", ("PhaseOfEducation (name)", "Phase of education", "PhaseOfEducation", "phase"), _text(60)),
    Column(
        "statutory_low_age",
        ("StatutoryLowAge", "Statutory lowest age", "lowest_admission_age"),
        _whole_number(0, 99),
        numeric=True,
        empty=None,
    ),
    Column(
        "statutory_high_age",
        ("StatutoryHighAge", "Statutory highest age", "highest_admission_age"),
        _whole_number(0, 99),
        numeric=True,
        empty=None,
    ),
    Column(
        "number_of_pupils",
        ("NumberOfPupils", "number_of_pupils"),
        _whole_number(0, 1_000_000_000),
        numeric=True,
        empty=None,
    ),
    Column("percent_fsm", ("PercentageFSM", "percent_fsm"), parse_percent, numeric=True, empty=None),
    Column("ukprn", ("UKPRN",), parse_ukprn, numeric=True),
    Column(
        "further_education_type",
        ("FurtherEducationType (name)", "Further education type", "FurtherEducationType"),
        _text(120),
    ),
    Column("street", ("Street",), _text(200)),
    Column("town", ("Town",), _text(100)),
    Column("postcode", ("Postcode",), parse_postcode),
    Column("website", ("SchoolWebsite", "Website address", "website"), _text(255)),
    Column("region_name", ("GOR (name)", "Region"), _text(100)),
    Column("gss_la_code", ("GSSLACode (name)", "GSSLACode"), parse_gss_code),
    Column("ofsted_rating", ("OfstedRating (name)", "Ofsted rating", "ofsted_rating"), _text(60)),
    Column("easting", ("Easting",), _decimal(0, 800_000), numeric=True, empty=None),
    Column("northing", ("Northing",), _decimal(0, 1_400_000), numeric=True, empty=None),
    Column("latitude", ("lat", "latitude"), _decimal(-90, 90), numeric=True, empty=None),
    Column("longitude", ("lon", "long", "longitude", "lng"), _decimal(-180, 180), numeric=True, empty=None),
)
_BY_HEADER: dict[str, tuple[int, Column]] = {}
for _column in COLUMNS:
    for _priority, _header in enumerate(_column.headers):
        _BY_HEADER.setdefault(header_key(_header), (_priority, _column))

#: Institution fields we fill, in the order the preview lists them.
FIELDS = (
    "name",
    "la_code",
    "la_name",
    "type_code",
    "type_name",
    "type_group",
    "further_education_type",
    "phase",
    "status",
    "opened_on",
    "closed_on",
    "statutory_low_age",
    "statutory_high_age",
    "number_of_pupils",
    "percent_fsm",
    "ukprn",
    "street",
    "town",
    "postcode",
    "website",
    "region_name",
    "gss_la_code",
    "ofsted_rating",
    "latitude",
    "longitude",
)


# Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """One problem with one row: the line it starts on, the column header, the value and why."""

    line: int
    field: str
    value: str
    reason: str
    urn: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "value": self.value, "reason": self.reason, "urn": self.urn}


@dataclass
class GiasRow:
    line: int
    urn: int
    values: dict[str, Any]
    derived_phase: str = ""


@dataclass
class GiasFile:
    encoding: str
    columns: dict[str, str]  # our key → the header as the file spells it
    ignored_columns: list[str]
    rows: list[GiasRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    data_rows: int = 0  # rows read, valid or not, not counting empty ones
    empty_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rejected_lines(self) -> int:
        return len({r.line for r in self.rejections})

    @property
    def has_type(self) -> bool:
        return any(key in self.columns for key in ("type_code", "type_name", "type_group"))

    @property
    def fields(self) -> list[str]:
        """Institution fields this file sets (kind and the local authority link follow from them)."""
        present = set(self.columns) - {"latitude", "longitude"}
        if {"easting", "northing"} <= set(self.columns) or {"latitude", "longitude"} <= set(self.columns):
            present |= {"latitude", "longitude"}
        if "closed_on" in present:
            present.add("status")
        return [name for name in FIELDS if name in present]


# Decoding --------------------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "The file is a PDF document, not a CSV file."),
    (b"PK\x03\x04", "The file is a ZIP archive or an Excel workbook, not a CSV file. Save it as CSV and try again."),
    (b"\xd0\xcf\x11\xe0", "The file is an old-style Excel or Word document, not a CSV file."),
    (b"\x1f\x8b", "The file is compressed (gzip), not a CSV file."),
    (b"\x89PNG", "The file is a PNG image, not a CSV file."),
    (b"\xff\xd8\xff", "The file is a JPEG image, not a CSV file."),
    (b"{\\rtf", "The file is a Rich Text document, not a CSV file."),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the name of its encoding, or `GiasFileError`."""
    if len(data) > MAX_FILE_BYTES:
        raise GiasFileError(f"The file is larger than the limit of {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise GiasFileError("The file is empty.")
    for signature, message in _SIGNATURES:
        if data.startswith(signature):
            raise GiasFileError(message)
    text, encoding = _decode_text(data)
    start = text.lstrip()[:20].lower()
    if start.startswith(("<!doctype html", "<html", "<head", "<body")):
        raise GiasFileError("The file is a web page (HTML), not a CSV file. Download the CSV from GIAS again.")
    if start.startswith("<?xml"):
        raise GiasFileError("The file is XML, not a CSV file.")
    if _CONTROL.search(text):
        raise GiasFileError("The file contains control characters, so it is not a CSV text file.")
    return text, encoding


def _decode_text(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise GiasFileError("The file says it is UTF-16 but is not valid UTF-16 text.") from None
    if b"\x00" in data:
        raise GiasFileError("The file contains binary data (NUL bytes), so it is not a CSV file.")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with byte-order mark"
        except UnicodeDecodeError:
            raise GiasFileError("The file says it is UTF-8 but is not valid UTF-8 text.") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise GiasFileError(
            "The file is not text we can read: it is neither UTF-8 nor Windows-1252 (the encodings GIAS downloads use)."
        ) from None


# Reading ---------------------------------------------------------------------------------------


def _delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def map_columns(headers: list[str]) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """Our key → (index, header) for each header we know, and the headers we ignore."""
    chosen: dict[str, tuple[int, int, str]] = {}  # key → (priority, index, header)
    ignored: list[str] = []
    for index, header in enumerate(headers):
        match = _BY_HEADER.get(header_key(header))
        if match is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        priority, column = match
        current = chosen.get(column.key)
        if current is None or priority < current[0]:
            if current is not None:
                ignored.append(current[2])
            chosen[column.key] = (priority, index, header.strip())
        else:
            ignored.append(header.strip())
    return {key: (index, header) for key, (_, index, header) in chosen.items()}, ignored


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells) for each record after the header."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = "a quoted value starts there and is never closed" if "end of data" in str(exc) else str(exc)
            raise GiasFileError(f"Line {start} cannot be read as CSV: {reason}.") from None
        yield start, cells


def read_gias_file(data: bytes, *, today: datetime.date | None = None) -> GiasFile:
    """Decode, map and validate a GIAS CSV. Raises `GiasFileError` for a file that cannot be used."""
    text, encoding = decode(data)
    today = today or datetime.date.today()
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    try:
        headers = next(reader)
        while not any(cell.strip() for cell in headers):
            headers = next(reader)
    except StopIteration:
        raise GiasFileError("The file is empty.") from None
    except csv.Error as exc:
        raise GiasFileError(f"The header row cannot be read as CSV ({exc}).") from None
    mapped, ignored = map_columns(headers)
    if "urn" not in mapped:
        if len(headers) < 2:
            raise GiasFileError(
                "The file is not a CSV file of establishments: its first line has no commas and no URN column."
            )
        shown = ", ".join(h.strip() for h in headers[:8] if h.strip()) + ("…" if len(headers) > 8 else "")
        raise GiasFileError(f"The file has no URN column, so it is not a GIAS download. Its columns are: {shown}.")
    result = GiasFile(
        encoding=encoding, columns={key: header for key, (_, header) in mapped.items()}, ignored_columns=ignored
    )
    for line, cells in _records(reader):
        if all(cell.strip() in MISSING for cell in cells):
            result.empty_rows += 1
            continue
        result.data_rows += 1
        row = _read_row(line, cells, len(headers), mapped, today)
        if isinstance(row, GiasRow):
            result.rows.append(row)
        else:
            result.rejections.extend(row)
    if result.data_rows == 0:
        raise GiasFileError("The file has a header row but no rows of data.")
    _reject_duplicates(result)
    result.notes = _notes(result)
    return result


def _read_row(
    line: int, cells: list[str], width: int, mapped: dict[str, tuple[int, str]], today: datetime.date
) -> GiasRow | list[Rejection]:
    if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
        cells = cells[:width]  # trailing empty cells, as some spreadsheets write
    if len(cells) != width:
        return [
            Rejection(line, "", "", f"the row has {len(cells)} values but the header has {width} columns"),
        ]
    values: dict[str, Any] = {}
    problems: list[tuple[int, str, str, str]] = []  # (column index, header, value, reason)
    for column in COLUMNS:
        if column.key not in mapped:
            continue
        index, header = mapped[column.key]
        value = cells[index].strip()
        if value in (MISSING_NUMBER if column.numeric else MISSING):
            values[column.key] = column.empty
            if column.key in _REQUIRED:
                problems.append((index, header, "", f"{header} is missing"))
            continue
        try:
            values[column.key] = column.parse(value)
        except Invalid as exc:
            problems.append((index, header, value, f"{header} '{_show(value)}' {exc}"))
    urn = values.get("urn")
    if problems:
        return [Rejection(line, header, value, reason, urn) for _, header, value, reason in sorted(problems)]
    assert isinstance(urn, int)
    return _finish_row(line, urn, values, today)


_ABSENT = object()
_REQUIRED = frozenset({"urn", "name"})


def _finish_row(line: int, urn: int, values: dict[str, Any], today: datetime.date) -> GiasRow:
    values.pop("urn")
    has_grid = "easting" in values and "northing" in values
    easting, northing = values.pop("easting", None), values.pop("northing", None)
    latitude, longitude = values.pop("latitude", _ABSENT), values.pop("longitude", _ABSENT)
    if latitude is not _ABSENT and longitude is not _ABSENT:  # both columns: used as given
        if latitude is None or longitude is None:
            values["latitude"] = values["longitude"] = None
        else:
            values["latitude"], values["longitude"] = round(latitude, 6), round(longitude, 6)
    elif has_grid:
        if easting is None or northing is None:
            values["latitude"] = values["longitude"] = None
        else:
            values["latitude"], values["longitude"] = bng_to_wgs84(easting, northing)
    if "status" not in values and "closed_on" in values:
        values["status"] = status_from_dates(
            opened_on=values.get("opened_on"), closed_on=values["closed_on"], today=today
        )
    derived = ""
    if "phase" not in values and ("statutory_low_age" in values or "statutory_high_age" in values):
        derived = phase_from_ages(values.get("statutory_low_age"), values.get("statutory_high_age"))
    return GiasRow(line=line, urn=urn, values=values, derived_phase=derived)


def _reject_duplicates(result: GiasFile) -> None:
    lines_by_urn: dict[int, list[int]] = defaultdict(list)
    for row in result.rows:
        lines_by_urn[row.urn].append(row.line)
    for rejection in result.rejections:
        if rejection.urn is not None:
            lines_by_urn[rejection.urn].append(rejection.line)
    duplicated = {urn: sorted(set(lines)) for urn, lines in lines_by_urn.items() if len(set(lines)) > 1}
    if not duplicated:
        return
    header = result.columns["urn"]
    kept: list[GiasRow] = []
    for row in result.rows:
        lines = duplicated.get(row.urn)
        if lines is None:
            kept.append(row)
            continue
        others = ", ".join(str(n) for n in lines if n != row.line)
        result.rejections.append(
            Rejection(
                row.line,
                header,
                str(row.urn),
                f"{header} {row.urn} appears more than once in the file (also on line {others})",
                row.urn,
            )
        )
    result.rows = kept
    result.rejections.sort(key=lambda r: r.line)


def _notes(result: GiasFile) -> list[str]:
    columns = result.columns
    notes: list[str] = []
    if "status" not in columns and "closed_on" in columns:
        notes.append("The file has no status column: status follows from the close date (and open date).")
    if "phase" not in columns and ("statutory_low_age" in columns or "statutory_high_age" in columns):
        notes.append(
            "The file has no phase column: a phase derived from the age range is given only to "
            "establishments that have no phase yet."
        )
    if columns.get("type_group", "").strip().lower() == "type":
        notes.append("The 'type' column is read as the establishment type group (as in Trafford Data Lab's extract).")
    if not result.has_type:
        notes.append("The file has no establishment type: the kind of existing establishments is kept.")
    if "easting" in columns and "northing" in columns and "latitude" not in columns:
        notes.append("Easting and Northing (British National Grid) are converted to latitude and longitude.")
    if result.empty_rows:
        notes.append(f"{result.empty_rows} empty row{'s' if result.empty_rows != 1 else ''} skipped.")
    return notes
