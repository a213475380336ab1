"""Dashboard tables for a scope and measurement point, with suppression already applied.

Every output (page, chart, CSV, XLSX) is made from these `Table`s, so all of them withhold
exactly the same figures. Values are numbers, text, or `SUPPRESSED` ("[c]").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import quantiles
from typing import TYPE_CHECKING, Any

from careershub.insight.aggregates import Aggregates, Group
from careershub.insight.statistics import Estimate, Verdict
from careershub.insight.suppression import (
    SUPPRESSED,
    PartitionSuppression,
    primary,
    suppress_distribution,
    suppress_partition,
    threshold,
)
from careershub.institutions.models import InstitutionKind

IN_HUB, NOT_IN_HUB = "in_hub", "not_in_hub"  # as `withholding.Part`

if TYPE_CHECKING:
    from careershub.insight.queries import Similar
    from careershub.insight.withholding import ScopeWithheld

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
    decided: PartitionSuppression | None = None,
) -> Table:
    """Rows of (group, institutions, average) that partition the total, with a total row.
    `total_published`: the total is shown elsewhere (the institutions reporting). `decided`: the
    rows to withhold, decided across pages (`withholding.py`) instead of in this table alone."""
    counts = [group.count for _, group in groups]
    decision = decided or suppress_partition(counts, total_published=total_published)
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


def kind_order(kinds: Sequence[str]) -> list[str]:
    """The kinds in the order of the 'by kind' table (by label)."""
    return sorted(kinds, key=lambda kind: KIND_LABELS.get(kind, kind))


def breakdown_decided(
    groups: Sequence[Any], counts: Sequence[int], *, small: bool, across: bool, decided: frozenset[Any] | None
) -> PartitionSuppression:
    """The rows of a breakdown by kind or FSM quintile to withhold: every row when the scope is
    withheld across pages; otherwise the table's own (`suppress_partition`), with the groups the
    decision across pages withholds (`decided`: `withholding.PointWithheld.rows_of`)."""
    if across:
        return PartitionSuppression(frozenset(range(len(groups))), True)
    own = suppress_partition(list(counts), total_published=not small)
    if not decided:
        return own
    return PartitionSuppression(own.rows | {i for i, group in enumerate(groups) if group in decided}, own.total)


def distribution_decided(
    counts: Sequence[int], *, small: bool, across: bool, decided: frozenset[Any] | None
) -> PartitionSuppression:
    """The rows of the distribution (institutions by benchmarks fully achieved, 0-8) to withhold:
    every row when the scope is withheld across pages; otherwise the table's own
    (`suppress_distribution`, the score sum being published), with the scores the decision
    across pages withholds (`decided`: `withholding.PointWithheld.rows_of`)."""
    if across:
        return PartitionSuppression(frozenset(range(len(counts))), True)
    own = suppress_distribution(list(counts), threshold(), total_published=not small)
    return PartitionSuppression(own.rows | {n for n in range(len(counts)) if n in (decided or ())}, own.total)


def kinds_withheld(
    counts: dict[str, int], *, small: bool, across: bool, decided: frozenset[Any] | None = None
) -> set[str]:
    """The kinds whose rows England's 'by kind' table withholds, exactly as `build_dashboard`
    decides them (`small`: England's count withheld; `across`: England withheld across pages;
    `decided`: the kinds withheld there across pages)."""
    ordered = kind_order(list(counts))
    decision = breakdown_decided(
        ordered, [counts[kind] for kind in ordered], small=small, across=across, decided=decided
    )
    return {kind for index, kind in enumerate(ordered) if index in decision.rows}


def similar_withheld(
    similar: Similar, *, england_small: bool, england_across: bool, england_kinds: frozenset[Any] | None = None
) -> bool:
    """Whether an institution page withholds its similar institutions (`queries.Similar`).

    The cells (fifths by FSM % within the kind, and FSM not known) partition the kind, whose
    count and average England's 'by kind' table publishes; an institution's own page shows its
    cell less itself, and whoever sees two pages in one cell (a hub, the national team) learns
    the cell. So the cells are treated as a published partition of the kind: withheld as a
    partition's rows are, with the threshold raised by one (the figure shown rests on the cell
    less the institution), and all of them when the kind's own row is withheld on England's page
    (it could then be worked out only with the other withheld kinds, whose sum is published)."""
    withheld = kinds_withheld(similar.kinds, small=england_small, across=england_across, decided=england_kinds)
    if similar.kind in withheld:
        return True
    decision = suppress_partition(similar.cells, threshold() + 1, total_published=True)
    return similar.cell in decision.rows or decision.total


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
    withheld: ScopeWithheld | None = None,
    membership: bool = True,
) -> Dashboard:
    """The dashboard's tables, suppressed. `trend_rows` hold point, count and total. `withheld`:
    what is withheld across pages at this point (`withholding.for_scope`): the whole scope (it
    could otherwise be worked out from other pages), its trend at some points, some 'by area'
    rows and, for England, the membership and wave rows. `membership`: whether the page publishes
    breakdowns by hub membership and hub wave (England, regions and hubs: `withholding.BREAKDOWN_LEVELS`)."""
    minimum = threshold()
    count = figures.count
    across = withheld is not None and withheld.scope
    small = primary(count, minimum) or across
    everything = PartitionSuppression(frozenset(range(99)), True)
    tables: dict[str, Table] = {}

    average = figures.average
    all_eight = round(100 * figures.all_eight / count, 1) if count else None
    rows_decided = withheld.rows if withheld is not None else {}
    counts = list(figures.distribution)
    # The total is the number of institutions reporting, shown in the summary unless withheld;
    # rows decided across pages (`withholding.decide_categories`, scores) are withheld too.
    decision = distribution_decided(counts, small=small, across=across, decided=rows_decided.get("score"))
    # The share fully achieving all 8 is the distribution's "8" row: withheld with it.
    eight_hidden = 8 in decision.rows
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
            "Figures are withheld because they could be worked out from those published for other areas."
            if across
            else f"Figures are withheld because fewer than {minimum} institutions reported."
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
        hidden = primary(item["count"], minimum) or (withheld is not None and item["point"] in withheld.points)
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

    # Kinds and FSM quintiles: decided across pages (`withholding.decide_categories`: a row of
    # one page could otherwise be worked out from others'), with each table's own small rows.
    kinds = kind_order(list(figures.by_kind))
    tables["by_kind"] = _partition_table(
        "by_kind",
        "By kind of institution",
        "Kind",
        [(KIND_LABELS.get(kind, kind), figures.by_kind[kind]) for kind in kinds],
        total_published=not small,
        decided=breakdown_decided(
            kinds,
            [figures.by_kind[kind].count for kind in kinds],
            small=small,
            across=across,
            decided=rows_decided.get("kind"),
        ),
    )
    quintiles: list[int | None] = [1, 2, 3, 4, 5, None]
    fsm_groups = [figures.by_fsm.get(q, Group(0, 0)) for q in quintiles]
    tables["by_fsm"] = _partition_table(
        "by_fsm",
        "By disadvantage (national quintile of pupils eligible for free school meals; 1 = least)",
        "FSM quintile",
        [
            (f"Quintile {q}" if q is not None else "FSM not known", group)
            for q, group in zip(quintiles, fsm_groups, strict=True)
        ],
        total_published=not small,
        decided=breakdown_decided(
            quintiles, [g.count for g in fsm_groups], small=small, across=across, decided=rows_decided.get("fsm")
        ),
    )
    if membership:
        membership_decided = wave_decided = everything if across else None
        waves = sorted(figures.by_wave.items(), key=lambda item: (item[0] is None, f"Wave {item[0]}"))
        if withheld is not None and not across and withheld.parts:
            # Decided across pages (`withholding._decide`): rows under the threshold, protected
            # there against England's and other regions' rows and the hubs' counts, and rows a
            # move protecting a withheld figure changes; this table's own small rows too.
            membership_rows = [("In a hub", IN_HUB), ("Not in a hub", NOT_IN_HUB)]
            membership_groups = [figures.by_membership.get(flag, Group(0, 0)) for flag in (True, False)]
            own = suppress_partition([g.count for g in membership_groups], total_published=not small).rows
            membership_decided = PartitionSuppression(
                frozenset(i for i, (_, part) in enumerate(membership_rows) if part in withheld.parts) | own, False
            )
            own = suppress_partition([group.count for _, group in waves], total_published=not small).rows
            wave_decided = PartitionSuppression(
                frozenset(i for i, (wave, _) in enumerate(waves) if ("wave", wave) in withheld.parts) | own, False
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
            decided=membership_decided,
        )
        tables["by_wave"] = _partition_table(
            "by_wave",
            "By hub wave",
            "Hub wave",
            [(f"Wave {wave}" if wave is not None else "Not in a hub", group) for wave, group in waves],
            total_published=not small,
            decided=wave_decided,
        )

    if areas is not None:
        level, names = areas
        ordered = sorted(figures.by_area.items(), key=lambda item: names.get(item[0], ""))
        area_decided = None
        if across:
            area_decided = everything
        elif withheld is not None:
            # Each area is published on its own page too: withheld here exactly when there.
            area_decided = PartitionSuppression(
                frozenset(i for i, (pk, _) in enumerate(ordered) if pk in withheld.children), False
            )
        tables["by_area"] = _partition_table(
            "by_area",
            "By area",
            "Area",
            [(names.get(pk, "Unknown"), group) for pk, group in ordered],
            links=[area_link(level, pk) if area_link else None for pk, _ in ordered],
            decided=area_decided,
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


def membership_note(scope: Any) -> str:
    """Why a page below a region shows no breakdown by hub membership or wave (ADR 0014)."""
    kind = {"la": "a local authority", "lsip": "an LSIP area", "oa": "an Opportunity Area"}.get(scope.level, "an area")
    return (
        "Figures for institutions in a hub and not in one, at each point and by hub wave, are "
        f"published for England and for each region, not for {kind}: here "
        "the institutions outside hubs are usually few, and their figures could be worked out from "
        "this area's published figures less those of the hubs within it."
    )


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


def withhold_membership_rows(table: Table, scope: Any, by_point: dict[datetime.date, Any]) -> Table:
    """The membership trend with the rows of points at which the figures are withheld across
    pages (`withholding.py`): an area's (or England's) members and non-members, each withheld as
    its membership rows are at that point; a hub's members are the hub's count."""
    rows: list[list[Value]] = []
    for row in table.rows:
        decided = by_point.get(datetime.date.fromisoformat(str(row[0])))
        hidden: tuple[int, ...] = ()
        if decided is not None:
            if scope.level == "hub":
                hidden = (1, 2) if decided.scope(scope) else ()
            elif decided.scope(scope):
                hidden = (1, 2, 3, 4)
            else:
                parts = decided.parts_of(scope)
                hidden = ((1, 2) if IN_HUB in parts else ()) + ((3, 4) if NOT_IN_HUB in parts else ())
        rows.append([SUPPRESSED if i in hidden else value for i, value in enumerate(row)])
    return Table(table.key, table.title, table.columns, rows, table.summary, list(table.links))


# Counts in the Hub vs comparison estimates ------------------------------------------------------

#: A count in an estimate's plain-English text: a whole number not part of a decimal, a signed
#: estimate or a percentage, and not the least group size ("at least 20").
_COUNT = re.compile(r"(?<![\d.+\u2212-])(?<!at least )\b\d+\b(?![.\d%])")


@dataclass(frozen=True)
class ShownEstimate:
    """An `Estimate` as pages and the PDF show it: its numbers of institutions (and those in its
    plain-English conclusion and notes) may be withheld."""

    method: str
    verdict: Verdict
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    treated: Value
    comparison: Value
    observations: Value
    period_start: datetime.date | None
    period_end: datetime.date | None
    method_text: str
    conclusion: str
    notes: list[str]
    counts_withheld: bool = False


def estimate_counts(estimate: Estimate) -> list[int]:
    """Every number of institutions an estimate states, in its figures and its text."""
    texts = [estimate.conclusion] if estimate.verdict == Verdict.CANNOT_ESTIMATE else []
    found = [int(match) for text in texts + list(estimate.notes) for match in _COUNT.findall(text)]
    return [estimate.treated, estimate.comparison, *found]


def shown_estimate(estimate: Estimate, *, withheld: bool) -> ShownEstimate:
    """`estimate` with its counts withheld, all together, when the scope's figures are withheld
    at a point of its period (`withheld`: they could be worked out from other pages) or any
    count it states rests on fewer than the threshold (one shown beside one withheld would give
    it away: the two groups add up to the institutions of the panel)."""
    minimum = threshold()
    hidden = withheld or any(primary(count, minimum) for count in estimate_counts(estimate))

    def mask(text: str) -> str:
        return _COUNT.sub(SUPPRESSED, text) if hidden else text

    notes = [mask(note) for note in estimate.notes]
    if hidden:
        notes.append(
            "The numbers of institutions are withheld ([c]): "
            + (
                "they could be worked out from figures published for other areas or hubs."
                if withheld
                else f"some rest on fewer than {minimum} institutions."
            )
        )
    return ShownEstimate(
        method=estimate.method,
        verdict=estimate.verdict,
        estimate=estimate.estimate,
        ci_low=estimate.ci_low,
        ci_high=estimate.ci_high,
        p_value=estimate.p_value,
        treated=SUPPRESSED if hidden else estimate.treated,
        comparison=SUPPRESSED if hidden else estimate.comparison,
        observations=SUPPRESSED if hidden else estimate.observations,
        period_start=estimate.period_start,
        period_end=estimate.period_end,
        method_text=estimate.method_text,
        conclusion=mask(estimate.conclusion) if estimate.verdict == Verdict.CANNOT_ESTIMATE else estimate.conclusion,
        notes=notes,
        counts_withheld=hidden,
    )


def comparison_withheld(scope: Any, follow_up: datetime.date, by_point: dict[datetime.date, Any]) -> bool:
    """Whether the estimates' counts of a scope up to `follow_up` are withheld across pages: the
    scope is withheld at a point of the period; for England, the "in a hub" or "not in a hub"
    count is; for a hub (compared with institutions in no hub), the "not in a hub" count is; for
    an area, its membership rows are withheld (`PointWithheld.parts`)."""
    for point, decided in by_point.items():
        if point > follow_up:
            continue
        if decided.scope(scope):
            return True
        if scope.level == "national" and (decided.in_hub or decided.not_in_hub):
            return True
        if scope.level == "hub" and decided.not_in_hub:
            return True
        if scope.level != "hub" and decided.parts_of(scope) & {IN_HUB, NOT_IN_HUB}:
            return True
    return False
