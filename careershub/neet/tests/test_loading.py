"""The published figures are stored exactly as published: checked against the raw files (read here,
independently of the loader) and against a few values read by eye from the files."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from careershub.neet import services
from careershub.neet.loading import DATA_DIR, NeetDataError, read_data_file
from careershub.neet.models import Figure, FigureLoad, Level

pytestmark = pytest.mark.django_db


def raw_rows(name: str) -> list[tuple[int, dict[str, str]]]:
    data = read_data_file(DATA_DIR / name)
    assert data is not None, name
    return list(enumerate(csv.DictReader(data.decode("utf-8-sig").splitlines()), start=2))


def shown(measure: str, level: str, code: str, period: str) -> str:
    return Figure.objects.get(measure__code=measure, level=level, area_code=code, period=period).published


SCORECARD_COLUMNS = {
    "NEET_not_known_percent": "sc_neet_nk",
    "NEET_percent": "sc_neet",
    "Notknown_percent": "sc_not_known",
    "TOTAL_participating_in_education_and_training_percent": "sc_participating",
    "September_guarantee_Offer_made_percent": "sc_september_guarantee",
    "Cohort_DJFavg": "sc_cohort",
    "NEET_NK_EHCP_percent": "sc_neet_nk_ehcp",
}


@pytest.mark.parametrize("year", ["2021", "2022", "2023", "2025"])
def test_scorecard_figures_equal_the_file_for_england_regions_and_a_sample_of_las(published: None, year: str) -> None:
    checked = 0
    for line, row in raw_rows(f"dfe_neet_la_scorecard_{year}.csv"):
        level = row["geographic_level"]
        if level == "National":
            key = (Level.NATIONAL, "E92000001")
        elif level == "Regional" and row["region_code"]:
            key = (Level.REGION, row["region_code"])
        elif level == "Local authority" and row["old_la_code"] and line % 7 == 0:
            key = (Level.LOCAL_AUTHORITY, row["old_la_code"])
        else:
            continue
        for column, measure in SCORECARD_COLUMNS.items():
            text = row.get(column, "").strip()
            if text == "":
                assert not Figure.objects.filter(
                    measure__code=measure, level=key[0], area_code=key[1], period=year
                ).exists()
                continue
            figure = Figure.objects.get(measure__code=measure, level=key[0], area_code=key[1], period=year)
            assert figure.published == text, (line, column)
            assert figure.source_row == line
            if text in {"c", "x", "z", "low"}:
                assert figure.value is None and figure.marker == text  # kept as a symbol, never a zero
            else:
                assert figure.value == Decimal(text)
            checked += 1
    assert checked > 100


def test_lait_figures_equal_the_file(published: None) -> None:
    checked = 0
    for line, row in raw_rows("dfe_lait_neet_participation_destinations.csv"):
        if line % 13:
            continue
        figure = Figure.objects.filter(
            source_row=line, source_file="dfe_lait_neet_participation_destinations.csv"
        ).first()
        text = row["value"].strip()
        assert figure is not None, line
        if text == "-":
            assert figure.value is None and figure.marker == "-" and figure.published == "-"
        elif "." in text and len(text.split(".")[1]) > 4:
            # A float artefact (4.0999999999999996) is the published 4.1; an unrounded 2018 rate is
            # shown to one place, as LAIT shows it.
            assert abs(float(figure.published) - float(text)) < 0.05
        else:
            assert figure.published == text
            assert figure.value == Decimal(text)
        checked += 1
    assert checked > 1000


def test_known_values_read_by_eye_from_the_files(published: None) -> None:
    # England, NEET or not known and NEET only, scorecard (also in the shared data README).
    for year, both, neet in [
        ("2021", "5.5", "2.8"),
        ("2022", "4.7", "2.6"),
        ("2023", "5.2", "2.8"),
        ("2025", "5.6", "3.4"),
    ]:
        assert shown("sc_neet_nk", Level.NATIONAL, "E92000001", year) == both
        assert shown("sc_neet", Level.NATIONAL, "E92000001", year) == neet
    assert shown("sc_cohort", Level.NATIONAL, "E92000001", "2025") == "1335160"
    assert shown("sc_cohort", Level.NATIONAL, "E92000001", "2022") == "1208392.7"
    # Derby and Leicester, scorecard 2025; East Midlands 2023.
    assert shown("sc_neet_nk", Level.LOCAL_AUTHORITY, "831", "2025") == "7.9"
    assert shown("sc_september_guarantee", Level.LOCAL_AUTHORITY, "856", "2025") == "94.8"
    assert shown("sc_neet_nk", Level.REGION, "E12000004", "2023") == "4.9"
    # Trafford, LAIT: 5.3 (2019) and 3.9 (2024); Wirral 2019 is 4.9000000000000004 in the file.
    assert shown("lait_neet_nk", Level.LOCAL_AUTHORITY, "358", "2019") == "5.3"
    assert shown("lait_neet_nk", Level.LOCAL_AUTHORITY, "358", "2024") == "3.9"
    assert shown("lait_neet_nk", Level.LOCAL_AUTHORITY, "344", "2019") == "4.9"
    assert shown("lait_september_guarantee", Level.LOCAL_AUTHORITY, "358", "2020") == "96.12"
    # LAIT's regions are matched to their GSS codes; England is 970 in LAIT.
    assert shown("lait_neet_nk", Level.REGION, "E12000002", "2019") == "6.3"
    assert shown("lait_neet_nk", Level.NATIONAL, "E92000001", "2023") == "5.2"
    # Suppressed or not applicable: kept as the symbol.
    bucks = Figure.objects.get(measure__code="sc_september_guarantee", area_code="825", period="2021")
    assert (bucks.published, bucks.marker, bucks.value) == ("z", "z", None)
    cumberland = Figure.objects.get(measure__code="lait_neet_nk", area_code="942", period="2019")
    assert (cumberland.published, cumberland.value) == ("-", None)
    # KS4 counts by district, with their cohort as the denominator.
    education = Figure.objects.get(measure__code="ks4_education", area_code="E07000155", period="201516")
    assert (education.value, education.numerator, education.denominator) == (1181, 1181, 1332)
    assert education.la_code == "928"  # South Northamptonshire was in Northamptonshire


def test_england_ks4_sustained_rate_summed_over_districts(published: None) -> None:
    """The shared README's cross-check: summed over districts, 94.2% (2015/16) and 93.6% (2021/22)."""
    from careershub.neet.queries import national_district_totals

    totals = national_district_totals()
    for period, expected in [("201516", 94.2), ("202122", 93.6)]:
        sustained = sum(totals[(m, period)] for m in ("ks4_education", "ks4_apprenticeship", "ks4_employment"))
        assert round(100 * sustained / totals[("ks4_cohort", period)], 1) == expected


def test_placeholder_rows_are_not_figures(published: None) -> None:
    assert not Figure.objects.filter(area_name__icontains="demo").exists()
    assert Figure.objects.filter(level=Level.REGION, period="2021", measure__code="sc_neet_nk").count() == 9


def test_loading_again_changes_nothing(published: None) -> None:
    count = Figure.objects.count()
    loads = FigureLoad.objects.count()
    outcome = services.load_figures(published=services.check_files())
    assert (outcome.created, outcome.updated, outcome.removed) == (0, 0, 0)
    assert outcome.unchanged == count
    assert Figure.objects.count() == count and FigureLoad.objects.count() == loads


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    return folder


def _edit(path: Path, line: int, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_broken_file_is_refused_naming_file_line_and_field_and_changes_nothing(
    published: None, tmp_path: Path
) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "dfe_neet_la_scorecard_2025.csv", 2, "NEET_percent", "3.4%")
    before = list(Figure.objects.order_by("pk").values_list("pk", "published"))
    with pytest.raises(NeetDataError) as caught:
        services.check_files(folder=folder)
    assert [str(p) for p in caught.value.problems] == [
        "dfe_neet_la_scorecard_2025.csv, line 2, NEET_percent: '3.4%' is neither a number nor a published symbol"
    ]
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_neet_figures", folder=folder)
    assert list(Figure.objects.order_by("pk").values_list("pk", "published")) == before


def test_missing_column_and_impossible_values_are_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "dfe_ks4_destination_measures_lad_201516_202122.csv", 3, "appren", "-4")
    text = (folder / "dfe_neet_la_scorecard_2022.csv").read_text(encoding="utf-8")
    (folder / "dfe_neet_la_scorecard_2022.csv").write_text(
        text.replace("NEET_percent", "NEET_pct", 1), encoding="utf-8"
    )
    with pytest.raises(NeetDataError) as caught:
        services.check_files(folder=folder)
    problems = [str(p) for p in caught.value.problems]
    assert "dfe_neet_la_scorecard_2022.csv, line 1, NEET_percent: column missing from the header" in problems
    assert "dfe_ks4_destination_measures_lad_201516_202122.csv, line 3, appren: -4 is a negative count" in problems


def test_a_change_is_applied_in_one_transaction(
    published: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "dfe_neet_la_scorecard_2025.csv", 2, "NEET_percent", "3.5")
    checked = services.check_files(folder=folder)
    assert str(services.preview(checked)).startswith("0 new, 1 changed, 0 removed")

    def fail(**kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(FigureLoad.objects, "create", fail)
    with pytest.raises(RuntimeError):
        services.load_figures(published=checked)
    assert shown("sc_neet", Level.NATIONAL, "E92000001", "2025") == "3.4"
    monkeypatch.undo()
    outcome = services.load_figures(published=checked)
    assert (outcome.created, outcome.updated, outcome.removed) == (0, 1, 0)
    assert shown("sc_neet", Level.NATIONAL, "E92000001", "2025") == "3.5"


def test_check_command_previews_without_loading(published: None, capsys: pytest.CaptureFixture[str]) -> None:
    loads = FigureLoad.objects.count()
    call_command("load_neet_figures", check=True)
    out = capsys.readouterr().out
    assert "placeholder row 'LA demo' skipped" in out
    assert "Files are valid. Loading them would make 0 new, 0 changed, 0 removed" in out
    assert FigureLoad.objects.count() == loads
