"""The area NEET picture: tables (and the series their charts draw) built from published figures.

Every figure in a "published" table is shown exactly as DfE published it (its text, or its
suppression symbol). Hub areas and Opportunity Areas are not areas DfE publishes for, so:

- NEET, not known, participation and September Guarantee figures are published only as
  percentages of each local authority's cohort, without the counts behind them. They are shown
  for each local authority in the area, side by side, and never added up.
- KS4 destination measures are published as counts by district (cohort, sustained education,
  apprenticeship, employment, not sustained, not captured). Those add up: an area's rate is the
  sum of its districts' counts over the sum of their cohorts. That rate is derived by this
  service, not published, and is labelled so, beside England derived the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from careershub.insight.dashboard import Table, Value
from careershub.insight.suppression import SUPPRESSED, primary, threshold
from careershub.neet import queries
from careershub.neet.models import Figure, Level
from careershub.neet.queries import Area

SCORECARD_MEASURES = [
    "sc_neet_nk", "sc_neet", "sc_not_known", "sc_participating", "sc_full_time", "sc_apprenticeship", "sc_other_et",
    "sc_september_guarantee", "sc_neet_nk_no_sen", "sc_neet_nk_sen_support", "sc_neet_nk_ehcp",
    "sc_neet_nk_vulnerable", "sc_cohort",
]  # fmt: skip
SERIES = {
    "neet_trend": ("lait_neet_nk", "NEET or activity not known (%), 16 and 17 year olds"),
    "neet_only_trend": ("lait_neet", "NEET (%), 16 and 17 year olds"),
    "september_guarantee": ("lait_september_guarantee", "September Guarantee: offers made (%)"),
    "ks4_sustained": (
        "lait_ks4_sustained_overall",
        "KS4 leavers in sustained education, apprenticeship or employment (%)",
    ),
}
KS4_BREAKDOWN = [
    "lait_ks4_sustained_overall", "lait_ks4_sustained_ed", "lait_ks4_fe_college", "lait_ks4_school_sixth_form",
    "lait_ks4_sixth_form_college", "lait_ks4_apprenticeship", "lait_ks4_not_sustained",
    "lait_care_leavers_eet", "lait_care_leavers_neet",
]  # fmt: skip
KS4_COUNTS = ["ks4_cohort", "ks4_education", "ks4_apprenticeship", "ks4_employment", "ks4_not_sustained", "ks4_unknown"]
NONE = "–"

Link = Callable[[str, str], str]


@dataclass
class Chart:
    key: str
    title: str
    y_title: str
    points: list[dict[str, Any]]  # {"x": ..., "series": ..., "y": float}
    kind: str = "line"  # or "points"


def _keep(charts: dict[str, Chart], chart: Chart) -> None:
    """A chart with nothing to draw is left out (an empty Vega-Lite chart has no usable size)."""
    if chart.points:
        charts[chart.key] = chart


@dataclass
class Picture:
    area: Area
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)
    scorecard_periods: list[str] = field(default_factory=list)
    scorecard_period: str | None = None
    benchmarks_shown: bool = False
    notes: list[str] = field(default_factory=list)


def period_label(period: str) -> str:
    return f"{period[:4]}/{period[4:]}" if len(period) == 6 and period.isdigit() else period


def _comparators(area: Area) -> list[tuple[str, str, str]]:
    """(level, code, column name) of the area and what it is compared with."""
    columns: list[tuple[str, str, str]] = []
    if area.level == "la":
        columns.append((Level.LOCAL_AUTHORITY, area.key, area.name))
    elif area.level == "region":
        columns.append((Level.REGION, area.key, area.name))
    if area.region is not None and area.level == "la":
        columns.append((Level.REGION, area.region.gss_code, area.region.name))
    columns.append((Level.NATIONAL, "E92000001", "England"))
    return columns


def _index(found: list[Figure]) -> dict[tuple[str, str, str, str], Figure]:
    return {(f.measure.code, f.level, f.area_code, f.period): f for f in found}


def build(area: Area, *, scorecard_period: str | None, show_benchmarks: bool, link: Link) -> Picture:
    picture = Picture(area)
    if area.level in {"hub", "oa"}:
        _group_tables(picture, scorecard_period, link)
    else:
        _area_tables(picture, scorecard_period, link)
    picture.benchmarks_shown = show_benchmarks
    if show_benchmarks:
        _benchmark_table(picture)
    return picture


# England, region and local authority -----------------------------------------------------------


def _area_tables(picture: Picture, wanted: str | None, link: Link) -> None:
    area = picture.area
    columns = _comparators(area)
    pairs = [(level, code) for level, code, _ in columns]
    measures = SCORECARD_MEASURES + [code for code, _ in SERIES.values()] + KS4_BREAKDOWN
    found = queries.figures_for_areas(pairs, measures)
    index = _index(found)
    periods = sorted({f.period for f in found if f.measure.source == "scorecard"})
    picture.scorecard_periods = periods
    period = wanted if wanted in periods else (periods[-1] if periods else None)
    picture.scorecard_period = period
    names = {f.measure.code: f.measure.name for f in found}
    if period is not None:
        rows: list[list[Value]] = []
        for code in SCORECARD_MEASURES:
            row: list[Value] = [names.get(code, code)]
            for level, area_code, _ in columns:
                figure = index.get((code, level, area_code, period))
                row.append(figure.published if figure else NONE)
            rows.append(row)
        picture.tables["scorecard"] = Table(
            "scorecard",
            f"NEET and participation scorecard, {period} (December {int(period) - 1} to February {period} average)",
            ["Measure", *[name for _, _, name in columns]],
            rows,
            "Figures as published in DfE's NEET and participation local authority scorecard.",
        )
    for key, (code, title) in SERIES.items():
        years = sorted({f.period for f in found if f.measure.code == code}, key=lambda p: (len(p), p))
        rows = []
        points = []
        for year in years:
            row = [period_label(year)]
            for level, area_code, name in columns:
                figure = index.get((code, level, area_code, year))
                row.append(figure.published if figure else NONE)
                if figure is not None and figure.value is not None:
                    points.append({"x": figure.year, "series": name, "y": float(figure.value)})
            rows.append(row)
        summary = _trend_summary(rows, columns[0][2])
        picture.tables[key] = Table(key, title, ["Year", *[name for _, _, name in columns]], rows, summary)
        _keep(picture.charts, Chart(key, title, "Per cent", points))
    _latest_table(picture, columns, found)
    if area.level in {"national", "region"}:
        _breakdown_table(picture, area, link)


def _latest_table(picture: Picture, columns: list[tuple[str, str, str]], found: list[Figure]) -> None:
    """KS4 destinations and care leavers: each measure's latest published year, as published."""
    index = _index(found)
    rows: list[list[Value]] = []
    for code in KS4_BREAKDOWN:
        mine = [f for f in found if f.measure.code == code]
        if not mine:
            continue
        latest = max(mine, key=lambda f: f.year).period
        row: list[Value] = [f"{mine[0].measure.name}, {period_label(latest)}"]
        for level, area_code, _ in columns:
            figure = index.get((code, level, area_code, latest))
            row.append(figure.published if figure else NONE)
        rows.append(row)
    picture.tables["latest"] = Table(
        "latest",
        "Key stage 4 destinations and care leavers, latest published year",
        ["Measure and year", *[name for _, _, name in columns]],
        rows,
        "Figures as published in DfE's Local Authority Interactive Tool.",
    )


def _trend_summary(rows: list[list[Value]], name: str) -> str:
    shown = [(row[0], row[1]) for row in rows if _number(row[1]) is not None]
    if len(shown) < 2:
        return "Too few published years to show a trend."
    first, last = shown[0], shown[-1]
    return f"For {name}, {first[1]}% in {first[0]} and {last[1]}% in {last[0]}, as published."


def _number(value: Value) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _breakdown_table(picture: Picture, area: Area, link: Link) -> None:
    """Regions of England, or local authorities of a region, with their latest published rates."""
    if area.level == "national":
        items = [(Level.REGION, r.gss_code, r.name, link("region", r.gss_code)) for r in queries.regions()]
        label = "Region"
    else:
        items = [
            (Level.LOCAL_AUTHORITY, la.dfe_code, la.name, link("la", la.dfe_code))
            for la in queries.local_authorities(area.region)
        ]
        label = "Local authority"
    measures = ["sc_neet_nk", "sc_neet", "sc_not_known", "sc_september_guarantee"]
    period = picture.scorecard_period
    if period is None:
        return
    found = [
        f
        for f in queries.figures_for_areas([(level, code) for level, code, _, _ in items], measures)
        if f.period == period
    ]
    index = _index(found)
    names = {f.measure.code: f.measure.name for f in found}
    rows: list[list[Value]] = []
    links: list[str | None] = []
    for level, code, name, href in items:
        row: list[Value] = [name]
        for measure in measures:
            figure = index.get((measure, level, code, period))
            row.append(figure.published if figure else NONE)
        rows.append(row)
        links.append(href)
    picture.tables["breakdown"] = Table(
        "breakdown",
        f"{'Regions' if area.level == 'national' else 'Local authorities in ' + area.name}, {period}",
        [label, *[names.get(m, m) for m in measures]],
        rows,
        "Figures as published; follow a name for that area's picture.",
        links,
    )


# Hub areas and Opportunity Areas -------------------------------------------------------------


def _group_tables(picture: Picture, wanted: str | None, link: Link) -> None:
    area = picture.area
    las = area.la_codes
    pairs = [(Level.LOCAL_AUTHORITY, code) for code in las] + [(Level.NATIONAL, "E92000001")]
    measures = ["lait_neet_nk", "lait_neet", "sc_neet_nk", "sc_neet", "sc_not_known", "sc_participating"]
    measures += ["sc_september_guarantee", "sc_cohort"]
    found = queries.figures_for_areas(pairs, measures)
    index = _index(found)
    names = {f.measure.code: f.measure.name for f in found}
    rows_for = [(Level.LOCAL_AUTHORITY, code, area.la_names[code], link("la", code)) for code in las]
    rows_for.append((Level.NATIONAL, "E92000001", "England", link("national", "england")))

    years = sorted({f.period for f in found if f.measure.code == "lait_neet_nk"})
    rows: list[list[Value]] = []
    points = []
    for level, code, name, _ in rows_for:
        row: list[Value] = [name]
        for year in years:
            figure = index.get(("lait_neet_nk", level, code, year))
            row.append(figure.published if figure else NONE)
            if figure is not None and figure.value is not None:
                points.append({"x": figure.year, "series": name, "y": float(figure.value)})
        rows.append(row)
    title = "NEET or activity not known (%), each local authority in the area"
    picture.tables["la_neet"] = Table(
        "la_neet",
        title,
        ["Local authority", *years],
        rows,
        "Each local authority's figure as published. DfE publishes these as percentages without the counts "
        "behind them, so they are not added up into one figure for the area.",
        [href for _, _, _, href in rows_for],
    )
    _keep(picture.charts, Chart("la_neet", title, "Per cent", points))

    periods = sorted({f.period for f in found if f.measure.source == "scorecard"})
    picture.scorecard_periods = periods
    period = wanted if wanted in periods else (periods[-1] if periods else None)
    picture.scorecard_period = period
    if period is not None:
        chosen = ["sc_neet_nk", "sc_neet", "sc_not_known", "sc_participating", "sc_september_guarantee", "sc_cohort"]
        rows = []
        for level, code, name, _ in rows_for:
            row = [name]
            for measure in chosen:
                figure = index.get((measure, level, code, period))
                row.append(figure.published if figure else NONE)
            rows.append(row)
        picture.tables["scorecard"] = Table(
            "scorecard",
            f"NEET and participation scorecard, {period}, each local authority in the area",
            ["Local authority", *[names.get(m, m) for m in chosen]],
            rows,
            "Figures as published in DfE's NEET and participation local authority scorecard.",
            [href for _, _, _, href in rows_for],
        )
    _ks4_aggregate(picture)


def _ks4_aggregate(picture: Picture) -> None:
    area = picture.area
    if area.level == "oa":
        found = queries.district_figures(district_codes=area.district_codes)
        how = "the Opportunity Area's districts"
    else:
        found = queries.district_figures(la_codes=area.la_codes)
        how = "the districts of the area's local authorities (as they were in each year)"
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    districts: dict[str, set[str]] = defaultdict(set)
    withheld: dict[str, int] = defaultdict(int)
    for figure in found:
        if figure.value is None:
            withheld[figure.period] += 1
            continue
        sums[figure.period][figure.measure.code] += int(figure.value)
        districts[figure.period].add(figure.area_code)
    england = queries.national_district_totals()
    rows: list[list[Value]] = []
    points = []
    for period in sorted(sums):
        counts = sums[period]
        cohort = counts["ks4_cohort"]
        sustained = counts["ks4_education"] + counts["ks4_apprenticeship"] + counts["ks4_employment"]
        national_cohort = england.get(("ks4_cohort", period), 0)
        national_sustained = sum(
            england.get((code, period), 0) for code in ("ks4_education", "ks4_apprenticeship", "ks4_employment")
        )
        rate = _rate(sustained, cohort)
        national_rate = _rate(national_sustained, national_cohort)
        rows.append(
            [
                period_label(period),
                len(districts[period]),
                cohort,
                sustained,
                rate,
                _rate(counts["ks4_not_sustained"], cohort),
                _rate(counts["ks4_unknown"], cohort),
                national_rate,
            ]
        )
        if isinstance(rate, float):
            points.append({"x": period_label(period), "series": area.name, "y": rate})
        if isinstance(national_rate, float):
            points.append({"x": period_label(period), "series": "England", "y": national_rate})
    notes = [
        f"Derived here, not published: the sum of DfE's published counts for {how}, over the sum of their cohorts."
    ]
    if any(withheld.values()):
        notes.append("Some district counts were withheld (suppressed) by DfE and are left out of the sums.")
    notes.extend(area.district_notes)
    title = "KS4 leavers in a sustained destination (%), derived from published district counts"
    picture.tables["ks4_aggregate"] = Table(
        "ks4_aggregate",
        title,
        [
            "Destination year",
            "Districts",
            "KS4 leavers (published counts, summed)",
            "Sustained education, apprenticeship or employment (summed)",
            "Sustained (%) (derived)",
            "Not sustained (%) (derived)",
            "Activity not captured (%) (derived)",
            "England sustained (%) (derived the same way)",
        ],
        rows,
        " ".join(notes),
    )
    _keep(picture.charts, Chart("ks4_aggregate", title, "Per cent", points))


def _rate(part: int, whole: int) -> Value:
    return round(100 * part / whole, 1) if whole else NONE


# Benchmark progress beside it --------------------------------------------------------------


def _benchmark_table(picture: Picture) -> None:
    minimum = threshold()
    rows: list[list[Value]] = []
    points = []
    for item in queries.benchmark_trend(picture.area):
        hidden = primary(item["count"], minimum)
        average = round(float(item["average"]), 2)
        rows.append(
            [item["point"].isoformat(), SUPPRESSED if hidden else item["count"], SUPPRESSED if hidden else average]
        )
        if not hidden:
            points.append({"x": item["point"].isoformat(), "series": picture.area.name, "y": average})
    shown = [row for row in rows if isinstance(row[2], float)]
    summary = (
        f"The average went from {shown[0][2]} at {shown[0][0]} to {shown[-1][2]} at {shown[-1][0]}."
        if len(shown) >= 2
        else "Too few points with enough institutions to show a trend."
    )
    scope = "the hub's members at each point" if picture.area.level == "hub" else "institutions in the area"
    picture.tables["benchmarks"] = Table(
        "benchmarks",
        f"Gatsby Benchmarks fully achieved, on average, by {scope}",
        ["Measurement point", "Institutions reporting", "Average benchmarks fully achieved"],
        rows,
        summary + f" Figures resting on fewer than {minimum} institutions are withheld ([c]).",
    )
    _keep(picture.charts, Chart("benchmarks", "Average benchmarks fully achieved", "Benchmarks (0 to 8)", points))
