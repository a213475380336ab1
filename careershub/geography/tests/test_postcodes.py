"""Postcode reference data: normalising, `load_postcode_locations` (checked, previewed, atomic,
idempotent) and lookups with a district fallback. The fixtures hold made-up postcodes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from careershub.geography.models import PostcodeLocation
from careershub.geography.postcodes import (
    PostcodeFileError,
    load_file,
    locate,
    normalise,
    normalise_full,
    outcode_of,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
ONSPD = DATA / "postcodes_onspd_made_up.csv"
OUTCODES = DATA / "outcodes_made_up.csv"


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_postcode_locations", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("m17 1aa", "M17 1AA"),
        ("M171AA", "M17 1AA"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("EC1A1BB", "EC1A 1BB"),
        ("m17", "M17"),
        ("B1", "B1"),
        ("", None),
        ("not a postcode", None),
        ("M17 1A", None),
        ("12345", None),
    ],
)
def test_normalise(value: str, expected: str | None) -> None:
    assert normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("m17 1aa", "M17 1AA"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("zz91zz", "ZZ9 1ZZ"),
        ("M17", None),  # a district is not a place
        ("sw1a", None),
        ("", None),
        ("M17 1A", None),
        ("not a postcode", None),
    ],
)
def test_normalise_full_takes_only_whole_postcodes(value: str, expected: str | None) -> None:
    assert normalise_full(value) == expected


LETTERS = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = st.sampled_from("0123456789")
OUTCODES_DRAWN = st.builds(
    lambda area, district, extra: area + district + extra,
    st.text(LETTERS, min_size=1, max_size=2),
    DIGITS,
    st.one_of(st.just(""), LETTERS, DIGITS),
)
INCODES_DRAWN = st.builds(lambda digit, unit: digit + unit, DIGITS, st.text(LETTERS, min_size=2, max_size=2))
SPACES = st.text(" ", max_size=3)


@given(OUTCODES_DRAWN, INCODES_DRAWN, SPACES, SPACES, SPACES, st.booleans())
def test_a_full_postcode_normalises_to_upper_case_with_one_space_however_it_is_typed(
    outcode: str, incode: str, before: str, middle: str, after: str, lower: bool
) -> None:
    typed = before + outcode + middle + incode + after
    typed = typed.lower() if lower else typed
    expected = f"{outcode} {incode}"
    assert normalise_full(typed) == expected == normalise(typed)
    assert normalise_full(expected) == expected  # normalising twice changes nothing


@given(OUTCODES_DRAWN)
def test_an_outcode_alone_is_never_a_full_postcode(outcode: str) -> None:
    assert normalise(outcode) == outcode and normalise_full(outcode) is None


@given(st.text(max_size=12))
def test_normalise_full_gives_a_full_postcode_or_nothing(value: str) -> None:
    result = normalise_full(value)
    assert result is None or (result == normalise(value) and " " in result and result == result.upper())


def test_outcode_of() -> None:
    assert outcode_of("SW1A 1AA") == "SW1A" and outcode_of("M17") == "M17"


def test_loads_an_onspd_file_with_district_centroids_and_again_changes_nothing() -> None:
    out = load(str(ONSPD), "--source", "Made-up ONSPD")
    assert "4 postcodes, 0 postcode districts given and 2 worked out from their postcodes" in out
    assert "1 rows without a location left out" in out  # ZZ2 9XY: ONSPD's 99.999999 placeholder
    assert "6 created, 0 updated, 0 unchanged" in out
    rows = {row.postcode: row for row in PostcodeLocation.objects.all()}
    assert set(rows) == {"ZZ1 1AA", "ZZ1 1AB", "ZZ1 2AA", "ZZ9 1ZZ", "ZZ1", "ZZ9"}
    assert (rows["ZZ1 1AB"].precision, rows["ZZ1 1AB"].latitude, rows["ZZ1 1AB"].longitude) == (
        "postcode",
        53.42,
        -2.32,
    )
    district = rows["ZZ1"]  # mean of its 3 postcodes
    assert district.precision == "outcode"
    assert (district.latitude, district.longitude) == pytest.approx((53.41, -2.32))
    assert district.source == "Made-up ONSPD (mean of the district's 3 postcodes)"
    assert rows["ZZ1 1AA"].source == "Made-up ONSPD"

    assert "0 created, 0 updated, 6 unchanged" in load(str(ONSPD), "--source", "Made-up ONSPD")
    assert PostcodeLocation.objects.count() == 6


def test_an_outcode_file_and_a_dry_run() -> None:
    out = load(str(OUTCODES), "--dry-run")
    assert "0 postcodes, 2 postcode districts given" in out
    assert "Dry run, nothing saved. Loading would give: 2 created, 0 updated, 0 unchanged" in out
    assert not PostcodeLocation.objects.exists()
    load(str(OUTCODES))
    assert PostcodeLocation.objects.get(postcode="ZZ3").source == "outcodes_made_up.csv"  # the file name by default


def test_a_changed_location_is_updated() -> None:
    load(str(OUTCODES))
    row = PostcodeLocation.objects.get(postcode="ZZ3")
    row.latitude = 50.0
    row.save()
    assert "0 created, 1 updated, 1 unchanged" in load(str(OUTCODES))
    assert PostcodeLocation.objects.get(postcode="ZZ3").latitude == 52.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pcds,lat,long\nZZ1 1AA,53.4,-2.3\nNOT A CODE,53.4,-2.3\n", "Line 3: NOT A CODE is not a postcode"),
        ("pcds,lat,long\nZZ1 1AA,53.4,-2.3\nZZ1 1AB,north,-2.3\n", "Line 3: ZZ1 1AB has a latitude or longitude"),
        ("pcds,lat,long\nZZ1 1AA,-2.3,53.4\n", r"is not in the UK \(check latitude and longitude\)"),
        ("postcode,easting,northing\nZZ1 1AA,380000,395000\n", "no latitude column"),
        ("lat,long\n53.4,-2.3\n", "no postcode column"),
        ("", "empty or has no header"),
        ("pcds,lat,long\nZZ2 9XY,,\n", "no postcodes with a location"),
    ],
)
def test_an_invalid_file_loads_nothing(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        load(str(path))
    assert not PostcodeLocation.objects.exists()  # not even the valid first row


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot open"):
        load(str(tmp_path / "missing.csv"))


def test_load_file_refuses_invalid_rows_without_the_command(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("pcds,lat,long\nZZ1 1AA,53.4,-2.3\nZZ1 1AB,99,-2.3\n", encoding="utf-8")
    with pytest.raises(PostcodeFileError, match="1 rows are invalid"):
        load_file(path, source="test")
    assert not PostcodeLocation.objects.exists()


def test_locate_prefers_the_postcode_then_its_district() -> None:
    load(str(ONSPD))
    exact = locate("zz1 1ab")
    assert exact is not None and not exact.by_district and (exact.latitude, exact.longitude) == (53.42, -2.32)
    district = locate("ZZ1 9QQ")  # not in the file: its district's centroid
    assert district is not None and district.by_district
    assert (district.latitude, district.longitude) == pytest.approx((53.41, -2.32))
    assert locate("ZZ1") == district
    assert locate("ZZ2 9XY") is None  # no location in the file and no district centroid
    assert locate("ZZ7 1AA") is None and locate("nonsense") is None and locate("") is None


SHARED_OUTCODES = Path(settings.SHARED_DATA_DIR) / "geography" / "postcode_outcode_centroids.csv"


@pytest.mark.skipif(not SHARED_OUTCODES.is_file(), reason="the shared public data folder is not here")
def test_reads_the_shared_outcode_centroids_in_place() -> None:
    """The shared outcode file (tests only: no licence) is read where it is, never copied here."""
    load(str(SHARED_OUTCODES), "--source", "shared test outcodes")
    assert PostcodeLocation.objects.count() > 2900
    manchester = locate("M11 9ZZ")
    assert manchester is not None and manchester.by_district
    assert (manchester.latitude, manchester.longitude) == pytest.approx((53.478896, -2.181232))


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfepcds,lat,long\n", b"pcds,lat,long\nZZ1 1AA,53.4,-2.3\nZZ1 1\xe9B,53.4,-2.3\n"],
)
def test_a_file_that_is_not_utf8_is_refused_with_a_message(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="not a readable UTF-8 CSV"):
        load(str(path))
    assert not PostcodeLocation.objects.exists()
