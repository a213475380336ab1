"""Charts of the area NEET picture: Vega-Lite specs built with Altair, rendered to SVG by
vl-convert, served as images with the data table beside them (as in `careershub/insight/charts.py`)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert

from careershub.insight.charts import BLUE, CONFIG, ORANGE
from careershub.neet.picture import Chart

PALETTE = [BLUE, ORANGE, "#00703c", "#4c2c92", "#d4351c", "#505a5f", "#912b88", "#28a197"]
LEGEND = alt.Legend(orient="bottom", direction="vertical", labelLimit=0)


def spec_for(chart: Chart) -> dict[str, Any]:
    data = alt.Data(values=chart.points)
    if chart.kind == "points":
        base = alt.Chart(data).mark_point(filled=True, size=70, color=BLUE)
        built = base.encode(
            x=alt.X("x:Q", title="Change in average benchmarks fully achieved"),
            y=alt.Y("y:Q", title=chart.y_title),
        )
    else:
        temporal = chart.key == "benchmarks"  # measurement points are dates; others are years as labelled
        x = (
            alt.X("x:T", title="Measurement point")
            if temporal
            else alt.X("x:O", title="Year", axis=alt.Axis(labelAngle=0))
        )
        built = (
            alt.Chart(data)
            .mark_line(point=True, strokeWidth=3)
            .encode(
                x=x,
                y=alt.Y("y:Q", title=chart.y_title, scale=_y_scale(chart)),
                color=alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE), legend=LEGEND),
                strokeDash=alt.StrokeDash("series:N", title=None, legend=LEGEND),
            )
        )
    spec: dict[str, Any] = built.properties(width=420, height=240).to_dict()
    spec["config"] = CONFIG
    return spec


def _y_scale(chart: Chart) -> alt.Scale:
    """Benchmarks on their whole 0 to 8 range, as in insight; rates around their values."""
    return alt.Scale(domain=[0, 8]) if chart.key == "benchmarks" else alt.Scale(zero=False)


@lru_cache(maxsize=256)
def _render(spec_json: str) -> str:
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json)))


def svg_for(chart: Chart) -> str:
    return _render(json.dumps(spec_for(chart), sort_keys=True))
