"""The PDF report of a dashboard (a hub's, or any area's) at a measurement point.

Made from the same suppressed tables as the page, the charts and the downloads, so the PDF
withholds exactly what they withhold. It holds the headline figures, the per-benchmark table and
chart, the distribution, the trend, the Hub vs comparison estimates with their plain-English
method and conclusion, and the breakdowns. It never lists individual institutions' results
(a report travels further than the page), even for the hub's own staff.

Rendered by WeasyPrint with the evaluations report's offline URL fetcher: charts are embedded as
data: URIs and nothing else is fetched.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from careershub.evaluations.reports import offline_url_fetcher
from careershub.insight import charts
from careershub.insight.dashboard import Table
from careershub.insight.suppression import threshold

BASE_URL = Path(__file__).resolve().parent / "jinja2" / "insight"
BREAKDOWNS = ("by_kind", "by_fsm", "by_membership", "by_wave", "by_area")


def chart_uri(table: Table) -> str:
    encoded = base64.b64encode(charts.svg_for(table).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def report_html(context: dict[str, Any]) -> str:
    tables = context["dashboard"].tables
    return render_to_string(
        "insight/report_pdf.html",
        {
            "scope": context["scope"],
            "point": context["point"],
            "tables": tables,
            "comparison": context["comparison"],
            "membership_note": context.get("membership_note", ""),
            "charts": {key: chart_uri(tables[key]) for key in charts.CHARTED if key in tables},
            "breakdowns": [tables[key] for key in BREAKDOWNS if key in tables],
            "threshold": threshold(),
            "generated_on": timezone.localdate(),
        },
    )


def report_document(context: dict[str, Any]) -> Any:
    """The laid-out WeasyPrint document (tests read its text; `report_pdf` writes it)."""
    import weasyprint

    html = weasyprint.HTML(string=report_html(context), base_url=str(BASE_URL), url_fetcher=offline_url_fetcher())
    return html.render()


def report_pdf(context: dict[str, Any]) -> bytes:
    return bytes(report_document(context).write_pdf())
