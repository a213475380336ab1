"""Formal measurement points: pure date arithmetic, no database.

CEC "takes formal measures of progress on 31st of December, 31st of March and 31st of July".
An institution's result at a point is its latest evaluation submitted on or before that point
(judged by the submission's date in England, Europe/London). The academic year runs from
1 September to 31 August, so the three points of 2024/25 are 31 December 2024, 31 March 2025
and 31 July 2025.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import TypeVar
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

#: (month, day) of each formal measurement point, in academic-year order.
POINTS: tuple[tuple[int, int], ...] = ((12, 31), (3, 31), (7, 31))

_TERM_OF_POINT = {12: "autumn", 3: "spring", 7: "summer"}

T = TypeVar("T")


def is_measurement_point(day: datetime.date) -> bool:
    return (day.month, day.day) in POINTS


def _points_in_calendar_year(year: int) -> list[datetime.date]:
    return sorted(datetime.date(year, month, day) for month, day in POINTS)


def measurement_points_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The measurement points from ``start`` to ``end`` inclusive, oldest first."""
    return [
        point
        for year in range(start.year, end.year + 1)
        for point in _points_in_calendar_year(year)
        if start <= point <= end
    ]


def latest_point_on_or_before(day: datetime.date) -> datetime.date:
    """The most recent measurement point on or before ``day`` (``day`` itself if it is one)."""
    for point in reversed(_points_in_calendar_year(day.year)):
        if point <= day:
            return point
    return datetime.date(day.year - 1, 12, 31)


def next_point_on_or_after(day: datetime.date) -> datetime.date:
    """The next measurement point on or after ``day`` (``day`` itself if it is one)."""
    for point in _points_in_calendar_year(day.year):
        if point >= day:
            return point
    raise AssertionError("31 December is always on or after any day of its year")  # pragma: no cover


def academic_year_start(day: datetime.date) -> int:
    """The calendar year in which the academic year holding ``day`` began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_label(day: datetime.date) -> str:
    """The academic year holding ``day``, labelled as DfE does: ``"2024/25"``."""
    start = academic_year_start(day)
    return f"{start}/{(start + 1) % 100:02d}"


def points_in_academic_year(start_year: int) -> tuple[datetime.date, datetime.date, datetime.date]:
    """The three points of the academic year that begins on 1 September ``start_year``."""
    return (
        datetime.date(start_year, 12, 31),
        datetime.date(start_year + 1, 3, 31),
        datetime.date(start_year + 1, 7, 31),
    )


def term_of_point(point: datetime.date) -> str:
    """The term a measurement point closes: autumn, spring or summer."""
    if not is_measurement_point(point):
        raise ValueError(f"{point.isoformat()} is not a measurement point")
    return _TERM_OF_POINT[point.month]


def local_moment(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A date or datetime as a naive Europe/London local datetime (a bare date is its midnight)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LONDON)
        return value.replace(tzinfo=None)
    return datetime.datetime.combine(value, datetime.time.min)


def _submitted_at(submission: object) -> datetime.date | datetime.datetime | None:
    value = getattr(submission, "submitted_at", None)
    if value is None or isinstance(value, datetime.date):
        return value
    raise TypeError(f"submitted_at must be a date or datetime, got {type(value).__name__}")


def result_at(
    point: datetime.date,
    submissions: Iterable[T],
    submitted_at: Callable[[T], datetime.date | datetime.datetime | None] = _submitted_at,
) -> T | None:
    """The submission that counts at ``point``: the latest submitted on or before that day.

    ``submitted_at`` reads when each one was submitted (default: its ``submitted_at``
    attribute); ``None`` means not submitted (a draft) and is skipped. A timezone-aware datetime
    is judged by its Europe/London date, so an evaluation submitted at 23:30 on 31 December in
    London counts at that point. Of several on the same moment, the last given wins.
    """
    best: T | None = None
    best_moment: datetime.datetime | None = None
    for submission in submissions:
        value = submitted_at(submission)
        if value is None:
            continue
        moment = local_moment(value)
        if moment.date() <= point and (best_moment is None or moment >= best_moment):
            best, best_moment = submission, moment
    return best
