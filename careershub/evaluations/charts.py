"""Charts of evaluation results, drawn on the server: Altair builds a Vega-Lite spec and
vl-convert renders it to SVG. No JavaScript reaches the browser.

The SVG is embedded inline in pages. Our Content Security Policy (`style-src 'self'`) blocks
`style` attributes and `<style>` elements but not SVG presentation attributes (`fill`,
`stroke`, `font-size`...), which are what vl-convert writes. `clean_svg` enforces that: it
drops scripts, styles, event handlers, foreign objects and external references, so the page
never depends on anything the policy forbids. It also makes the chart one accessible image
(`role="img"` named by its `<title>` and described by its `<desc>`) and gives its ids a prefix
so two charts on a page cannot clash. Every chart is shown with a table of the same figures.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET  # parses only vl-convert's output of our own specs
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

#: GOV.UK Frontend colours: blue for data, black text, mid-grey rules.
BLUE = "#1d70b8"
TEXT = "#0b0c0c"
RULE = "#b1b4b6"
FONT = "Arial, Helvetica, sans-serif"

_FORBIDDEN_ELEMENTS = frozenset({"script", "style", "foreignObject", "iframe", "object", "embed", "image", "use"})
_CHILD_ARIA = frozenset({"role", "aria-label", "aria-roledescription", "aria-describedby", "aria-labelledby"})
_URL_REFERENCE = re.compile(r"url\(\s*#([^)\s]+)\s*\)")


@dataclass(frozen=True)
class Chart:
    """A rendered chart: inline SVG for pages, a standalone SVG for the PDF."""

    chart_id: str
    title: str
    description: str
    inline_svg: Markup
    standalone_svg: str

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(self.standalone_svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


def _config(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()  # type: ignore[attr-defined]
    spec["config"] = {
        "font": FONT,
        "background": "white",
        "view": {"stroke": None},
        "axis": {
            "labelColor": TEXT,
            "titleColor": TEXT,
            "labelFontSize": 13,
            "titleFontSize": 13,
            "titleFontWeight": "bold",
            "gridColor": RULE,
            "domainColor": TEXT,
            "tickColor": TEXT,
        },
    }
    return spec


def benchmark_bar_spec(percentages: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Vega-Lite spec of a bar chart: percentage of assessment areas met for each benchmark."""
    values = [{"benchmark": str(number), "percentage": percentage} for number, percentage in percentages]
    base = alt.Chart(alt.Data(values=values))
    x = alt.X("benchmark:N", title="Benchmark", sort=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y(
        "percentage:Q",
        title="Assessment areas met (%)",
        scale=alt.Scale(domain=[0, 100]),
        axis=alt.Axis(values=[0, 25, 50, 75, 100]),
    )
    bars = base.mark_bar(color=BLUE).encode(x=x, y=y)
    labels = base.mark_text(dy=-8, color=TEXT, fontSize=13).encode(x=x, y=y, text=alt.Text("percentage:Q", format="d"))
    return _config((bars + labels).properties(width=360, height=240))


def history_line_spec(points: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Vega-Lite spec of a line chart: benchmarks fully achieved at each measurement point."""
    values = [{"order": i, "point": label, "achieved": achieved} for i, (label, achieved) in enumerate(points)]
    base = alt.Chart(alt.Data(values=values))
    x = alt.X("point:N", title="Measurement point", sort=None, axis=alt.Axis(labelAngle=-40, labelLimit=220))
    y = alt.Y(
        "achieved:Q",
        title="Benchmarks fully achieved",
        scale=alt.Scale(domain=[0, 8]),
        axis=alt.Axis(values=list(range(9)), format="d"),
    )
    line = base.mark_line(color=BLUE, strokeWidth=3, point=alt.OverlayMarkDef(color=BLUE, size=80, filled=True))
    labels = base.mark_text(dy=-12, color=TEXT, fontSize=13).encode(x=x, y=y, text=alt.Text("achieved:Q"))
    return _config((line.encode(x=x, y=y) + labels).properties(width=360, height=240))


@lru_cache(maxsize=256)
def _render(spec_json: str) -> str:
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json)))


def render_svg(spec: dict[str, Any]) -> str:
    """SVG text from vl-convert (cached: the same figures always give the same chart)."""
    return _render(json.dumps(spec, sort_keys=True))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _clean_attributes(element: ET.Element, chart_id: str, *, root: bool) -> None:
    for name in list(element.attrib):
        local = _local(name)
        value = element.attrib[name]
        if local == "style" or local.lower().startswith("on"):
            del element.attrib[name]
        elif local == "href":
            if value.startswith("#"):
                element.attrib[name] = f"#{chart_id}-{value[1:]}"
            else:
                del element.attrib[name]
        elif local == "id":
            element.attrib[name] = f"{chart_id}-{value}"
        elif not root and local in _CHILD_ARIA:
            del element.attrib[name]
        elif "url(" in value:
            element.attrib[name] = _URL_REFERENCE.sub(lambda m: f"url(#{chart_id}-{m.group(1)})", value)


def _strip(parent: ET.Element, chart_id: str) -> None:
    for child in list(parent):
        if _local(child.tag) in _FORBIDDEN_ELEMENTS or not isinstance(child.tag, str):
            parent.remove(child)
            continue
        _clean_attributes(child, chart_id, root=False)
        _strip(child, chart_id)


def clean_svg(svg: str, *, chart_id: str, title: str, description: str, responsive: bool) -> str:
    """A safe, accessible copy of `svg` (see the module docstring)."""
    root = ET.fromstring(svg)  # noqa: S314 - our own renderer's output; expat refuses entity bombs
    if _local(root.tag) != "svg":
        raise ValueError("not an SVG document")
    _clean_attributes(root, chart_id, root=True)
    _strip(root, chart_id)
    for name in list(root.attrib):
        if _local(name) in _CHILD_ARIA or name == "class":
            del root.attrib[name]
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    root.set("role", "img")
    root.set("aria-labelledby", title_id)
    root.set("aria-describedby", desc_id)
    root.set("focusable", "false")
    if responsive:
        # Scale to the column: the viewBox keeps the proportions; no CSS needed.
        root.set("width", "100%")
        root.attrib.pop("height", None)
    title_element = ET.Element(f"{{{SVG_NS}}}title", {"id": title_id})
    title_element.text = title
    desc_element = ET.Element(f"{{{SVG_NS}}}desc", {"id": desc_id})
    desc_element.text = description
    root.insert(0, desc_element)
    root.insert(0, title_element)
    # Registered again here, not only at import: other code in the same process (WeasyPrint's
    # PDF metadata) re-registers namespaces, which otherwise turned every tag into `ns0:svg`
    # after the first PDF, and browsers do not draw that inline.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def make_chart(spec: dict[str, Any], *, chart_id: str, title: str, description: str) -> Chart:
    svg = render_svg(spec)
    inline = clean_svg(svg, chart_id=chart_id, title=title, description=description, responsive=True)
    standalone = clean_svg(svg, chart_id=chart_id, title=title, description=description, responsive=False)
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        inline_svg=Markup(inline),  # noqa: S704 - re-serialised by ElementTree, which escapes all text
        standalone_svg=standalone,
    )


def benchmark_bar_chart(percentages: Sequence[tuple[int, int]], *, chart_id: str = "benchmarks-chart") -> Chart:
    described = "; ".join(f"benchmark {number}: {percentage}%" for number, percentage in percentages)
    return make_chart(
        benchmark_bar_spec(percentages),
        chart_id=chart_id,
        title="Percentage of assessment areas met for each benchmark",
        description=f"Bar chart. {described}. The table beside the chart gives the same figures.",
    )


def history_line_chart(points: Sequence[tuple[str, int]], *, chart_id: str = "history-chart") -> Chart:
    described = "; ".join(f"{label}: {achieved}" for label, achieved in points)
    return make_chart(
        history_line_spec(points),
        chart_id=chart_id,
        title="Benchmarks fully achieved at each measurement point",
        description=f"Line chart, 0 to 8 benchmarks. {described}. The table beside the chart gives the same figures.",
    )
