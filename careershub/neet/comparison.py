"""A descriptive comparison across local authorities: change in the average Gatsby Benchmarks
fully achieved by the same institutions between two points, beside change in the published NEET
or not known rate between two years. One correlation (Pearson, with its 95% confidence interval,
from SciPy) and Spearman's rank correlation, with the caveats the page states.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from careershub.insight.dashboard import Table, Value
from careershub.insight.suppression import SUPPRESSED, threshold
from careershub.neet import queries
from careershub.neet.picture import Chart

MEASURE = "lait_neet_nk"

CAVEATS = [
    "This is a description of areas, not an evaluation. It compares local authorities, not young people or "
    "schools: an association between areas says nothing about any one school or young person (the "
    "ecological fallacy).",
    "It is not causal. Areas that improved their careers provision may differ in many other ways (deprivation, "
    "local jobs, the pandemic's effects, how hard the local authority tracks young people), and nothing here "
    "controls for them. Joining a Careers Hub was not random.",
    "The groups differ. The NEET rate is for 16 and 17 year olds living in the local authority, as tracked by it; "
    "the benchmarks are self-evaluations of schools and colleges located there, whose leavers may live elsewhere. "
    "The young people counted at the end are mostly not the pupils at those schools at the start.",
    "Timing: a year's NEET figure is the average of December, January and February ending in that year, for young "
    "people who left Year 11 one or two summers before. Benchmark points are each 31 July.",
    "Definitions and tracking: the headline measure has combined NEET and 'not known' since 2016 (LAIT's "
    "series starts in 2019); 'not known' rates move with how well each authority tracks young people, which "
    "DfE warns varies considerably. Figures for December 2020 to February 2021 fall in the pandemic. "
    "Authorities reorganised in 2019 to 2023 (Dorset, Bournemouth, Christchurch and Poole; Northamptonshire; "
    "Cumbria; North Yorkshire; Somerset) have broken or missing series and drop out where a year is missing.",
    "Small numbers: a local authority with fewer institutions reporting at both points than the suppression "
    "threshold is left out (its figures are withheld as [c]). Changes in small groups are noisy and tend to "
    "move back towards the average (regression to the mean).",
]


@dataclass
class Correlation:
    n: int
    pearson: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    spearman: float | None = None
    text: str = ""


@dataclass
class Comparison:
    neet_years: list[str]
    points: list[datetime.date]
    neet_from: str | None
    neet_to: str | None
    point_from: datetime.date | None
    point_to: datetime.date | None
    table: Table | None = None
    chart: Chart | None = None
    correlation: Correlation | None = None
    left_out: int = 0
    caveats: list[str] = field(default_factory=lambda: list(CAVEATS))

    @property
    def point_options(self) -> list[str]:
        return [point.isoformat() for point in self.points]


def _choose(wanted: str | None, options: list[str], default: str | None) -> str | None:
    return wanted if wanted in options else default


def _nearest_point(points: list[datetime.date], year: int) -> datetime.date | None:
    target = datetime.date(year, 7, 31)
    return min(points, key=lambda p: abs((p - target).days)) if points else None


def build(params: dict[str, str], link: Any) -> Comparison:
    years = queries.series_years(MEASURE)
    points = sorted(queries.summer_points())
    neet_from = _choose(params.get("neet_from"), years, years[0] if years else None)
    neet_to = _choose(params.get("neet_to"), years, years[-1] if years else None)
    point_options = [p.isoformat() for p in points]
    default_from = _nearest_point(points, int(neet_from) - 1) if neet_from else None
    default_to = _nearest_point(points, int(neet_to) - 1) if neet_to else None
    wanted_from = params.get("point_from")
    wanted_to = params.get("point_to")
    point_from = datetime.date.fromisoformat(wanted_from) if wanted_from in point_options else default_from
    point_to = datetime.date.fromisoformat(wanted_to) if wanted_to in point_options else default_to
    comparison = Comparison(years, points, neet_from, neet_to, point_from, point_to)
    if not (neet_from and neet_to and point_from and point_to) or neet_from == neet_to or point_from == point_to:
        return comparison

    neet = queries.la_series_values(MEASURE, [neet_from, neet_to])
    benchmarks = {row["la_code"]: row for row in queries.la_benchmark_changes(point_from, point_to)}
    names = queries.la_names()
    minimum = threshold()
    rows: list[list[Value]] = []
    links: list[str | None] = []
    xs: list[float] = []
    ys: list[float] = []
    chart_points = []
    for code in sorted(benchmarks, key=lambda c: names.get(c, (c, ""))[0]):
        bench = benchmarks[code]
        start, end = neet.get((code, neet_from)), neet.get((code, neet_to))
        name, region = names.get(code, (code, ""))
        small = bench["count"] < minimum
        neet_change = (
            round(end[1] - start[1], 1) if start and end and start[1] is not None and end[1] is not None else None
        )
        bench_change = None if small else round(bench["after"] - bench["before"], 2)
        rows.append(
            [
                name,
                region,
                start[0] if start else "–",
                end[0] if end else "–",
                "–" if neet_change is None else neet_change,
                SUPPRESSED if small else bench["count"],
                SUPPRESSED if small else round(bench["before"], 2),
                SUPPRESSED if small else round(bench["after"], 2),
                SUPPRESSED if bench_change is None else bench_change,
            ]
        )
        links.append(link("la", code))
        if neet_change is not None and bench_change is not None:
            xs.append(bench_change)
            ys.append(neet_change)
            chart_points.append({"x": bench_change, "y": neet_change, "series": "Local authority"})
        else:
            comparison.left_out += 1
    comparison.table = Table(
        "comparison",
        f"Local authorities: change in average benchmarks ({point_from} to {point_to}) and in the NEET or not "
        f"known rate ({neet_from} to {neet_to})",
        [
            "Local authority",
            "Region",
            f"NEET or not known (%), {neet_from} (published)",
            f"NEET or not known (%), {neet_to} (published)",
            "Change (percentage points)",
            "Institutions reporting at both points",
            f"Average benchmarks, {point_from}",
            f"Average benchmarks, {point_to}",
            "Change in average benchmarks",
        ],
        rows,
        f"{len(xs)} local authorities have both changes; {comparison.left_out} are left out (withheld or missing).",
        links,
    )
    comparison.chart = Chart(
        "comparison",
        "Change in average benchmarks against change in NEET or not known rate",
        "Change in NEET or not known (percentage points)",
        chart_points,
        kind="points",
    )
    comparison.correlation = correlate(xs, ys)
    return comparison


def correlate(xs: list[float], ys: list[float]) -> Correlation:
    n = len(xs)
    if n < 4 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return Correlation(n, text=f"Too few local authorities ({n}) with varying figures to compute a correlation.")
    result = stats.pearsonr(xs, ys)
    interval = result.confidence_interval(confidence_level=0.95)
    spearman = stats.spearmanr(xs, ys)
    r = float(result.statistic)
    low, high = float(interval.low), float(interval.high)
    crosses = low < 0 < high
    text = (
        f"Across {n} local authorities, Pearson's r = {r:.2f} (95% confidence interval {low:.2f} to {high:.2f}); "
        f"Spearman's rank correlation = {float(spearman.statistic):.2f}. "
        + (
            "The interval includes zero: these data show no clear association either way."
            if crosses
            else "A negative r means areas whose average rose more tended to see the NEET or not known rate fall "
            "more; a positive r the opposite. Either way it is an association between areas, not an effect."
        )
    )
    return Correlation(n, r, low, high, float(result.pvalue), float(spearman.statistic), text)
