"""The counts behind a dashboard: institutions and their total score per group.

Dashboards are made (in `dashboard.py`) from an `Aggregates`, never from institution rows, so
the counting can happen in the database over the precomputed facts
(`queries.aggregates_at`). `aggregate_rows` does the same counting in Python from rows read
from the source tables (`queries.rows_at`): it is the reference the tests hold the database
version to, figure for figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Group:
    count: int
    total: int  # sum of benchmarks fully achieved

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


@dataclass
class Aggregates:
    count: int
    total: int
    all_eight: int
    benchmarks: list[int]  # institutions fully achieving benchmark 1..8
    distribution: list[int]  # institutions with 0..8 benchmarks fully achieved
    by_kind: dict[str, Group]  # institution kind code
    by_fsm: dict[int | None, Group]  # national FSM quintile 1..5, None: not known
    by_membership: dict[bool, Group]  # in a hub at the point
    by_wave: dict[int | None, Group]  # the hub's wave, None: in no hub
    by_area: dict[int, Group]  # region or local authority pk
    members: list[tuple[str, int, int]] = field(default_factory=list)  # name, URN, score

    @property
    def average(self) -> float | None:
        return Group(self.count, self.total).average


def quintile(value: Any, edges: Sequence[float]) -> int | None:
    if value is None or not edges:
        return None
    return sum(1 for edge in edges if float(value) > edge) + 1


def _add(groups: dict[Any, Group], key: Any, score: int) -> None:
    found = groups.get(key, Group(0, 0))
    groups[key] = Group(found.count + 1, found.total + score)


def aggregate_rows(
    rows: list[dict[str, Any]], *, fsm_edges: Sequence[float], area_field: str | None, members: bool
) -> Aggregates:
    """Count `queries.rows_at` rows in Python (the reference for `queries.aggregates_at`)."""
    scores = [r["benchmarks_fully_achieved"] for r in rows]
    result = Aggregates(
        count=len(scores),
        total=sum(scores),
        all_eight=sum(1 for s in scores if s == 8),
        benchmarks=[sum(1 for r in rows if n in (r["achieved"] or [])) for n in range(1, 9)],
        distribution=[sum(1 for s in scores if s == n) for n in range(9)],
        by_kind={},
        by_fsm={},
        by_membership={},
        by_wave={},
        by_area={},
    )
    for r in rows:
        score = r["benchmarks_fully_achieved"]
        _add(result.by_kind, r["institution__kind"], score)
        _add(result.by_fsm, quintile(r["institution__percent_fsm"], fsm_edges), score)
        _add(result.by_membership, bool(r["hub_id"]), score)
        _add(result.by_wave, r["hub_wave"] if r["hub_id"] else None, score)
        if area_field and r[area_field] is not None:
            _add(result.by_area, r[area_field], score)
    if members:
        result.members = [(r["institution__name"], r["institution__urn"], r["benchmarks_fully_achieved"]) for r in rows]
    return result
