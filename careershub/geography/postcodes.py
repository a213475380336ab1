"""Postcode → location: normalising postcodes, looking them up, and loading the reference file.

The data are the deployment's own: `manage.py load_postcode_locations <file>` loads an ONS
Postcode Directory (ONSPD, OGL) extract or any CSV with a postcode column (`pcds`, `pcd`,
`postcode` or `outcode`) and `lat`/`latitude` and `long`/`longitude` columns. Nothing of the
kind is committed in the repository (ADR 0015).

A lookup tries the full postcode first, then its district (the outcode, "M17" of "M17 1AA"). A
district's centroid is either given in the file (a row whose postcode is an outcode) or, when the
file holds full postcodes only, the mean position of the district's postcodes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from careershub.geography.models import PostcodeLocation, PostcodePrecision

FULL = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
#: The UK with the Channel Islands and the Isle of Man, generously.
LATITUDES = (49.0, 61.0)
LONGITUDES = (-9.0, 2.0)
#: ONSPD's placeholder for a postcode with no grid reference.
NO_GRID_LATITUDE = 99.999999

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8", "postcode", "outcode")
LATITUDE_COLUMNS = ("lat", "latitude")
LONGITUDE_COLUMNS = ("long", "longitude", "lng", "lon")
BATCH = 2000
MAX_ERRORS_SHOWN = 10


def normalise(value: str) -> str | None:
    """ "m171aa" → "M17 1AA", " m17 " → "M17"; None when it is neither a postcode nor an outcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if FULL.match(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    if OUTCODE.match(compact):
        return compact
    return None


def normalise_full(value: str) -> str | None:
    """ "m171aa" → "M17 1AA"; None for anything but a full postcode (an outcode such as "M17"
    included): a place, unlike a district, needs the whole postcode."""
    normal = normalise(value)
    return normal if normal is not None and " " in normal else None


def outcode_of(postcode: str) -> str:
    """The district of a normalised postcode ("M17 1AA" → "M17"); an outcode is its own."""
    return postcode.split(" ", 1)[0]


@dataclass(frozen=True)
class Located:
    latitude: float
    longitude: float
    precision: PostcodePrecision

    @property
    def by_district(self) -> bool:
        return self.precision == PostcodePrecision.OUTCODE


def locate(postcode: str) -> Located | None:
    """The location of a postcode from the loaded reference data: the postcode's own, else its
    district's centroid, else None."""
    normal = normalise(postcode)
    if normal is None:
        return None
    candidates = [normal, outcode_of(normal)] if " " in normal else [normal]
    rows = {row.postcode: row for row in PostcodeLocation.objects.filter(postcode__in=candidates)}
    for candidate in candidates:
        row = rows.get(candidate)
        if row is not None:
            return Located(row.latitude, row.longitude, PostcodePrecision(row.precision))
    return None


# Loading ------------------------------------------------------------------------------------


class PostcodeFileError(ValueError):
    """The file cannot be loaded: nothing was changed."""


@dataclass
class Scan:
    """What a postcode file holds, found by reading it once before anything is written."""

    postcodes: int = 0
    outcodes: int = 0
    no_location: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    #: outcode → (sum of latitudes, sum of longitudes, number of postcodes)
    district_sums: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    given_outcodes: set[str] = field(default_factory=set)

    @property
    def derived_outcodes(self) -> int:
        return len(set(self.district_sums) - self.given_outcodes)

    def error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(message)

    def __str__(self) -> str:
        return (
            f"{self.postcodes} postcodes, {self.outcodes} postcode districts given and "
            f"{self.derived_outcodes} worked out from their postcodes; "
            f"{self.no_location} rows without a location left out"
        )


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _column(header: list[str], names: tuple[str, ...], what: str) -> str:
    lowered = {name.strip().lower(): name for name in header}
    for name in names:
        if name in lowered:
            return lowered[name]
    raise PostcodeFileError(f"The file has no {what} column (one of: {', '.join(names)}).")


def _rows(path: Path) -> Iterator[tuple[int, str, str, str]]:
    """(line number, postcode, latitude, longitude) text of each data row."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise PostcodeFileError(f"Cannot open {path}: {error.strerror}.") from error
    with handle:
        reader = csv.DictReader(handle)
        try:
            fieldnames = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as error:
            raise PostcodeFileError(f"Line 1: the file is not a readable UTF-8 CSV ({error}).") from error
        header = [name for name in (fieldnames or []) if name]
        if not header:
            raise PostcodeFileError("The file is empty or has no header row.")
        postcode = _column(header, POSTCODE_COLUMNS, "postcode")
        latitude = _column(header, LATITUDE_COLUMNS, "latitude")
        longitude = _column(header, LONGITUDE_COLUMNS, "longitude")
        try:
            for row in reader:
                yield (
                    reader.line_num,
                    row.get(postcode) or "",
                    (row.get(latitude) or "").strip(),
                    (row.get(longitude) or "").strip(),
                )
        except (csv.Error, UnicodeDecodeError) as error:
            raise PostcodeFileError(
                f"Line {reader.line_num}: the file is not a readable UTF-8 CSV ({error})."
            ) from error


def _parse(line: int, postcode: str, latitude: str, longitude: str, scan: Scan) -> tuple[str, float, float] | None:
    """A valid row's (normalised postcode, latitude, longitude); None for a row left out (counted
    in `scan`: no location, or an error)."""
    normal = normalise(postcode)
    if normal is None:
        scan.error(f"Line {line}: {postcode.strip() or '(blank)'} is not a postcode or postcode district.")
        return None
    if not latitude or not longitude:
        scan.no_location += 1
        return None
    try:
        lat, long = float(latitude), float(longitude)
    except ValueError:
        scan.error(f"Line {line}: {normal} has a latitude or longitude that is not a number.")
        return None
    if lat == NO_GRID_LATITUDE:
        scan.no_location += 1
        return None
    if not (LATITUDES[0] <= lat <= LATITUDES[1] and LONGITUDES[0] <= long <= LONGITUDES[1]):
        scan.error(f"Line {line}: {normal} at {lat}, {long} is not in the UK (check latitude and longitude).")
        return None
    return normal, lat, long


def scan_file(path: Path) -> Scan:
    """Read and check the whole file without writing anything."""
    scan = Scan()
    for line, postcode, latitude, longitude in _rows(path):
        parsed = _parse(line, postcode, latitude, longitude, scan)
        if parsed is None:
            continue
        normal, lat, long = parsed
        if " " in normal:
            scan.postcodes += 1
            district = outcode_of(normal)
            total = scan.district_sums.get(district, (0.0, 0.0, 0))
            scan.district_sums[district] = (total[0] + lat, total[1] + long, total[2] + 1)
        else:
            scan.outcodes += 1
            scan.given_outcodes.add(normal)
    if scan.postcodes + scan.outcodes == 0 and not scan.error_count:
        raise PostcodeFileError("The file has no postcodes with a location.")
    return scan


def _entries(path: Path, scan: Scan, source: str) -> Iterator[tuple[str, str, float, float, str]]:
    """(postcode, precision, latitude, longitude, source) for every row to store."""
    ignored = Scan()
    for line, postcode, latitude, longitude in _rows(path):
        parsed = _parse(line, postcode, latitude, longitude, ignored)
        if parsed is not None:
            normal, lat, long = parsed
            precision = PostcodePrecision.POSTCODE if " " in normal else PostcodePrecision.OUTCODE
            yield normal, precision, lat, long, source
    for district, (lat_sum, long_sum, count) in sorted(scan.district_sums.items()):
        if district not in scan.given_outcodes:
            mean_source = f"{source} (mean of the district's {count} postcodes)"[:200]
            yield (
                district,
                PostcodePrecision.OUTCODE,
                round(lat_sum / count, 6),
                round(long_sum / count, 6),
                mean_source,
            )


def _store(batch: dict[str, tuple[str, float, float, str]], counts: LoadCounts) -> None:
    rows = PostcodeLocation.objects.filter(postcode__in=list(batch)).values_list(
        "postcode", "precision", "latitude", "longitude", "source"
    )
    existing = {postcode: (precision, lat, long, source) for postcode, precision, lat, long, source in rows}
    upserts = []
    for postcode, values in batch.items():
        before = existing.get(postcode)
        if before == values:
            counts.unchanged += 1
            continue
        if before is None:
            counts.created += 1
        else:
            counts.updated += 1
        precision, lat, long, source = values
        upserts.append(
            PostcodeLocation(postcode=postcode, precision=precision, latitude=lat, longitude=long, source=source)
        )
    # One INSERT ... ON CONFLICT DO UPDATE: new and changed rows alike (bulk_update is far slower).
    PostcodeLocation.objects.bulk_create(
        upserts,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["postcode"],
        update_fields=["precision", "latitude", "longitude", "source"],
    )


def load_file(path: Path, *, source: str, scan: Scan | None = None) -> LoadCounts:
    """Create or update a row per postcode and district of the file, in one transaction. Refused,
    changing nothing, when any row is invalid. Rows not in the file are kept (ONSPD keeps
    terminated postcodes too), so loading the same file again changes nothing."""
    scan = scan or scan_file(path)
    if scan.error_count:
        raise PostcodeFileError(f"{scan.error_count} rows are invalid: " + " ".join(scan.errors))
    counts = LoadCounts()
    with transaction.atomic():
        batch: dict[str, tuple[str, float, float, str]] = {}
        for postcode, precision, lat, long, row_source in _entries(path, scan, source):
            batch[postcode] = (precision, lat, long, row_source)
            if len(batch) >= BATCH:
                _store(batch, counts)
                batch = {}
        if batch:
            _store(batch, counts)
    return counts
