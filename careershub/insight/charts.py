"""Dashboard charts: Vega-Lite specs built with Altair, rendered to SVG by vl-convert.

Each chart is served from its own URL as an image (`<img src=... alt=...>`): vl-convert's SVG
carries presentation attributes and may carry `style`, which an image does not run or apply
under the page's Content Security Policy. Charts are drawn from the suppressed tables, so a
withheld figure is missing from the chart too; each has a data table and a summary beside it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert

from careershub.insight.dashboard import Table

BLUE = "#1d70b8"
ORANGE = "#f47738"
TEXT = "#0b0c0c"
RULE = "#b1b4b6"

CONFIG: dict[str, Any] = {
    "font": "Arial, Helvetica, sans-serif",
    "background": "white",
    "view": {"stroke": None},
    "axis": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 13, "titleFontSize": 13, "gridColor": RULE},
    "legend": {"labelFontSize": 13, "titleFontSize": 13, "labelColor": TEXT, "titleColor": TEXT},
}


def _numbers(table: Table, column: int) -> list[tuple[str, float]]:
    return [(str(row[0]), float(value)) for row in table.rows if isinstance(value := row[column], int | float)]


def spec_for(table: Table) -> dict[str, Any]:
    if table.key == "trend":
        values = [{"point": p, "average": v} for p, v in _numbers(table, 2)]
        chart = alt.Chart(alt.Data(values=values)).mark_line(color=BLUE, point=True, strokeWidth=3)
        chart = chart.encode(
            x=alt.X("point:T", title="Measurement point"),
            y=alt.Y("average:Q", title="Average benchmarks fully achieved", scale=alt.Scale(domain=[0, 8])),
        )
    elif table.key == "hub_vs_comparison":
        values = [{"point": p, "group": "In a hub", "average": v} for p, v in _numbers(table, 2)]
        values += [{"point": p, "group": "Not in a hub", "average": v} for p, v in _numbers(table, 4)]
        chart = alt.Chart(alt.Data(values=values)).mark_line(point=True, strokeWidth=3)
        chart = chart.encode(
            x=alt.X("point:T", title="31 July"),
            y=alt.Y("average:Q", title="Average benchmarks fully achieved", scale=alt.Scale(domain=[0, 8])),
            color=alt.Color("group:N", title=None, scale=alt.Scale(range=[BLUE, ORANGE])),
            strokeDash=alt.StrokeDash("group:N", title=None),
        )
    else:
        column = 2 if table.key == "distribution" else 1
        values = [{"label": label, "value": value} for label, value in _numbers(table, column) if label != "Total"]
        title = table.columns[column]
        chart = alt.Chart(alt.Data(values=values)).mark_bar(color=BLUE)
        chart = chart.encode(
            x=alt.X(
                "label:N", title=table.columns[0], sort=None, axis=alt.Axis(labelAngle=0 if len(values) < 10 else -40)
            ),
            y=alt.Y("value:Q", title=title),
        )
    spec: dict[str, Any] = chart.properties(width=420, height=240).to_dict()
    spec["config"] = CONFIG
    return spec


@lru_cache(maxsize=256)
def _render(spec_json: str) -> str:
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json)))


EMPTY_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="440" height="60" viewBox="0 0 440 60">'
    '<rect width="440" height="60" fill="white"/>'
    f'<text x="10" y="35" font-family="Arial, Helvetica, sans-serif" font-size="14" fill="{TEXT}">'
    "No figures to chart (none reported, or all withheld).</text></svg>"
)


def svg_for(table: Table) -> str:
    spec = spec_for(table)
    if not spec.get("data", {}).get("values"):
        return EMPTY_SVG  # an empty time axis would be drawn with NaN coordinates
    return _render(json.dumps(spec, sort_keys=True))


CHARTED = ("trend", "benchmarks", "distribution", "hub_vs_comparison")
