"""The area NEET picture: England, region, local authority, hub area and Opportunity Area pages
built from DfE's published figures, with charts (SVG images), CSV exports and a descriptive
comparison across local authorities. Access is decided in `queries.py`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from careershub.insight import exports
from careershub.insight.suppression import threshold
from careershub.neet import charts, comparison, picture, queries
from careershub.organisations.models import Membership, OrganisationKind, Role


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def area_link(level: str, key: str) -> str:
    if level == "national":
        return reverse("neet:national")
    return reverse("neet:area", args=[level, key])


def _picture(request: HttpRequest, level: str, key: str) -> picture.Picture:
    membership = _membership(request)
    if not queries.can_read(membership):
        raise PermissionDenied
    if level == "hub" and not queries.can_read_hub_areas(membership):
        raise PermissionDenied
    area = queries.area_for(level, key)
    return picture.build(
        area,
        scorecard_period=request.GET.get("year"),
        show_benchmarks=queries.benchmarks_visible(membership, area),
        link=area_link,
    )


def index(request: HttpRequest) -> HttpResponse:
    """Start where the membership belongs: its local authority, its hub's area, or England."""
    membership = _membership(request)
    if not queries.can_read(membership):
        raise PermissionDenied
    assert membership is not None
    level, key = queries.landing(membership)
    return redirect(area_link(level, key))


def national(request: HttpRequest) -> HttpResponse:
    return area(request, "national", "england")


def area(request: HttpRequest, level: str, key: str) -> HttpResponse:
    built = _picture(request, level, key)
    membership = _membership(request)
    context: dict[str, Any] = {
        "picture": built,
        "area": built.area,
        "page_title": f"NEET and participation: {built.area.name}",
        "threshold": threshold(),
        "load": queries.latest_load(),
        "can_compare": queries.can_compare(membership),
        "can_see_hubs": queries.can_read_hub_areas(membership),
        "link": area_link,
        "section_links": _section_links(membership),
    }
    if level == "national":
        context["opportunity_areas"] = queries.opportunity_areas()
        context["hubs"] = queries.hubs() if context["can_see_hubs"] else []
    return TemplateResponse(request, "neet/area.html", context)


def _section_links(membership: Membership | None) -> list[tuple[str, str]]:
    """For hub staff and the national team, whose navigation has one "NEET and destinations"
    item (`core.navigation.hub_and_national_items`): the section's other pages they may open."""
    if membership is None or membership.organisation.kind not in {OrganisationKind.HUB, OrganisationKind.NATIONAL}:
        return []
    links = [("Leavers' destinations: where school and college leavers went", reverse("destinations:summary"))]
    if membership.role == Role.HUB_LEAD:
        links.append(
            ("Risk of NEET indicator: the factors and weights your hub's schools use", reverse("risk:configuration"))
        )
    return links


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def table_csv(request: HttpRequest, level: str, key: str, table: str) -> HttpResponse:
    built = _picture(request, level, key)
    if table not in built.tables:
        raise Http404
    suffix = f"-{built.scorecard_period}" if table == "scorecard" and built.scorecard_period else ""
    return _download(exports.csv_bytes(built.tables[table]), f"neet-{level}-{key}-{table}{suffix}.csv")


def chart(request: HttpRequest, level: str, key: str, chart: str) -> HttpResponse:
    built = _picture(request, level, key)
    if chart not in built.charts:
        raise Http404
    response = HttpResponse(charts.svg_for(built.charts[chart]), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _comparison(request: HttpRequest) -> comparison.Comparison:
    if not queries.can_compare(_membership(request)):
        raise PermissionDenied
    return comparison.build({k: str(v) for k, v in request.GET.items()}, area_link)


def compare(request: HttpRequest) -> HttpResponse:
    built = _comparison(request)
    return TemplateResponse(
        request,
        "neet/comparison.html",
        {
            "comparison": built,
            "page_title": "NEET change and benchmark progress across local authorities",
            "threshold": threshold(),
            "query": request.GET.urlencode(),
        },
    )


def compare_csv(request: HttpRequest) -> HttpResponse:
    built = _comparison(request)
    if built.table is None:
        raise Http404
    return _download(exports.csv_bytes(built.table), "neet-benchmark-comparison.csv")


def compare_chart(request: HttpRequest) -> HttpResponse:
    built = _comparison(request)
    if built.chart is None or not built.chart.points:
        raise Http404
    response = HttpResponse(charts.svg_for(built.chart), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response
