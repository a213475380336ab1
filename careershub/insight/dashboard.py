"""Dashboard tables for a scope and measurement point, with suppression already applied.

Every output (page, chart, CSV, XLSX) is made from these `Table`s, so all of them withhold
exactly the same figures. Values are numbers, text, or `SUPPRESSED` ("[c]").
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import quantiles
from typing import Any

from careershub.insight.aggregates import Aggregates, Group
from careershub.insight.suppression import SUPPRESSED, primary, suppress_partition, threshold
from careershub.institutions.models import InstitutionKind

Value = int | float | str | None


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Value]]
    summary: str = ""
    links: list[str | None] = field(default_factory=list)

    @property
    def any_suppressed(self) -> bool:
        return any(value == SUPPRESSED for row in self.rows for value in row)

    def numeric(self, index: int) -> bool:
        return index > 0


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _partition_table(
    key: str,
    title: str,
    label: str,
    groups: list[tuple[str, Group]],
    *,
    links: list[str | None] | None = None,
    total_published: bool = False,
) -> Table:
    """Rows of (group, institutions, average) that partition the total, with a total row.
    `total_published`: the total is shown elsewhere (the institutions reporting)."""
    counts = [group.count for _, group in groups]
    decision = suppress_partition(counts, total_published=total_published)
    rows: list[list[Value]] = []
    for index, (name, group) in enumerate(groups):
        if index in decision.rows:
            rows.append([name, SUPPRESSED, SUPPRESSED])
        else:
            rows.append([name, group.count, group.average])
    everything = Group(sum(g.count for _, g in groups), sum(g.total for _, g in groups))
    if decision.total:
        rows.append(["Total", SUPPRESSED, SUPPRESSED])
    else:
        rows.append(["Total", everything.count, everything.average])
    shown = [(row[0], row[2]) for row in rows[:-1] if row[1] not in (SUPPRESSED, 0)]
    summary = ""
    if shown:
        best = max(shown, key=lambda item: item[1] or 0)
        summary = f"Of the groups shown, {best[0]} has the highest average ({best[1]} benchmarks)."
    return Table(
        key,
        title,
        [label, "Institutions", "Average benchmarks fully achieved"],
        rows,
        summary,
        (links or [None] * len(groups)) + [None],
    )


KIND_LABELS = dict(InstitutionKind.choices)


def fsm_quintile_edges(values: Sequence[float]) -> list[float]:
    return [round(edge, 1) for edge in quantiles(values, n=5)] if len(values) >= 5 else []


@dataclass
class Dashboard:
    point: datetime.date
    reporting: int
    tables: dict[str, Table]

    def table(self, key: str) -> Table:
        return self.tables[key]


def build_dashboard(
    *,
    point: datetime.date,
    figures: Aggregates,
    trend_rows: list[dict[str, Any]],
    areas: tuple[str, dict[int, str]] | None,
    full_access: bool,
    area_link: Any = None,
) -> Dashboard:
    """The dashboard's tables, suppressed. `trend_rows` hold point, count and total."""
    minimum = threshold()
    count = figures.count
    small = primary(count, minimum)
    tables: dict[str, Table] = {}

    average = figures.average
    all_eight = round(100 * figures.all_eight / count, 1) if count else None
    # The share fully achieving all 8 is the distribution's "8" row: withheld with it.
    eight_hidden = 8 in suppress_partition(list(figures.distribution), minimum, total_published=not small).rows
    tables["summary"] = Table(
        "summary",
        "Summary",
        ["Measure", "Value"],
        [
            ["Institutions reporting", SUPPRESSED if small else count],
            ["Average benchmarks fully achieved", SUPPRESSED if small else average],
            ["Fully achieving all 8 benchmarks (%)", SUPPRESSED if small or eight_hidden else all_eight],
        ],
        (
            f"Figures are withheld because fewer than {minimum} institutions reported."
            if small
            else f"{count} institutions reported, fully achieving {average} benchmarks on average."
            if count
            else "No institutions reported at this point."
        ),
    )

    benchmark_rows: list[list[Value]] = []
    for number, achieved in enumerate(figures.benchmarks, start=1):
        share = round(100 * achieved / count, 1) if count else None
        benchmark_rows.append([f"Benchmark {number}", SUPPRESSED if small else share])
    shown = [(row[0], row[1]) for row in benchmark_rows if isinstance(row[1], float)]
    tables["benchmarks"] = Table(
        "benchmarks",
        "Institutions fully achieving each benchmark (%)",
        ["Benchmark", "Fully achieving (%)"],
        benchmark_rows,
        (
            f"{max(shown, key=lambda i: i[1])[0]} is the most often fully achieved "
            f"({max(shown, key=lambda i: i[1])[1]}%), {min(shown, key=lambda i: i[1])[0]} the least "
            f"({min(shown, key=lambda i: i[1])[1]}%)."
            if shown
            else "Figures are withheld or there are no results."
        ),
    )

    counts = list(figures.distribution)
    # The total is the number of institutions reporting, shown in the summary unless withheld.
    decision = suppress_partition(counts, minimum, total_published=not small)
    distribution_rows: list[list[Value]] = []
    for n, number in enumerate(counts):
        if n in decision.rows:
            distribution_rows.append([str(n), SUPPRESSED, SUPPRESSED])
        else:
            distribution_rows.append([str(n), number, round(100 * number / count, 1) if count else None])
    distribution_rows.append(
        ["Total", SUPPRESSED if decision.total else count, SUPPRESSED if decision.total else 100.0]
    )
    visible = [(row[0], row[1]) for row in distribution_rows[:-1] if isinstance(row[1], int)]
    tables["distribution"] = Table(
        "distribution",
        "Institutions by number of benchmarks fully achieved",
        ["Benchmarks fully achieved", "Institutions", "Share (%)"],
        distribution_rows,
        (
            f"The most common result is {max(visible, key=lambda i: i[1])[0]} benchmarks."
            if visible and not decision.total
            else "Figures are withheld."
        ),
    )

    trend_table_rows: list[list[Value]] = []
    for item in trend_rows:
        hidden = primary(item["count"], minimum)
        trend_table_rows.append(
            [
                item["point"].isoformat(),
                SUPPRESSED if hidden else item["count"],
                SUPPRESSED if hidden else Group(item["count"], item["total"]).average,
            ]
        )
    shown_trend = [row for row in trend_table_rows if isinstance(row[2], float)]
    tables["trend"] = Table(
        "trend",
        "Trend over measurement points",
        ["Measurement point", "Institutions reporting", "Average benchmarks fully achieved"],
        trend_table_rows,
        (
            f"The average rose from {shown_trend[0][2]} at {shown_trend[0][0]} to {shown_trend[-1][2]} "
            f"at {shown_trend[-1][0]}."
            if len(shown_trend) >= 2
            else "There are too few points to show a trend."
        ),
    )

    by_kind = sorted(
        ((KIND_LABELS.get(kind, kind), group) for kind, group in figures.by_kind.items()), key=lambda item: item[0]
    )
    tables["by_kind"] = _partition_table(
        "by_kind", "By kind of institution", "Kind", by_kind, total_published=not small
    )

    tables["by_fsm"] = _partition_table(
        "by_fsm",
        "By disadvantage (national quintile of pupils eligible for free school meals; 1 = least)",
        "FSM quintile",
        [(f"Quintile {q}", figures.by_fsm.get(q, Group(0, 0))) for q in range(1, 6)]
        + [("FSM not known", figures.by_fsm.get(None, Group(0, 0)))],
        total_published=not small,
    )
    tables["by_membership"] = _partition_table(
        "by_membership",
        "By hub membership",
        "Hub membership",
        [
            ("In a hub", figures.by_membership.get(True, Group(0, 0))),
            ("Not in a hub", figures.by_membership.get(False, Group(0, 0))),
        ],
        total_published=not small,
    )
    waves = [(f"Wave {wave}" if wave is not None else "Not in a hub", group) for wave, group in figures.by_wave.items()]
    tables["by_wave"] = _partition_table(
        "by_wave",
        "By hub wave",
        "Hub wave",
        sorted(waves, key=lambda item: (item[0] == "Not in a hub", item[0])),
        total_published=not small,
    )

    if areas is not None:
        level, names = areas
        ordered = sorted(figures.by_area.items(), key=lambda item: names.get(item[0], ""))
        tables["by_area"] = _partition_table(
            "by_area",
            "By area",
            "Area",
            [(names.get(pk, "Unknown"), group) for pk, group in ordered],
            links=[area_link(level, pk) if area_link else None for pk, _ in ordered],
        )

    if full_access:
        tables["members"] = Table(
            "members",
            "Members' results",
            ["School or college", "URN", "Benchmarks fully achieved"],
            [[name, urn, score] for name, urn, score in figures.members],
            "Each member's own result (visible to the hub and the national team only).",
        )
    return Dashboard(point=point, reporting=count, tables=tables)


def membership_trend_table(panel: Any) -> Table:
    """Average at each summer point for institutions in a hub then, and not (suppressed cells)."""
    minimum = threshold()
    rows: list[list[Value]] = []
    if len(panel):
        for point, group in panel.groupby("point"):
            row: list[Value] = [point.date().isoformat()]
            parts = [group[group["treated"] == flag]["score"] for flag in (1, 0)]
            # Members and non-members add up to the institutions reporting then (the trend).
            decision = suppress_partition([len(part) for part in parts], minimum, total_published=True)
            for index, part in enumerate(parts):
                hidden = index in decision.rows
                row += [SUPPRESSED if hidden else len(part), SUPPRESSED if hidden else _average(list(part))]
            rows.append(row)
    return Table(
        "hub_vs_comparison",
        "Institutions in a hub and not, at each 31 July",
        ["Measurement point", "In a hub", "Average (in a hub)", "Not in a hub", "Average (not in a hub)"],
        rows,
        "Averages of institutions in a hub at each point and of those not in one.",
    )
