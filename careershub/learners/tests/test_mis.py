from __future__ import annotations

import codecs
import datetime
import io
import random
import zipfile

import pytest

from careershub.learners import mis
from careershub.learners.identifiers import make_upn
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


@pytest.mark.parametrize(
    "header",
    [
        "Planned end date",
        "Learning planned end date",
        "LearnPlanEndDate",
        "Planned End",
        "Expected end date",
        "Programme end date",
        "Programme End Date",
    ],
)
def test_planned_end_date_column_is_recognised(header: str) -> None:
    mapping = mis.suggest_mapping(["ULN", "Surname", header])
    assert mapping[header] == "planned_end_date"
    assert mis.FIELD_LABELS["planned_end_date"] == "Planned end date"
    assert "planned_end_date" not in mis.REQUIRED_FIELDS
    # The learning actual end date is another thing: not taken for the planned one.
    assert "LearnActEndDate" not in mis.suggest_mapping(["ULN", "LearnActEndDate"])


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("31/07/2026", datetime.date(2026, 7, 31)),
        ("2027-06-30", datetime.date(2027, 6, 30)),
        ("30.06.2027", datetime.date(2027, 6, 30)),
        ("1 Jul 2027", datetime.date(2027, 7, 1)),
        (datetime.datetime(2027, 7, 31, 0, 0), datetime.date(2027, 7, 31)),  # an Excel date cell
        (datetime.date(2026, 7, 17), datetime.date(2026, 7, 17)),
        ("01/01/2000", datetime.date(2000, 1, 1)),
        ("15/01/2032", datetime.date(2032, 1, 15)),  # six years after TODAY, the latest
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_planned_end_dates_are_read_like_other_dates_and_may_be_blank(cell: object, day: object) -> None:
    columns = {0: "uln", 1: "planned_end_date"}
    row = mis.parse_row(2, ["9276308686", cell], columns, TODAY)
    assert row.errors == []
    assert row.values["planned_end_date"] == day
    assert mis.parse_rows([(2, ["9276308686", cell])], columns, TODAY) == [row]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("31/02/2027", "'31/02/2027' is not a date like 31/07/2027"),
        ("July", "'July' is not a date like 31/07/2027"),
        (46203, "'46203' is not a date like 31/07/2027"),
        ("31/12/1999", "31/12/1999 is not a plausible planned end date (before 2000)"),
        ("16/01/2032", "16/01/2032 is not a plausible planned end date (more than 6 years ahead)"),
        ("12/12/2099", "12/12/2099 is not a plausible planned end date (more than 6 years ahead)"),
    ],
)
def test_bad_planned_end_dates_are_row_errors_naming_the_field(cell: object, reason: str) -> None:
    rows = builders.learner_rows(2)
    data = builders.csv_bytes(rows)
    lines = data.decode().splitlines()
    lines[0] += ",Planned end date"
    lines[1] += ",31/07/2026"
    lines[2] += f",{cell}"
    parsed = parse_all("\n".join(lines).encode())
    assert parsed[0].errors == [] and parsed[0].values["planned_end_date"] == datetime.date(2026, 7, 31)
    assert parsed[1].number == 3
    assert parsed[1].errors == [("Planned end date", reason)]
    assert "planned_end_date" not in parsed[1].values


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


# Many rows at once (`RowsParser`) ---------------------------------------------------------------

#: Cells of every kind a column may hold: valid, invalid, blank, padded, XLSX-typed (numbers,
#: booleans, dates) and values that are equal as keys but read differently (1, 1.0, True).
CELL_POOL: list[object] = [
    "",
    "  ",
    None,
    "Y",
    "n",
    " yes ",
    "maybe",
    "1",
    "0",
    1,
    1.0,
    0,
    True,
    False,
    7,
    7.0,
    "7",
    "Y7",
    "Year 13",
    "15",
    "6",
    "K",
    "E",
    "ehcp",
    "x",
    "F",
    "male",
    "other",
    "31/12/2010",
    "2010-12-31",
    "1 Feb 2011",
    "31/02/2011",
    "01/01/1970",
    "12/12/2099",
    "31/07/2031",
    "31/12/1999",
    datetime.datetime(2027, 7, 31, 0, 0),
    datetime.date(2011, 5, 4),
    datetime.datetime(2012, 6, 7, 0, 0),
    "Smith",
    "  Mary   Ann ",
    "x" * 101,
    "10A",
    "a" * 21,
    "=1+1",
    12.5,
]


#: Valid cells for each field (so that most rows have no error).
VALID: dict[str, list[object]] = {
    "legal_first_name": ["Ava", " Bryn ", "Cato Dee"],
    "legal_last_name": ["Ashgrove", "Fallow"],
    "preferred_first_name": ["", "Mo"],
    "preferred_last_name": ["", "Ivydale"],
    "date_of_birth": ["01/09/2012", "2011-03-04", "5/6/2010", datetime.date(2013, 1, 2)],
    "year_group": ["7", "Y10", 11, "Year 13"],
    "registration_group": ["10A", "7B", ""],
    "disadvantaged": ["Y", "N", "", True],
    "fsm": ["Y", "N", 0],
    "sen_status": ["N", "K", "E", ""],
    "looked_after": ["N", "no"],
    "eal": ["Y", "N"],
    "sex": ["M", "F", ""],
    "considering_higher_education": ["Yes", "No"],
    "planned_end_date": ["", "31/07/2026", "2027-06-30", datetime.date(2026, 7, 17), None],
}


def _identifier_cell(n: int, rng: random.Random) -> object:
    upn = builders.upn_for(n)
    temporary = make_upn(f"358400119{n % 100:02d}A")
    if rng.random() < 0.1:
        return rng.choice([temporary, "B" + temporary[1:], temporary[:12] + "I"])
    wrong = [upn.lower(), f" {upn[:5]} {upn[5:]} ", "A" + upn[1:], upn[:-1], "", None, upn[:12] + "Z", 9276308686]
    return upn if rng.random() < 0.9 else rng.choice(wrong)


def _uln_cell(rng: random.Random) -> object:
    return rng.choice(["9276308686", " 9276 308686", "9276308687", "0276308686", "", "", None, 9276308686, "12"])


@pytest.mark.parametrize("seed", range(6))
def test_many_rows_are_parsed_as_parse_row_parses_each(seed: int) -> None:
    rng = random.Random(seed)
    fields = [f for f in mis.FIELD_LABELS if f not in ("upn", "uln")]
    rng.shuffle(fields)
    names = ["upn", "uln", *fields] if seed % 2 else ["upn", *fields]
    columns = dict(enumerate(names))
    rows: list[tuple[int, list[object]]] = []
    for n in range(400):
        cells: list[object] = [_identifier_cell(n % 150, rng)]
        if "uln" in names:
            cells.append(_uln_cell(rng))
        cells += [rng.choice(CELL_POOL) if rng.random() < 0.02 else rng.choice(VALID[f]) for f in fields]
        if rng.random() < 0.05:
            cells = cells[: rng.randrange(len(cells))]  # a short row
        rows.append((n + 2, cells))
    expected = [mis.parse_row(number, cells, columns, TODAY) for number, cells in rows]
    parser = mis.RowsParser(columns, TODAY)
    # In chunks, as the import reads them: what a chunk learns is kept for the next.
    got = parser.parse(rows[:150]) + parser.parse(rows[150:151]) + parser.parse(rows[151:])
    assert got == expected
    assert [parser.parse_one(number, cells) for number, cells in rows] == expected
    assert mis.parse_rows(rows, columns, TODAY) == expected
    assert any(row.errors for row in expected) and any(not row.errors for row in expected)


def test_many_rows_of_each_layout_are_parsed_as_parse_row_parses_them() -> None:
    for layout in ("sims", "arbor", "bromcom"):
        table = mis.open_table(builders.csv_bytes(builders.learner_rows(40), layout))
        columns = mis.column_indexes(table.headers, mis.suggest_mapping(table.headers))
        rows = list(table.rows())
        assert mis.parse_rows(rows, columns, TODAY) == [mis.parse_row(n, cells, columns, TODAY) for n, cells in rows]


def test_reading_rows_skips_blank_ones_and_refuses_formulas_in_csv_and_xlsx() -> None:
    text = "UPN,Surname\r\n" + f"{builders.upn_for(1)},A\r\n , \r\n,\r\n\t,\r\n{builders.upn_for(2)},B\r\n"
    table = mis.open_table(text.encode())
    assert [number for number, _cells in table.rows()] == [2, 6] and table.empty_rows == 3
    for data in (
        f"UPN,Surname\n{builders.upn_for(1)}, =SUM(A1)\n".encode(),
        builders.xlsx_bytes([["UPN", "Surname"], [builders.upn_for(1), "=SUM(A1)"]]),
    ):
        with pytest.raises(mis.MisFileError, match="Row 2, column 'Surname' holds a formula"):
            list(mis.open_table(data).rows())
    # An "=" inside a cell is not a formula.
    table = mis.open_table(f"UPN,Surname\n{builders.upn_for(1)},A=B\n".encode())
    assert [cells for _n, cells in table.rows()] == [[builders.upn_for(1), "A=B"]]
