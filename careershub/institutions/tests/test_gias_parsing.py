"""The GIAS reader on its own: encodings, layouts, broken files, row checks, classification."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import example, given
from hypothesis import strategies as st

from careershub.institutions import gias
from careershub.institutions.gias import GiasFileError, classify, parse_date, phase_from_ages, read_gias_file
from careershub.institutions.models import EstablishmentStatus, InstitutionKind

TODAY = datetime.date(2026, 11, 23)

FULL_HEADER = (
    "URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (code),"
    "TypeOfEstablishment (name),EstablishmentTypeGroup (code),EstablishmentTypeGroup (name),"
    "EstablishmentStatus (code),EstablishmentStatus (name),OpenDate,CloseDate,PhaseOfEducation (name),"
    "StatutoryLowAge,StatutoryHighAge,NumberOfPupils,PercentageFSM,UKPRN,FurtherEducationType (name),"
    "Street,Town,Postcode,SchoolWebsite,GOR (name),GSSLACode (name),OfstedRating (name),Easting,Northing"
)
FULL_ROW = (
    "100000,201,City of London,3614,The Aldgate School,02,Voluntary aided school,4,"
    "Local authority maintained schools,1,Open,01-09-1970,,Primary,3,11,276,10.2,10079319,Not applicable,"
    "St James's Passage,London,EC3A 5DE,www.thealdgateschool.org,London,E09000001,Outstanding,533498,181201"
)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def read(text: str, encoding: str = "utf-8") -> gias.GiasFile:
    return read_gias_file(text.encode(encoding), today=TODAY)


# The full layout ------------------------------------------------------------------------------


def test_full_gias_row_maps_every_field() -> None:
    parsed = read(f"{FULL_HEADER}\n{FULL_ROW}\n")
    assert parsed.rejections == []
    [row] = parsed.rows
    assert row.line == 2
    assert row.urn == 100000
    values = row.values
    assert values["name"] == "The Aldgate School"
    assert values["la_code"] == "201"
    assert values["la_name"] == "City of London"
    assert values["type_code"] == "2"
    assert values["type_name"] == "Voluntary aided school"
    assert values["type_group"] == "Local authority maintained schools"
    assert values["status"] == EstablishmentStatus.OPEN
    assert values["opened_on"] == datetime.date(1970, 9, 1)
    assert values["closed_on"] is None
    assert values["phase"] == "Primary"
    assert (values["statutory_low_age"], values["statutory_high_age"]) == (3, 11)
    assert values["number_of_pupils"] == 276
    assert values["percent_fsm"] == Decimal("10.2")
    assert values["ukprn"] == "10079319"
    assert values["further_education_type"] == "Not applicable"
    assert values["street"] == "St James's Passage"
    assert values["town"] == "London"
    assert values["postcode"] == "EC3A 5DE"
    assert values["website"] == "www.thealdgateschool.org"
    assert values["region_name"] == "London"
    assert values["gss_la_code"] == "E09000001"
    assert values["ofsted_rating"] == "Outstanding"
    # Easting/Northing 533498/181201 is in the City of London, by Aldgate.
    assert values["latitude"] == pytest.approx(51.51397, abs=1e-4)
    assert values["longitude"] == pytest.approx(-0.07753, abs=1e-4)
    assert parsed.encoding == "UTF-8"
    assert "EstablishmentNumber" in parsed.ignored_columns


def test_columns_are_matched_by_name_not_position() -> None:
    headers = FULL_HEADER.split(",")
    cells = next(csv.reader([FULL_ROW]))
    order = list(reversed(range(len(headers))))
    shuffled = csv_bytes([[headers[i] for i in order], [cells[i] for i in order]])
    assert read_gias_file(shuffled, today=TODAY).rows[0].values == read(f"{FULL_HEADER}\n{FULL_ROW}\n").rows[0].values


def test_header_spelling_variants_are_the_same_column() -> None:
    parsed = read("  urn ,establishment_name,la code,Statutory Low Age\n123456,A School,358,4\n")
    assert parsed.columns == {
        "urn": "urn",
        "name": "establishment_name",
        "la_code": "la code",
        "statutory_low_age": "Statutory Low Age",
    }
    assert parsed.rows[0].values == {"name": "A School", "la_code": "358", "statutory_low_age": 4}


def test_only_the_columns_in_the_file_are_in_the_values() -> None:
    parsed = read("URN,PercentageFSM\n100000,12.25\n100001,SUPP\n")
    assert [row.values for row in parsed.rows] == [{"percent_fsm": Decimal("12.3")}, {"percent_fsm": None}]
    assert parsed.fields == ["percent_fsm"]


# Encodings ------------------------------------------------------------------------------------


def test_windows_1252_names_are_decoded() -> None:
    data = "URN,EstablishmentName\n100001,St Mary’s Café School – Léon\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = read_gias_file(data, today=TODAY)
    assert parsed.encoding == "Windows-1252"
    assert parsed.rows[0].values["name"] == "St Mary’s Café School – Léon"


def test_utf8_with_byte_order_mark() -> None:
    data = codecs.BOM_UTF8 + "URN,EstablishmentName\n100001,École Française\n".encode()
    parsed = read_gias_file(data, today=TODAY)
    assert parsed.encoding == "UTF-8 with byte-order mark"
    assert parsed.columns["urn"] == "URN"  # the BOM is not part of the first header
    assert parsed.rows[0].values["name"] == "École Française"


def test_utf16_with_byte_order_mark_and_tabs_as_excel_saves_unicode_text() -> None:
    data = "URN\tEstablishmentName\r\n100001\tSt Anne’s\r\n".encode("utf-16")
    parsed = read_gias_file(data, today=TODAY)
    assert parsed.encoding == "UTF-16"
    assert parsed.rows[0].values["name"] == "St Anne’s"


def test_semicolons_as_some_european_spreadsheets_write() -> None:
    parsed = read("URN;EstablishmentName\n100001;A School\n")
    assert parsed.rows[0].values["name"] == "A School"


# Broken files: one clear message each ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \r\n\n", "The file is empty."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "The file is a PDF document, not a CSV file."),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive or an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old-style Excel"),
        (b"\x1f\x8b\x08\x00", "compressed"),
        (b"URN,Name\n1000\x0001,A\n", "NUL bytes"),
        (b"URN,Name\n100001,A \x81\x8d\x8f school\n", "neither UTF-8 nor Windows-1252"),
        (b"URN,Name\n100001,A\x07bell\n", "control characters"),
        (b"URN,EstablishmentName\r\n", "header row but no rows of data"),
        (b"URN,EstablishmentName\n,\n\n", "header row but no rows of data"),
        (b"Name,Town\nA School,Leeds\n", "no URN column"),
        (b"Dear colleague\nplease find attached\n", "not a CSV file"),
        (b'{"urn": 100001, "name": "A School"}', "no URN column"),
        (b"\n<!DOCTYPE html>\n<html><body>Your session has expired</body></html>", "web page (HTML)"),
        (b'<?xml version="1.0"?><urn>1</urn>', "The file is XML"),
        (b'URN,Name\n100001,A\n"100002,unterminated \n100003,B\n', "Line 3 cannot be read as CSV: a quoted"),
        (b'URN,Name\n100001,"A"B\n', "Line 2 cannot be read as CSV"),
    ],
    ids=[
        "empty",
        "blank",
        "pdf",
        "zip",
        "ole",
        "gzip",
        "nul",
        "undecodable",
        "control",
        "header-only",
        "only-empty-rows",
        "no-urn",
        "prose",
        "json",
        "html",
        "xml",
        "unterminated-quote",
        "text-after-quote",
    ],
)
def test_broken_files_give_one_message(data: bytes, message: str) -> None:
    with pytest.raises(GiasFileError, match=re.escape(message)):
        read_gias_file(data, today=TODAY)


def test_files_over_the_size_limit_are_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gias, "MAX_FILE_BYTES", 100)
    with pytest.raises(GiasFileError, match="larger than the limit"):
        read_gias_file(b"URN,EstablishmentName\n" + b"100001,A School\n" * 10, today=TODAY)


@given(st.binary(max_size=300))
@example(b"\xff\xfe\x00\xd8")  # UTF-16 BOM then a lone surrogate
@example(b"URN\n" + b"1" * 200_000)
def test_any_bytes_give_a_file_or_a_file_error(data: bytes) -> None:
    try:
        parsed = read_gias_file(data, today=TODAY)
    except GiasFileError as exc:
        assert str(exc)
    else:
        assert parsed.data_rows == len({r.line for r in parsed.rejections} | {r.line for r in parsed.rows})


# Rows ---------------------------------------------------------------------------------------------


def test_rejected_rows_say_line_column_and_reason() -> None:
    text = (
        "URN,EstablishmentName,OpenDate,StatutoryLowAge,PercentageFSM,UKPRN,LA (code),EstablishmentStatus (name)\n"
        "100001,Good School,01-09-2010,11,10.5,10012345,358,Open\n"
        "ABC,Bad URN,01-09-2010,11,,,358,Open\n"
        "100003,Bad Date,31-02-2010,11,,,358,Open\n"
        "100004,Bad everything,soon,eleven,120,123,Trafford,Thriving\n"
        "100005,,01-09-2010,11,,,358,Open\n"
        ",No URN,01-09-2010,11,,,358,Open\n"
        "EY123456,Nursery,01-09-2010,2,,,358,Open\n"
    )
    parsed = read(text)
    assert [row.urn for row in parsed.rows] == [100001]
    assert [str(r) for r in parsed.rejections] == [
        "line 3: URN 'ABC' is not a number",
        "line 4: OpenDate '31-02-2010' is not a date",
        "line 5: OpenDate 'soon' is not a date",
        "line 5: StatutoryLowAge 'eleven' is not a whole number",
        "line 5: PercentageFSM '120' is not between 0 and 100",
        "line 5: UKPRN '123' is not a UKPRN (8 digits starting with 1)",
        "line 5: LA (code) 'Trafford' is not a 3-digit LA code",
        "line 5: EstablishmentStatus (name) 'Thriving' is not a status we know "
        "(Open; Open, but proposed to close; Proposed to open; Closed)",
        "line 6: EstablishmentName is missing",
        "line 7: URN is missing",
        "line 8: URN 'EY123456' is an early-years URN; early-years providers are not imported",
    ]
    assert parsed.rejected_lines == 6
    assert parsed.data_rows == 7
    fields = {(r.line, r.field) for r in parsed.rejections}
    assert (4, "OpenDate") in fields
    assert (5, "UKPRN") in fields


def test_line_numbers_count_physical_lines_with_quoted_newlines_and_empty_rows() -> None:
    text = 'URN,EstablishmentName,Street\n100001,"A School","1 High St\nBack Lane"\n\n,,\n100002,B School,x\nX,C,y\n'
    parsed = read(text)
    assert [row.line for row in parsed.rows] == [2, 6]
    assert parsed.rows[0].values["street"] == "1 High St\nBack Lane"
    assert [str(r) for r in parsed.rejections] == ["line 7: URN 'X' is not a number"]
    assert parsed.empty_rows == 2  # the blank line and ",,"


def test_rows_of_the_wrong_width_are_rejected_but_trailing_blank_cells_are_fine() -> None:
    parsed = read("URN,EstablishmentName,Town\n100001,A,Leeds,,\n100002,B\n100003,C,York,extra\n")
    assert [row.urn for row in parsed.rows] == [100001]
    assert [str(r) for r in parsed.rejections] == [
        "line 3: the row has 2 values but the header has 3 columns",
        "line 4: the row has 4 values but the header has 3 columns",
    ]


def test_duplicate_urns_reject_every_copy() -> None:
    parsed = read("URN,EstablishmentName\n100001,A\n100002,B\n100001,A again\n100003,C\n100001,A thrice\n")
    assert [row.urn for row in parsed.rows] == [100002, 100003]
    assert [str(r) for r in parsed.rejections] == [
        "line 2: URN 100001 appears more than once in the file (also on line 4, 6)",
        "line 4: URN 100001 appears more than once in the file (also on line 2, 6)",
        "line 6: URN 100001 appears more than once in the file (also on line 2, 4)",
    ]


def test_missing_markers_and_rows_of_only_missing_values() -> None:
    parsed = read("URN,EstablishmentName,UKPRN,Town,OpenDate\nNA,NA,NA,NA,NA\n100001,A School,NA,N/A,NULL\n,,,,\n")
    assert parsed.empty_rows == 2
    assert parsed.rows[0].values == {"name": "A School", "ukprn": "", "town": "", "opened_on": None}


def test_formulas_are_kept_as_text_and_never_evaluated() -> None:
    parsed = read('URN,EstablishmentName,SchoolWebsite\n100001,"=HYPERLINK(""http://x"",""A"")",+1+2\n')
    assert parsed.rows[0].values["name"] == '=HYPERLINK("http://x","A")'
    assert parsed.rows[0].values["website"] == "+1+2"


def test_values_longer_than_the_field_are_rejected_not_cut() -> None:
    parsed = read(f"URN,EstablishmentName\n100001,{'x' * 256}\n")
    assert parsed.rows == []
    assert parsed.rejections[0].reason.endswith("is longer than 255 characters")


def test_postcodes_are_normalised() -> None:
    parsed = read("URN,Postcode\n1,m33  3ab\n2,w1a0ax\n3,NOT A POSTCODE AT ALL\n4,BFPO 123\n5,SW1Å 1AA\n")
    assert [row.values["postcode"] for row in parsed.rows] == ["M33 3AB", "W1A 0AX", "BFPO 123"]
    assert [r.reason for r in parsed.rejections] == [
        "Postcode 'NOT A POSTCODE AT ALL' is not a postcode",
        "Postcode 'SW1Å 1AA' is not a postcode",
    ]


def test_status_from_close_date_when_there_is_no_status_column() -> None:
    parsed = read(
        "urn,name,open_date,close_date\n1,Closed,01-09-1990,31-08-2020\n2,Closing,01-09-1990,31-08-2027\n"
        "3,Opening,01-09-2027,\n4,Open,01-09-1990,\n"
    )
    assert [row.values["status"] for row in parsed.rows] == [
        EstablishmentStatus.CLOSED,
        EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE,
        EstablishmentStatus.PROPOSED_TO_OPEN,
        EstablishmentStatus.OPEN,
    ]
    assert "status follows from the close date" in " ".join(parsed.notes)


def test_a_blank_status_is_not_recorded_and_gias_status_names_are_read() -> None:
    parsed = read('URN,EstablishmentStatus (name)\n1,\n2,"Open, but proposed to close"\n3,Proposed to open\n4,CLOSED\n')
    assert [row.values["status"] for row in parsed.rows] == [
        EstablishmentStatus.UNKNOWN,
        EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE,
        EstablishmentStatus.PROPOSED_TO_OPEN,
        EstablishmentStatus.CLOSED,
    ]


def test_phase_is_derived_from_ages_only_without_a_phase_column() -> None:
    parsed = read("URN,lowest_admission_age,highest_admission_age\n1,3,11\n2,11,18\n")
    assert [row.derived_phase for row in parsed.rows] == ["Primary", "Secondary"]
    assert "phase" not in parsed.rows[0].values
    with_phase = read("URN,PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge\n1,Not applicable,3,11\n")
    assert with_phase.rows[0].derived_phase == ""


def test_lat_lon_columns_are_used_as_given_and_need_both() -> None:
    parsed = read("URN,lat,lon\n1,53.451462,-2.278292\n2,NA,-2.1\n3,95,0\n")
    assert parsed.rows[0].values == {"latitude": 53.451462, "longitude": -2.278292}
    assert parsed.rows[1].values == {"latitude": None, "longitude": None}
    assert parsed.rejections[0].reason == "lat '95' is not between -90 and 90"


# Dates ----------------------------------------------------------------------------------------


@given(st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_dates_in_every_accepted_format_parse_back(day: datetime.date) -> None:
    for text in (f"{day:%d-%m-%Y}", f"{day:%d/%m/%Y}", day.isoformat(), f"{day.day}-{day.month}-{day:%Y}"):
        assert parse_date(text) == day


@given(st.text(max_size=20))
@example("31-02-2010")
@example("2010-13-01")
@example("01-09-10")
@example("1 September 2010")
def test_anything_else_is_not_a_date(text: str) -> None:
    try:
        value = parse_date(text)
    except gias.Invalid as exc:
        assert str(exc) == "is not a date"
    else:
        canonical = {f"{value:%d-%m-%Y}", f"{value:%d/%m/%Y}", value.isoformat()}
        unpadded = {f"{value.day}-{value.month}-{value:%Y}", f"{value.day}/{value.month}/{value:%Y}"}
        assert text in canonical or text in unpadded or re.fullmatch(r"\d{1,4}[-/]\d{1,2}[-/]\d{1,4}", text)


# Classification -------------------------------------------------------------------------------

K = InstitutionKind

#: Every GIAS establishment type (from the lookup file) and the kind it should give.
EXPECTED_BY_TYPE_CODE: dict[str, InstitutionKind] = {
    "1": K.MAINSTREAM_SCHOOL,  # Community school
    "2": K.MAINSTREAM_SCHOOL,  # Voluntary aided school
    "3": K.MAINSTREAM_SCHOOL,  # Voluntary controlled school
    "5": K.MAINSTREAM_SCHOOL,  # Foundation school
    "6": K.MAINSTREAM_SCHOOL,  # City technology college
    "7": K.SPECIAL_SCHOOL,  # Community special school
    "8": K.SPECIAL_SCHOOL,  # Non-maintained special school
    "10": K.SPECIAL_SCHOOL,  # Other independent special school
    "11": K.OTHER,  # Other independent school
    "12": K.SPECIAL_SCHOOL,  # Foundation special school
    "14": K.ALTERNATIVE_PROVISION,  # Pupil referral unit
    "15": K.OTHER,  # Local authority nursery school
    "18": K.COLLEGE,  # Further education
    "24": K.OTHER,  # Secure units
    "25": K.OTHER,  # Offshore schools
    "26": K.OTHER,  # Service children's education
    "27": K.OTHER,  # Miscellaneous
    "28": K.MAINSTREAM_SCHOOL,  # Academy sponsor led
    "29": K.OTHER,  # Higher education institutions
    "30": K.OTHER,  # Welsh establishment
    "31": K.COLLEGE,  # Sixth form centres
    "32": K.SPECIAL_SCHOOL,  # Special post 16 institution
    "33": K.SPECIAL_SCHOOL,  # Academy special sponsor led
    "34": K.MAINSTREAM_SCHOOL,  # Academy converter
    "35": K.MAINSTREAM_SCHOOL,  # Free schools
    "36": K.SPECIAL_SCHOOL,  # Free schools special
    "37": K.OTHER,  # British schools overseas
    "38": K.ALTERNATIVE_PROVISION,  # Free schools alternative provision
    "39": K.COLLEGE,  # Free schools 16 to 19
    "40": K.MAINSTREAM_SCHOOL,  # University technical college
    "41": K.MAINSTREAM_SCHOOL,  # Studio schools
    "42": K.ALTERNATIVE_PROVISION,  # Academy alternative provision converter
    "43": K.ALTERNATIVE_PROVISION,  # Academy alternative provision sponsor led
    "44": K.SPECIAL_SCHOOL,  # Academy special converter
    "45": K.COLLEGE,  # Academy 16-19 converter
    "46": K.COLLEGE,  # Academy 16 to 19 sponsor led
    "49": K.OTHER,  # Online provider
    "56": K.OTHER,  # Institution funded by other government department
    "57": K.OTHER,  # Academy secure 16 to 19
}


def test_every_type_in_the_lookup_has_an_expected_kind() -> None:
    assert set(gias.establishment_types()) == set(EXPECTED_BY_TYPE_CODE)


TYPE_CODES = sorted(EXPECTED_BY_TYPE_CODE, key=int)


@pytest.mark.parametrize("code", TYPE_CODES)
def test_classify_by_code_name_and_group(code: str) -> None:
    kind = EXPECTED_BY_TYPE_CODE[code]
    known = gias.establishment_types()[code]
    phase = "Secondary"
    assert classify(type_code=code, phase=phase) == kind
    assert classify(type_code=code.zfill(2), phase=phase) == kind
    assert classify(type_name=known.name, phase=phase) == kind
    assert classify(type_name=known.name, type_group=known.group, phase=phase) == kind


@pytest.mark.parametrize(
    ("type_name", "kind"),
    [  # the July-2017 EduBase spellings
        ("Academy Converter", K.MAINSTREAM_SCHOOL),
        ("Free Schools - 16-19", K.COLLEGE),
        ("Free Schools - Alternative Provision", K.ALTERNATIVE_PROVISION),
        ("LA Nursery School", K.OTHER),
        ("Other Independent Special School", K.SPECIAL_SCHOOL),
        ("Pupil Referral Unit", K.ALTERNATIVE_PROVISION),
        ("Academy 16-19 Converter", K.COLLEGE),
        ("City Technology College", K.MAINSTREAM_SCHOOL),
        ("Studio Schools", K.MAINSTREAM_SCHOOL),
        ("Non-Maintained Special School", K.SPECIAL_SCHOOL),
        ("Other Independent School", K.OTHER),
        ("NA", K.OTHER),
    ],
)
def test_classify_edubase_2017_type_names(type_name: str, kind: InstitutionKind) -> None:
    assert classify(type_name=type_name, phase="Secondary") == kind


@pytest.mark.parametrize(
    ("group", "high_age", "kind"),
    [  # Trafford Data Lab's extract gives only the type group and the age range
        ("Special schools", 19, K.SPECIAL_SCHOOL),
        ("Local authority maintained schools", 16, K.MAINSTREAM_SCHOOL),
        ("Local authority maintained schools", 11, K.OTHER),
        ("Academies", 18, K.MAINSTREAM_SCHOOL),
        ("Academies", 11, K.OTHER),
        ("Free Schools", 16, K.MAINSTREAM_SCHOOL),
        ("Independent schools", 18, K.OTHER),
        ("Colleges", 99, K.COLLEGE),
        ("Other types", 16, K.OTHER),
        ("Welsh schools", 16, K.OTHER),
        ("Universities", 99, K.OTHER),
    ],
)
def test_classify_by_group_and_age(group: str, high_age: int, kind: InstitutionKind) -> None:
    assert classify(type_group=group, statutory_high_age=high_age) == kind


@pytest.mark.parametrize(
    ("phase", "kind"),
    [
        ("Primary", K.OTHER),
        ("Nursery", K.OTHER),
        ("Middle deemed primary", K.OTHER),
        ("Middle deemed secondary", K.MAINSTREAM_SCHOOL),
        ("Secondary", K.MAINSTREAM_SCHOOL),
        ("All-through", K.MAINSTREAM_SCHOOL),
        ("All Through", K.MAINSTREAM_SCHOOL),
        ("16 plus", K.MAINSTREAM_SCHOOL),
    ],
)
def test_primary_only_mainstream_schools_are_other(phase: str, kind: InstitutionKind) -> None:
    assert classify(type_name="Academy converter", phase=phase) == kind


def test_special_and_ap_stay_special_and_ap_at_primary_ages() -> None:
    assert classify(type_name="Community special school", phase="Primary") == K.SPECIAL_SCHOOL
    assert classify(type_name="Pupil referral unit", phase="Primary") == K.ALTERNATIVE_PROVISION


def test_fe_type_does_not_make_a_college_special_and_training_providers_are_recognised() -> None:
    assert classify(type_name="Further education", further_education_type="Specialist Designated College") == K.COLLEGE
    assert classify(type_name="Independent training provider") == K.TRAINING_PROVIDER
    assert classify(type_name="Miscellaneous", further_education_type="Independent Training Provider") == (
        K.TRAINING_PROVIDER
    )


def test_no_type_information_is_other() -> None:
    assert classify() == K.OTHER


def _restyle(text: str, data: st.DataObject) -> str:
    """`text` with its letters' case changed and its spaces turned into other punctuation."""
    cased = "".join(ch.upper() if data.draw(st.booleans()) else ch.lower() for ch in text)
    return "".join(data.draw(st.sampled_from([" ", "  ", "-", "_", " - "])) if ch == " " else ch for ch in cased)


TYPES = sorted(gias.establishment_types().values(), key=lambda t: int(t.code))


@given(st.sampled_from(TYPES), st.sampled_from(["Primary", "Secondary", "Not applicable", ""]), st.data())
def test_classification_ignores_case_and_punctuation(
    known: gias.EstablishmentType, phase: str, data: st.DataObject
) -> None:
    expected = classify(type_name=known.name, type_group=known.group, phase=phase)
    assert classify(type_name=_restyle(known.name, data), type_group=_restyle(known.group, data), phase=phase) == (
        expected
    )


@given(
    st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "Zs", "P"]), max_size=40),
    st.sampled_from(["Local authority maintained schools", "Academies", "Free Schools", ""]),
)
def test_a_special_type_is_always_special(words: str, group: str) -> None:
    """Rule 4: with no out-of-scope, AP or training-provider words, "special" decides."""
    name = f"{words} Special school"
    normalised = gias.normalise(name)
    if gias._OUT_OF_SCOPE.search(normalised) or gias._AP.search(normalised) or "training provider" in normalised:
        return
    assert classify(type_name=name, type_group=group) == K.SPECIAL_SCHOOL


@given(
    st.text(max_size=60),
    st.text(max_size=60),
    st.text(max_size=60),
    st.text(max_size=30),
    st.one_of(st.none(), st.integers(0, 99)),
)
def test_classification_is_total(name: str, group: str, fe_type: str, phase: str, high_age: int | None) -> None:
    kind = classify(
        type_name=name, type_group=group, further_education_type=fe_type, phase=phase, statutory_high_age=high_age
    )
    assert kind in set(InstitutionKind)


@given(st.integers(0, 30), st.integers(0, 30))
def test_phase_from_ages_is_a_gias_phase_and_monotonic(low: int, high: int) -> None:
    phase = phase_from_ages(low, high)
    if low > high:
        assert phase == ""
        return
    assert phase in {
        "Nursery",
        "Primary",
        "Middle deemed primary",
        "Middle deemed secondary",
        "Secondary",
        "16 plus",
        "All-through",
    }
    if high <= 11:
        assert phase in {"Nursery", "Primary", "16 plus"} or low >= 11
    if low >= 11:
        assert phase in {"Secondary", "16 plus", "Primary"}


def test_phase_from_typical_ages() -> None:
    assert phase_from_ages(3, 5) == "Nursery"
    assert phase_from_ages(4, 11) == "Primary"
    assert phase_from_ages(8, 12) == "Middle deemed primary"
    assert phase_from_ages(9, 13) == "Middle deemed secondary"
    assert phase_from_ages(11, 18) == "Secondary"
    assert phase_from_ages(16, 99) == "16 plus"
    assert phase_from_ages(4, 18) == "All-through"
    assert phase_from_ages(None, 11) == ""


# Coordinates ----------------------------------------------------------------------------------


def test_british_national_grid_matches_published_council_centroids() -> None:
    """mySociety publishes each council's centroid in both BNG (x, y) and WGS84 (lat, long)."""
    path = settings.SHARED_DATA_DIR / "geography" / "mysociety_uk_local_authorities_current.csv"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = {row["gss-code"]: row for row in csv.DictReader(handle)}
    for gss_code in ("E08000009", "E06000019", "E09000001", "E06000057", "E07000041"):  # Trafford … Exeter
        row = rows[gss_code]
        latitude, longitude = gias.bng_to_wgs84(float(row["x"]), float(row["y"]))
        metres_north = (latitude - float(row["lat"])) * 111_320
        metres_east = (longitude - float(row["long"])) * 111_320 * math.cos(math.radians(latitude))
        assert math.hypot(metres_north, metres_east) < 10, row["official-name"]


# The real files ---------------------------------------------------------------------------------


def schools_file(name: str) -> Path:
    path = Path(settings.SHARED_DATA_DIR) / "schools" / name
    if not path.parent.exists():
        pytest.skip(f"the shared schools data folder is absent ({path.parent})")
    return path


def test_real_trafford_extract() -> None:
    parsed = read_gias_file(schools_file("gias_trafford_open_schools_20240926.csv").read_bytes())
    assert len(parsed.rows) == 103
    assert parsed.rejections == []
    assert parsed.columns["type_group"] == "type"
    vianney = next(row for row in parsed.rows if row.urn == 106167)
    assert vianney.values["type_group"] == "Special schools"
    assert vianney.values["percent_fsm"] == Decimal("41.3")
    assert vianney.values["latitude"] == pytest.approx(53.451462)
    assert vianney.derived_phase == "All-through"
    assert {row.values["la_code"] for row in parsed.rows} == {"358"}


def test_real_edubase_2017_subset() -> None:
    parsed = read_gias_file(schools_file("edubase_2017_07_subset_unmatched_postcodes.csv").read_bytes())
    assert len(parsed.rows) == 6022
    assert parsed.empty_rows == 1  # a row of NA in every column
    assert parsed.rejections == []
    girls = next(row for row in parsed.rows if row.urn == 100001)
    assert girls.values["opened_on"] == datetime.date(1920, 1, 1)
    assert girls.values["type_name"] == "Other Independent School"
    assert girls.values["ukprn"] == "10013279"
    assert girls.values["region_name"] == "London"
    statuses = {row.values["status"] for row in parsed.rows}
    assert statuses == {EstablishmentStatus.OPEN, EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE}


def test_real_basic_2022_list() -> None:
    parsed = read_gias_file(schools_file("gias_england_all_establishments_basic_2022.csv").read_bytes())
    assert len(parsed.rows) == 49_514
    assert parsed.rejections == []
    assert parsed.fields == ["name", "status", "opened_on", "closed_on", "town", "postcode"]
    by_urn = {row.urn: row for row in parsed.rows}
    assert by_urn[100004].values["closed_on"] == datetime.date(1992, 8, 31)
    assert by_urn[100004].values["status"] == EstablishmentStatus.CLOSED
    assert by_urn[100000].values["status"] == EstablishmentStatus.OPEN


def test_real_establishment_type_lookup_copy_matches_the_shared_file() -> None:
    shared = schools_file("gias_establishment_types_20250109.csv")
    assert gias.TYPES_CSV.read_bytes() == shared.read_bytes()
