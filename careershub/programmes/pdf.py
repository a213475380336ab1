"""The published plan as a PDF for the school's website, laid out by WeasyPrint from the same
data as the public page (only what the school chose to publish)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from careershub.evaluations.reports import offline_url_fetcher

PDF_BASE_URL = Path(__file__).resolve().parent / "jinja2" / "programmes"


def plan_html(context: dict[str, Any]) -> str:
    return render_to_string("programmes/plan_pdf.html", {**context, "generated_on": timezone.localdate()})


def plan_document(context: dict[str, Any]) -> Any:
    import weasyprint

    return weasyprint.HTML(
        string=plan_html(context), base_url=str(PDF_BASE_URL), url_fetcher=offline_url_fetcher()
    ).render()


def plan_pdf(context: dict[str, Any]) -> bytes:
    return bytes(plan_document(context).write_pdf())
