from __future__ import annotations

import codecs
import datetime
import io
import zipfile

import pytest

from careershub.learners import mis
from careershub.learners.tests import builders

TODAY = datetime.date(2026, 1, 15)


def parse_all(data: bytes, mapping: dict[str, str] | None = None) -> list[mis.ParsedRow]:
    table = mis.open_table(data)
    mapping = mapping or mis.suggest_mapping(table.headers)
    columns = mis.column_indexes(table.headers, mapping)
    return [mis.parse_row(n, cells, columns, TODAY) for n, cells in table.rows()]


@pytest.mark.parametrize("layout", ["sims", "arbor", "bromcom"])
def test_each_mis_layout_is_fully_recognised(layout: str) -> None:
    headers = builders.HEADERS[layout]
    mapping = mis.suggest_mapping(headers)
    assert set(mapping) == set(headers)
    assert not mis.mapping_problems(mapping)
    rows = parse_all(builders.csv_bytes(builders.learner_rows(6), layout))
    assert [r.errors for r in rows] == [[]] * 6
    first = rows[0].values
    assert first["legal_last_name"] == "Pupil0" and first["year_group"] == 10
    assert first["fsm"] is True and first["disadvantaged"] is True and first["sen_status"] == "N"


def test_remembered_mapping_wins_over_the_suggestion() -> None:
    headers = ["Pupil ID", "Surname", "Forename", "Birthday", "Yr", "Form"]
    mapping = mis.suggest_mapping(headers, {"pupilid": "upn", "birthday": "date_of_birth", "yr": "year_group"})
    assert mapping == {
        "Pupil ID": "upn",
        "Surname": "legal_last_name",
        "Forename": "legal_first_name",
        "Birthday": "date_of_birth",
        "Yr": "year_group",
        "Form": "registration_group",
    }


def test_mapping_problems() -> None:
    assert "UPN" in mis.mapping_problems({"a": "legal_first_name"})[0]
    assert "more than one column" in mis.mapping_problems({"a": "upn", "b": "upn"})[0]


def test_xlsx_with_real_dates_reads_in_read_only_mode() -> None:
    rows = parse_all(builders.xlsx_from_learners(builders.learner_rows(3)))
    assert [r.errors for r in rows] == [[], [], []]
    assert isinstance(rows[0].values["date_of_birth"], datetime.date)


def test_row_errors_name_row_field_and_reason() -> None:
    bad = builders.learner_rows(3)
    bad[0]["upn"] = "A801200005001"
    bad[1]["year"] = "Reception"
    bad[2]["dob"] = "31/02/2010"
    rows = parse_all(builders.csv_bytes(bad))
    assert rows[0].number == 2 and rows[0].errors[0][0] == "UPN" and "check letter" in rows[0].errors[0][1]
    assert rows[0].key == "A801200005001"
    assert rows[1].errors == [("Year group", "'Reception' is not a year group like 7, Y7 or Year 7")]
    assert rows[2].errors[0][0] == "Date of birth"


@pytest.mark.parametrize(
    ("value", "year"), [("7", 7), ("Y10", 10), ("Year 11", 11), ("yr 9", 9), ("12", 12), (13.0, 13)]
)
def test_year_groups(value: object, year: int) -> None:
    assert mis.parse_year_group(value) == year


def test_sen_values() -> None:
    assert mis.parse_sen("K") == "K"
    assert mis.parse_sen("EHC Plan") == "E"
    assert mis.parse_sen("") == "N"
    with pytest.raises(ValueError, match="SEN status"):
        mis.parse_sen("X")


def test_windows_1252_and_utf16_are_read() -> None:
    rows = builders.learner_rows(1)
    rows[0]["first"] = "Zoë"
    assert parse_all(builders.csv_bytes(rows, encoding="cp1252"))[0].values["legal_first_name"] == "Zoë"
    utf16 = codecs.BOM_UTF16_LE + builders.csv_bytes(rows).decode().encode("utf-16-le")
    assert parse_all(utf16)[0].values["legal_first_name"] == "Zoë"
    assert mis.open_table(builders.csv_bytes(rows, encoding="cp1252")).encoding == "Windows-1252"


def refused(data: bytes) -> str:
    with pytest.raises(mis.MisFileError) as info:
        table = mis.open_table(data)
        list(table.rows())
    return str(info.value)


def test_wrong_types_are_refused() -> None:
    assert "CSV or an Excel" in refused(b"%PDF-1.4 whatever")
    assert "old Excel (.xls)" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "another kind of ZIP" in refused(archive.getvalue())
    assert "damaged Excel" in refused(b"PK\x03\x04 not really a zip")
    assert "binary data" in refused(b"UPN,Surname\n\x00\x01\x02,x\n")


def test_broken_utf8_is_refused_with_its_line() -> None:
    data = "UPN,Surname\nB801200005001,Zoë\n".encode() + b"B801200005001,Bad\xe9name\n"
    assert "damaged at line 3" in refused(data)


def test_no_header_row_is_refused() -> None:
    data = builders.csv_bytes(builders.learner_rows(2)).split(b"\n", 1)[1]
    assert "no header row" in refused(data)
    assert "no header row" in refused(builders.xlsx_bytes([[datetime.date(2010, 1, 1), "Smith"]]))


def test_empty_files_are_refused() -> None:
    assert "empty" in refused(b"")
    assert "no rows" in refused(b"\n\n,,,\n")


def test_too_large_a_file_is_refused_before_reading() -> None:
    assert "smaller than 10 MB" in refused(b"UPN\n" + b"x" * (50 * 1024 * 1024))


def test_formulas_refuse_the_file() -> None:
    rows = builders.learner_rows(2)
    rows[1]["last"] = '=HYPERLINK("http://evil.example","x")'
    assert "Row 3, column 'Legal Surname' holds a formula" in refused(builders.csv_bytes(rows))
    sheet: list[list[object]] = [list(builders.SIMS_HEADERS), ["B801200005001", "=A1&A2", "x", "", "01/01/2010", 10]]
    assert "holds a formula" in refused(builders.xlsx_bytes(sheet))


def test_a_hundred_thousand_empty_rows_are_skipped_quickly() -> None:
    data = builders.csv_bytes(builders.learner_rows(2)) + b",,,,,,\n" * 100_000
    table = mis.open_table(data)
    assert len(list(table.rows())) == 2
    assert table.empty_rows == mis.MAX_TRAILING_EMPTY_ROWS
    only_empty = builders.csv_bytes([]) + b"\n" * 100_000
    table = mis.open_table(only_empty)
    assert list(table.rows()) == []


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mis, "MAX_ROWS", 3)
    assert "more than 3 rows" in refused(builders.csv_bytes(builders.learner_rows(4)))


def test_semicolon_separated_files_are_read() -> None:
    data = builders.csv_bytes(builders.learner_rows(2)).decode().replace(",", ";").encode()
    assert [r.errors for r in parse_all(data)] == [[], []]


def test_considering_higher_education_column_is_recognised_and_parsed() -> None:
    mapping = mis.suggest_mapping(["UPN", "Considering HE", "Surname"])
    assert mapping["Considering HE"] == "considering_higher_education"
    columns = mis.column_indexes(["Considering HE"], {"Considering HE": "considering_higher_education"})
    row = mis.parse_row(2, ["Y"], columns, datetime.date(2026, 1, 1))
    assert row.values["considering_higher_education"] is True
    bad = mis.parse_row(3, ["maybe"], columns, datetime.date(2026, 1, 1))
    assert ("Considering higher education", "'maybe' is not yes or no") in bad.errors


def test_the_quick_date_path_reads_exactly_what_the_formats_read() -> None:
    import itertools

    def by_formats(text: str) -> datetime.date | None:
        for fmt in mis._DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        return None

    days = ["0", "00", "1", "01", "9", "29", "30", "31", "32", "123"]
    months = ["0", "1", "02", "2", "12", "13", "001"]
    years = ["2010", "2012", "2011", "0999", "10", "20100"]
    for day, month, year in itertools.product(days, months, years):
        for text in (f"{day}/{month}/{year}", f"{day}/{month}/{year} ", f" {day}/{month}/{year}"):
            assert mis._parse_date_text(text) == by_formats(text), text
    assert mis._parse_date_text("29/02/2012") == datetime.date(2012, 2, 29)
    assert mis._parse_date_text("29/02/2011") is None
