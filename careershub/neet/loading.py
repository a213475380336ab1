"""Read, validate and load DfE's published NEET, participation and destination files.

`read_published(folder)` parses every file named in `data/measures.yaml` and checks it: a problem
is reported with the file, the line and the field, and stops the load before anything is written.
`services.load_figures` then applies the whole set in one transaction (see there), so a broken
file changes nothing and loading the same files again changes nothing either.

Values are kept exactly as published: a number is stored with the text DfE printed (LAIT's binary
float artefacts, such as 4.0999999999999996, become the published decimal they stand for, 4.1); a
suppression or availability symbol ("c", "x", "z", "-", "low" ...) is kept as
the marker with no value, never turned into a zero. An empty cell means nothing was published:
no figure is made.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from careershub.neet.models import Level, Unit

DATA_DIR = Path(__file__).resolve().parent / "data"
MEASURES_FILE = "measures.yaml"
LAIT_DICTIONARY = "dfe_lait_data_dictionary_neet.csv"
LAD_LOOKUP = "lad_to_la.csv"

#: Symbols DfE and the GOV.UK statistics style use instead of a number.
MARKERS = frozenset({"c", "x", "z", "u", "k", "low", ":", "-", "~", ".."})
ENGLAND = ("E92000001", "England")
#: LAIT's own codes for England and regions (it has no GSS codes).
LAIT_ENGLAND = "970"
LAIT_REGION_CODES = frozenset(str(code) for code in range(980, 991))
#: Placeholder rows in DfE's scorecard dashboard files ("Region demo", "LA demo"): not statistics.
PLACEHOLDER = re.compile(r"\bdemo\b", re.IGNORECASE)
MAX_PROBLEMS = 50
MAX_PERCENT = Decimal(150)


Span = tuple[str, int, int]  # DfE LA code, first year, last year


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class NeetDataError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    source: str
    column: str
    name: str
    unit: str
    decimal_places: int | None
    polarity: str
    denominator: str
    description: str


@dataclass(frozen=True)
class FigureRow:
    measure: str
    level: str
    area_code: str
    area_name: str
    la_code: str
    region_name: str
    period: str
    year: int
    value: Decimal | None
    marker: str
    published: str
    numerator: Decimal | None
    denominator: Decimal | None
    source_file: str
    source_row: int

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.measure, self.level, self.area_code, self.period)


@dataclass
class Published:
    """Everything read from the files, checked."""

    measures: list[MeasureSpec]
    sources: dict[str, dict[str, Any]]
    rows: list[FigureRow]
    files: list[dict[str, Any]]
    skipped: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256("".join(f["sha256"] for f in self.files).encode()).hexdigest()


def read_data_file(path: Path) -> bytes | None:
    """A data file's bytes, or None when it is missing. `name.csv` may be kept compressed beside
    the others as `name.csv.gz` (the LAIT extract is, to keep the repository small); the bytes,
    and so the fingerprint, are those of the CSV either way."""
    if path.exists():
        return path.read_bytes()
    packed = path.with_name(path.name + ".gz")
    if packed.exists():
        return gzip.decompress(packed.read_bytes())
    return None


class _Reader:
    def __init__(self, folder: Path, region_names: dict[str, tuple[str, str]]) -> None:
        self.folder = folder
        self.region_names = region_names  # lower-case name -> (GSS code, name)
        self.problems: list[Problem] = []
        self.rows: dict[tuple[str, str, str, str], FigureRow] = {}
        self.skipped: list[str] = []
        self.files: list[dict[str, Any]] = []

    def problem(self, file: str, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(file, line, column, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise NeetDataError(self.problems)

    def open_csv(self, name: str, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            data = read_data_file(self.folder / name)
        except (OSError, EOFError) as exc:
            self.problem(name, 0, "", f"could not be read ({exc})")
            return
        if data is None:
            self.problem(name, 0, "", "the file is missing")
            return
        self.files.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.problem(name, 0, "", f"is not UTF-8 text ({exc.reason} at byte {exc.start})")
            return
        reader = csv.DictReader(text.splitlines())
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            self.problem(name, 1, ", ".join(missing), "column missing from the header")
            return
        for index, row in enumerate(reader, start=2):
            if None in row:
                self.problem(name, index, "", f"has {len(header) + len(row[None])} cells, the header {len(header)}")  # type: ignore[index]
                continue
            yield index, row

    def value(self, text: str, spec: MeasureSpec, file: str, line: int) -> tuple[Decimal | None, str, str] | None:
        """(value, marker, published text) of a cell; None for an empty cell (nothing published)."""
        text = text.strip()
        if text == "" or text.upper() == "NA":
            return None
        if text.lower() in MARKERS:
            return None, text, text
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.problem(file, line, spec.column, f"{text!r} is neither a number nor a published symbol")
            return None
        if not number.is_finite():
            self.problem(file, line, spec.column, f"{text!r} is not a finite number")
            return None
        published = text
        if "." in text and len(text.split(".")[1]) > 4:
            # A binary float artefact (4.0999999999999996 is 4.1), or a figure the file holds
            # unrounded (LAIT's 2018 NEET rates), which DfE shows to `decimal_places` (1).
            published = shortest_decimal(float(text)) or f"{float(text):.{spec.decimal_places or 1}f}"
            number = Decimal(published)
        # DfE does publish percentages a little over 100 (September Guarantee offers, 100.2, are
        # counted against a cohort taken at another date), so only impossible values are refused.
        if spec.unit == Unit.PERCENT and not Decimal(0) <= number <= MAX_PERCENT:
            self.problem(file, line, spec.column, f"{text} is not a percentage between 0 and {MAX_PERCENT}")
        if spec.unit == Unit.COUNT and number < 0:
            self.problem(file, line, spec.column, f"{text} is a negative count")
        return number, "", published

    def add(self, row: FigureRow) -> None:
        if row.key in self.rows:
            first = self.rows[row.key]
            self.problem(
                row.source_file,
                row.source_row,
                "",
                f"repeats {row.measure} for {row.area_name} {row.period} (first on line {first.source_row} of "
                f"{first.source_file})",
            )
            return
        self.rows[row.key] = row

    # Scorecard -----------------------------------------------------------------------------

    def scorecard(self, name: str, measures: list[MeasureSpec]) -> None:
        required = ["time_period", "geographic_level", "region_code", "region_name", "old_la_code", "la_name"]
        present_columns: list[str] = []
        path = self.folder / name
        if path.exists():
            with path.open(newline="", encoding="utf-8-sig") as handle:
                present_columns = next(csv.reader(handle), [])
        wanted = [m for m in measures if m.column in present_columns]
        by_code = {m.code: m for m in measures}
        core = ["Cohort_DJFavg", "NEET_not_known_percent", "NEET_percent", "Notknown_percent"]
        for line, row in self.open_csv(name, required + core):
            period = row["time_period"].strip()
            if not re.fullmatch(r"\d{4}", period):
                self.problem(name, line, "time_period", f"{period!r} is not a year")
                continue
            level_text = row["geographic_level"].strip()
            if level_text == "National":
                level, code, area, la, region = Level.NATIONAL, *ENGLAND, "", ""
            elif level_text == "Regional":
                level, code, area, la, region = (
                    Level.REGION,
                    row["region_code"].strip(),
                    row["region_name"].strip(),
                    "",
                    row["region_name"].strip(),
                )
            elif level_text == "Local authority":
                la = row["old_la_code"].strip()
                level, code, area, region = (
                    Level.LOCAL_AUTHORITY,
                    la,
                    row["la_name"].strip(),
                    row["region_name"].strip(),
                )
            else:
                self.problem(
                    name, line, "geographic_level", f"{level_text!r} is not National, Regional or Local authority"
                )
                continue
            if not code:
                if PLACEHOLDER.search(area or row["region_name"]):
                    self.skipped.append(f"{name}, line {line}: placeholder row {area or row['region_name']!r} skipped")
                    continue
                self.problem(name, line, "old_la_code" if level == Level.LOCAL_AUTHORITY else "region_code", "missing")
                continue
            if level == Level.LOCAL_AUTHORITY and not re.fullmatch(r"\d{3}", code):
                self.problem(name, line, "old_la_code", f"{code!r} is not a 3-digit DfE LA code")
                continue
            cohort = self.value(row.get("Cohort_DJFavg", ""), by_code["sc_cohort"], name, line)
            for spec in wanted:
                parsed = self.value(row[spec.column], spec, name, line)
                if parsed is None:
                    continue
                value, marker, published = parsed
                denominator = cohort[0] if spec.denominator == "sc_cohort" and cohort else None
                self.add(
                    FigureRow(
                        spec.code,
                        level,
                        code,
                        area,
                        la,
                        region,
                        period,
                        int(period),
                        value,
                        marker,
                        published,
                        None,
                        denominator,
                        name,
                        line,
                    )
                )

    # LAIT ----------------------------------------------------------------------------------

    def lait(self, name: str, measures: list[MeasureSpec]) -> None:
        by_column = {m.column: m for m in measures}
        required = ["measure_short", "years", "area_name", "la_number_old_code", "region", "value"]
        for line, row in self.open_csv(name, required):
            spec = by_column.get(row["measure_short"])
            if spec is None:
                continue
            years = row["years"].strip()
            match = re.match(r"^(\d{4})(?:-(\d{2}))?", years)
            if not match:
                self.problem(name, line, "years", f"{years!r} does not start with a year")
                continue
            year = int(match.group(1)) + (1 if match.group(2) else 0)
            la = row["la_number_old_code"].strip()
            area = row["area_name"].strip()
            if la == LAIT_ENGLAND:
                level, code, area, la_code, region = Level.NATIONAL, ENGLAND[0], ENGLAND[1], "", ""
            elif la in LAIT_REGION_CODES:
                gss, known = self.region_names.get(area.lower(), (la, area))
                level, code, area, la_code, region = Level.REGION, gss, known, "", known
            elif re.fullmatch(r"\d{3}", la):
                level, code, la_code, region = Level.LOCAL_AUTHORITY, la, la, row["region"].strip()
            else:
                self.problem(name, line, "la_number_old_code", f"{la!r} is not a 3-digit DfE LA code")
                continue
            parsed = self.value(row["value"], spec, name, line)
            if parsed is None:
                continue
            value, marker, published = parsed
            self.add(
                FigureRow(
                    spec.code,
                    level,
                    code,
                    area,
                    la_code,
                    region,
                    years,
                    year,
                    value,
                    marker,
                    published,
                    None,
                    None,
                    name,
                    line,
                )
            )

    # KS4 destination counts by district ------------------------------------------------------

    def ks4_districts(
        self, name: str, measures: list[MeasureSpec], lookup: dict[str, list[tuple[str, int, int]]]
    ) -> None:
        required = ["time_period", "region_name", "lad_code", "lad_name", "institution_group", "breakdown"]
        required += [m.column for m in measures]
        by_code = {m.code: m for m in measures}
        for line, row in self.open_csv(name, required):
            period = row["time_period"].strip()
            if not re.fullmatch(r"\d{6}", period):
                self.problem(name, line, "time_period", f"{period!r} is not an academic year such as 202122")
                continue
            lad = row["lad_code"].strip()
            if not re.fullmatch(r"E0[6-9]\d{6}", lad):
                self.problem(name, line, "lad_code", f"{lad!r} is not a local authority district GSS code")
                continue
            if row["breakdown"].strip() != "Total":
                continue
            year = int(period[:4]) + 1
            la_code = _la_for_district(lookup.get(lad, []), year)
            cohort = self.value(row["cohort"], by_code["ks4_cohort"], name, line)
            for spec in measures:
                parsed = self.value(row[spec.column], spec, name, line)
                if parsed is None:
                    continue
                value, marker, published = parsed
                over = spec.denominator == "ks4_cohort"
                self.add(
                    FigureRow(
                        spec.code,
                        Level.DISTRICT,
                        lad,
                        row["lad_name"].strip(),
                        la_code,
                        row["region_name"].strip(),
                        period,
                        year,
                        value,
                        marker,
                        published,
                        value if over else None,
                        cohort[0] if over and cohort else None,
                        name,
                        line,
                    )
                )


def shortest_decimal(number: float) -> str | None:
    """The published figure behind a binary float artefact: the fewest decimal places (up to 4)
    that give the same number to within 1e-9 (4.0999999999999996 -> "4.1", 90.600000000000009 ->
    "90.6"); None when the number really has more places (an unrounded figure)."""
    for places in range(5):
        if abs(round(number, places) - number) < 1e-9:
            return f"{number:.{places}f}"
    return None


def _la_for_district(spans: list[tuple[str, int, int]], year: int) -> str:
    """The DfE LA a district belonged to in `year` (the nearest span when the lookup starts later)."""
    if not spans:
        return ""
    covering = [la for la, first, last in spans if first <= year <= last]
    if covering:
        return covering[0]
    return min(spans, key=lambda span: min(abs(year - span[1]), abs(year - span[2])))[0]


def read_spec(folder: Path = DATA_DIR) -> tuple[dict[str, dict[str, Any]], list[MeasureSpec]]:
    raw = yaml.safe_load((folder / MEASURES_FILE).read_text(encoding="utf-8"))
    descriptions: dict[str, str] = {}
    dictionary = folder / LAIT_DICTIONARY
    if dictionary.exists():
        with dictionary.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                descriptions.setdefault(row["Measure_short"], " ".join(row["Description"].split()))
    measures = [
        MeasureSpec(
            code=m["code"],
            source=m["source"],
            column=m["column"],
            name=m["name"],
            unit=m["unit"],
            decimal_places=m.get("dps"),
            polarity=m.get("polarity", ""),
            denominator=m.get("denominator", ""),
            description=m.get("description") or descriptions.get(m["column"], ""),
        )
        for m in raw["measures"]
    ]
    return raw["sources"], measures


def read_published(folder: Path = DATA_DIR, *, region_names: dict[str, tuple[str, str]] | None = None) -> Published:
    """Read and check every file; raise `NeetDataError` naming file, line and field on a problem."""
    sources, measures = read_spec(folder)
    reader = _Reader(folder, region_names or {})
    lookup: dict[str, list[tuple[str, int, int]]] = {}
    lookup_path = folder / LAD_LOOKUP
    if lookup_path.exists():
        with lookup_path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                lookup.setdefault(row["lad_code"], []).append(
                    (row["old_la_code"], int(row["first_year"]), int(row["last_year"]))
                )
    for key, source in sources.items():
        own = [m for m in measures if m.source == key]
        for name in source["files"]:
            if key == "scorecard":
                reader.scorecard(name, own)
            elif key == "lait":
                reader.lait(name, own)
            elif key == "ks4_lad":
                reader.ks4_districts(name, own, lookup)
            else:
                reader.problem(MEASURES_FILE, 0, "sources", f"unknown source {key!r}")
    if reader.problems:
        raise NeetDataError(reader.problems)
    return Published(measures, sources, list(reader.rows.values()), reader.files, reader.skipped)
