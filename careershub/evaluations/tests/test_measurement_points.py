"""Formal measurement points (31 December, 31 March, 31 July) and the result at a point."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careershub.evaluations.measurement_points import (
    academic_year_label,
    academic_year_start,
    is_measurement_point,
    latest_point_on_or_before,
    measurement_points_between,
    next_point_on_or_after,
    points_in_academic_year,
    result_at,
    term_of_point,
)

D = datetime.date
UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Submission:
    name: str
    submitted_at: datetime.date | datetime.datetime | None


def test_points_in_an_academic_year() -> None:
    assert measurement_points_between(D(2024, 9, 1), D(2025, 8, 31)) == [
        D(2024, 12, 31),
        D(2025, 3, 31),
        D(2025, 7, 31),
    ]
    assert points_in_academic_year(2024) == (D(2024, 12, 31), D(2025, 3, 31), D(2025, 7, 31))


def test_points_between_includes_both_ends() -> None:
    assert measurement_points_between(D(2024, 12, 31), D(2024, 12, 31)) == [D(2024, 12, 31)]
    assert measurement_points_between(D(2025, 3, 31), D(2025, 7, 31)) == [D(2025, 3, 31), D(2025, 7, 31)]
    assert measurement_points_between(D(2025, 4, 1), D(2025, 7, 30)) == []
    assert measurement_points_between(D(2026, 1, 1), D(2025, 1, 1)) == []


@pytest.mark.parametrize(
    ("day", "point"),
    [
        (D(2025, 1, 15), D(2024, 12, 31)),
        (D(2025, 2, 28), D(2024, 12, 31)),
        (D(2025, 3, 30), D(2024, 12, 31)),
        (D(2025, 3, 31), D(2025, 3, 31)),
        (D(2025, 4, 1), D(2025, 3, 31)),
        (D(2025, 8, 31), D(2025, 7, 31)),
        (D(2025, 9, 1), D(2025, 7, 31)),
        (D(2025, 12, 30), D(2025, 7, 31)),
        (D(2025, 12, 31), D(2025, 12, 31)),
    ],
)
def test_latest_point_on_or_before(day: datetime.date, point: datetime.date) -> None:
    assert latest_point_on_or_before(day) == point


def test_next_point_on_or_after() -> None:
    assert next_point_on_or_after(D(2025, 9, 1)) == D(2025, 12, 31)
    assert next_point_on_or_after(D(2025, 12, 31)) == D(2025, 12, 31)
    assert next_point_on_or_after(D(2026, 1, 1)) == D(2026, 3, 31)
    assert next_point_on_or_after(D(2026, 4, 1)) == D(2026, 7, 31)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (D(2024, 12, 31), "2024/25"),
        (D(2025, 3, 31), "2024/25"),
        (D(2025, 7, 31), "2024/25"),
        (D(2025, 8, 31), "2024/25"),
        (D(2025, 9, 1), "2025/26"),
        (D(1999, 12, 31), "1999/00"),
    ],
)
def test_academic_year_label(day: datetime.date, label: str) -> None:
    assert academic_year_label(day) == label


def test_term_of_point() -> None:
    assert [term_of_point(p) for p in points_in_academic_year(2025)] == ["autumn", "spring", "summer"]
    with pytest.raises(ValueError, match="2025-08-31 is not a measurement point"):
        term_of_point(D(2025, 8, 31))


def test_result_at_takes_the_latest_submission_on_or_before_the_point() -> None:
    autumn = Submission("autumn", D(2024, 11, 20))
    december = Submission("december", D(2024, 12, 31))
    january = Submission("january", D(2025, 1, 10))
    draft = Submission("draft", None)
    submissions = [january, autumn, draft, december]
    assert result_at(D(2024, 12, 31), submissions) is december
    assert result_at(D(2025, 3, 31), submissions) is january
    assert result_at(D(2024, 7, 31), submissions) is None
    assert result_at(D(2024, 12, 31), []) is None


def test_result_at_judges_the_day_in_england() -> None:
    # 31 July is summer time: 22:30 UTC is 23:30 in London (counts); 23:30 UTC is 00:30 on 1 August.
    late_evening = Submission("late evening", datetime.datetime(2025, 7, 31, 22, 30, tzinfo=UTC))
    after_midnight = Submission("after midnight", datetime.datetime(2025, 7, 31, 23, 30, tzinfo=UTC))
    assert result_at(D(2025, 7, 31), [late_evening, after_midnight]) is late_evening
    new_year_eve = Submission("new year's eve", datetime.datetime(2024, 12, 31, 23, 59, tzinfo=LONDON))
    assert result_at(D(2024, 12, 31), [new_year_eve]) is new_year_eve


def test_result_at_orders_by_time_then_by_position() -> None:
    morning = Submission("morning", datetime.datetime(2025, 3, 31, 9, 0, tzinfo=UTC))
    afternoon = Submission("afternoon", datetime.datetime(2025, 3, 31, 15, 0, tzinfo=UTC))
    assert result_at(D(2025, 3, 31), [afternoon, morning]) is afternoon
    twin = Submission("twin", datetime.datetime(2025, 3, 31, 15, 0, tzinfo=UTC))
    assert result_at(D(2025, 3, 31), [afternoon, twin]) is twin


def test_result_at_with_an_accessor() -> None:
    rows = [("a", D(2025, 1, 5)), ("b", D(2025, 2, 5)), ("c", None)]
    assert result_at(D(2025, 3, 31), rows, submitted_at=lambda row: row[1]) == ("b", D(2025, 2, 5))


def test_result_at_refuses_a_submitted_at_that_is_not_a_date() -> None:
    with pytest.raises(TypeError):
        result_at(D(2025, 3, 31), [Submission("text", "2025-01-01")])  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------------------

dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


@given(dates)
def test_latest_point_is_the_nearest_one_before(day: datetime.date) -> None:
    point = latest_point_on_or_before(day)
    assert is_measurement_point(point)
    assert point <= day
    assert (day - point).days < 153  # the longest gap: 31 July to 31 December
    assert measurement_points_between(point + datetime.timedelta(days=1), day) == []
    assert next_point_on_or_after(point) == point


@given(dates, st.integers(min_value=0, max_value=800))
def test_points_between_matches_a_day_by_day_search(start: datetime.date, length: int) -> None:
    end = start + datetime.timedelta(days=length)
    expected = [start + datetime.timedelta(days=n) for n in range(length + 1)]
    assert measurement_points_between(start, end) == [d for d in expected if is_measurement_point(d)]


@given(st.integers(min_value=2000, max_value=2100))
def test_each_academic_year_has_three_points_with_its_label(start_year: int) -> None:
    points = points_in_academic_year(start_year)
    assert measurement_points_between(D(start_year, 9, 1), D(start_year + 1, 8, 31)) == list(points)
    assert {academic_year_label(p) for p in points} == {f"{start_year}/{(start_year + 1) % 100:02d}"}
    assert {academic_year_start(p) for p in points} == {start_year}


@given(dates, st.lists(st.none() | dates, max_size=8))
def test_result_at_is_the_latest_on_or_before(point: datetime.date, days: list[datetime.date | None]) -> None:
    submissions = [Submission(str(i), day) for i, day in enumerate(days)]
    chosen = result_at(point, submissions)
    eligible = [s for s in submissions if s.submitted_at is not None and s.submitted_at <= point]
    if not eligible:
        assert chosen is None
    else:
        assert chosen is not None and chosen.submitted_at == max(s.submitted_at for s in eligible)  # type: ignore[type-var]
