from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest

from careershub.evaluations import charts

PERCENTAGES = [(1, 100), (2, 64), (3, 33), (4, 0), (5, 100), (6, 75), (7, 50), (8, 20)]
HISTORY = [("31 Dec 2024", 2), ("31 Mar 2025", 3), ("This evaluation", 5)]


def _values(spec: dict) -> list[dict]:  # type: ignore[type-arg]
    layers = spec.get("layer", [spec])
    data = spec.get("data") or layers[0].get("data")
    return list(data["values"])


def test_bar_spec_holds_the_eight_percentages_on_a_0_to_100_scale() -> None:
    spec = charts.benchmark_bar_spec(PERCENTAGES)
    assert _values(spec) == [{"benchmark": str(n), "percentage": p} for n, p in PERCENTAGES]
    encoding = spec["layer"][0]["encoding"]
    assert encoding["y"]["scale"]["domain"] == [0, 100]
    assert encoding["x"]["title"] == "Benchmark"


def test_history_spec_keeps_the_order_of_the_points_and_a_0_to_8_scale() -> None:
    spec = charts.history_line_spec(HISTORY)
    assert [v["point"] for v in _values(spec)] == ["31 Dec 2024", "31 Mar 2025", "This evaluation"]
    assert [v["achieved"] for v in _values(spec)] == [2, 3, 5]
    encoding = spec["layer"][0]["encoding"]
    assert encoding["x"]["sort"] is None
    assert encoding["y"]["scale"]["domain"] == [0, 8]


@pytest.mark.parametrize(
    "chart",
    [
        lambda: charts.benchmark_bar_chart(PERCENTAGES),
        lambda: charts.history_line_chart(HISTORY),
    ],
    ids=["bar", "history"],
)
def test_rendered_chart_is_one_accessible_image_with_nothing_our_csp_forbids(chart) -> None:
    rendered: charts.Chart = chart()
    svg = str(rendered.inline_svg)
    root = ET.fromstring(svg)  # noqa: S314
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{rendered.chart_id}-title"
    assert root.get("aria-describedby") == f"{rendered.chart_id}-desc"
    assert root[0].tag.endswith("title") and root[0].text == rendered.title
    assert root[1].tag.endswith("desc") and root[1].text == rendered.description
    assert root.get("width") == "100%" and root.get("height") is None and root.get("viewBox")
    # Presentation attributes only: no style attributes or elements, no scripts or handlers.
    assert "style=" not in svg and "<style" not in svg
    assert "<script" not in svg
    assert not re.search(r"\son[a-z]+=", svg)
    assert "foreignObject" not in svg
    # Nothing inside competes with the image's own name.
    assert all(element.get("role") is None for element in root.iter() if element is not root)
    # The figures are drawn as text too (the axis and value labels).
    assert ">100<" in svg or ">5<" in svg


def test_bar_chart_description_lists_every_benchmark() -> None:
    chart = charts.benchmark_bar_chart(PERCENTAGES)
    for number, percentage in PERCENTAGES:
        assert f"benchmark {number}: {percentage}%" in chart.description


def test_standalone_svg_keeps_its_size_and_travels_as_a_data_uri() -> None:
    chart = charts.history_line_chart(HISTORY)
    root = ET.fromstring(chart.standalone_svg)  # noqa: S314
    assert root.get("width") and root.get("height")
    prefix = "data:image/svg+xml;base64,"
    assert chart.data_uri.startswith(prefix)
    assert base64.b64decode(chart.data_uri[len(prefix) :]).decode() == chart.standalone_svg


EVIL = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  width="10" height="10" onload="alert(1)" style="background:red" role="graphics-document" aria-label="x">
  <style>rect { fill: red }</style>
  <script>alert(2)</script>
  <defs><clipPath id="clip1"><rect width="5" height="5"/></clipPath></defs>
  <g clip-path="url(#clip1)" style="opacity:0.5" onclick="alert(3)" role="graphics-symbol" aria-label="bar">
    <rect width="5" height="5" fill="#1d70b8"/>
    <a href="https://evil.example/">link</a>
    <a xlink:href="javascript:alert(4)">js</a>
    <a href="#clip1">internal</a>
  </g>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
  <image href="https://evil.example/tracker.png"/>
</svg>"""


def test_clean_svg_removes_scripts_styles_handlers_and_outside_references() -> None:
    cleaned = charts.clean_svg(EVIL, chart_id="c1", title="T", description="D", responsive=False)
    for forbidden in (
        "<script",
        "<style",
        "style=",
        "onload",
        "onclick",
        "foreignObject",
        "evil.example",
        "javascript:",
    ):
        assert forbidden not in cleaned, forbidden
    assert 'fill="#1d70b8"' in cleaned  # presentation attributes stay
    assert 'role="graphics-symbol"' not in cleaned and 'aria-label="bar"' not in cleaned


def test_clean_svg_prefixes_ids_so_two_charts_on_a_page_cannot_clash() -> None:
    one = charts.clean_svg(EVIL, chart_id="first", title="T", description="D", responsive=True)
    two = charts.clean_svg(EVIL, chart_id="second", title="T", description="D", responsive=True)
    assert 'id="first-clip1"' in one and 'clip-path="url(#first-clip1)"' in one and 'href="#first-clip1"' in one
    assert 'id="second-clip1"' in two
    ids_one = set(re.findall(r'\sid="([^"]+)"', one))
    ids_two = set(re.findall(r'\sid="([^"]+)"', two))
    assert not ids_one & ids_two


def test_clean_svg_escapes_the_title_and_description() -> None:
    cleaned = charts.clean_svg(
        EVIL, chart_id="c", title="<b>Bold</b> & more", description="</desc><script>x</script>", responsive=True
    )
    assert "<b>" not in cleaned and "&lt;b&gt;Bold&lt;/b&gt; &amp; more" in cleaned
    assert "<script>" not in cleaned


def test_clean_svg_refuses_anything_but_svg() -> None:
    with pytest.raises(ValueError, match="not an SVG"):
        charts.clean_svg("<html/>", chart_id="c", title="T", description="D", responsive=True)


def test_rendering_is_cached_for_the_same_figures() -> None:
    spec = charts.benchmark_bar_spec(PERCENTAGES)
    assert charts.render_svg(spec) is charts.render_svg(charts.benchmark_bar_spec(PERCENTAGES))


def test_svg_stays_unprefixed_after_another_library_registers_the_svg_namespace() -> None:
    """WeasyPrint's PDF metadata re-registers XML namespaces; after a PDF, inline charts once came
    out as `<ns0:svg>`, which browsers do not draw inside HTML."""
    ET.register_namespace("svgx", charts.SVG_NS)  # drops the default ("") mapping for SVG
    try:
        chart = charts.benchmark_bar_chart([(n, 50) for n in range(1, 9)])
        assert str(chart.inline_svg).startswith("<svg ") and "ns0:" not in str(chart.inline_svg)
    finally:
        ET.register_namespace("", charts.SVG_NS)
