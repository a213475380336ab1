"""Insight dashboards: national, region, local authority, LSIP area, Opportunity Area and hub,
at a chosen measurement point; an institution's results against aggregates; charts (SVG images),
CSV and XLSX exports. Reads go through `queries.py`; access is decided there too."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from careershub.insight import charts, dashboard, exports, queries, statistics
from careershub.insight.suppression import SUPPRESSED, primary, threshold
from careershub.organisations.models import Membership, OrganisationKind


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _area_link(level: str, pk: int) -> str:
    return reverse("insight:dashboard", args=[level, pk])


def _chosen_point(request: HttpRequest, points: list[datetime.date]) -> datetime.date | None:
    wanted = request.GET.get("point", "")
    for point in points:
        if point.isoformat() == wanted:
            return point
    return points[0] if points else None


def _summer_on_or_before(point: datetime.date) -> datetime.date:
    return datetime.date(point.year if point.month >= 7 else point.year - 1, 7, 31)


def _comparison(scope: queries.Scope, point: datetime.date) -> dict[str, Any]:
    """Hub vs comparison estimates and the membership trend (cached until the data change)."""
    follow_up = _summer_on_or_before(point)
    version = hashlib.sha256(repr(queries.data_version()).encode()).hexdigest()[:16]
    key = f"insight:comparison:{scope.level}:{scope.pk}:{follow_up}:{version}"
    found = cache.get(key)
    if found is None:
        panel, attributes = queries.panel_for(scope, follow_up)
        what = f"Members of {scope.name}" if scope.level == "hub" else "Institutions in a hub"
        found = {
            "did": statistics.difference_in_differences(panel, what=what),
            "matched": statistics.matched_comparison(
                panel,
                attributes,
                baseline=datetime.date(follow_up.year - 2, 7, 31),
                follow_up=follow_up,
                what=f"{what} that joined between the two points",
            ),
            "table": dashboard.membership_trend_table(panel),
        }
        cache.set(key, found, 60 * 60)
    return found


def _build(request: HttpRequest, level: str, pk: int) -> dict[str, Any]:
    scope = queries.scope_for(level, pk)
    access = queries.dashboard_access(_membership(request), scope)
    if access is None:
        raise PermissionDenied
    points = queries.points_with_results()
    point = _chosen_point(request, points)
    built = None
    comparison = None
    if point is not None:
        within = queries.areas_within(scope)
        areas = None
        if within is not None:
            area_level, names = within
            field = (
                "institution__local_authority__region__name"
                if area_level == "region"
                else "institution__local_authority_id"
            )
            areas = (area_level, names, field)
        rows = queries.rows_at(scope, point)
        if areas and areas[0] == "region":
            by_name = {name: pk for pk, name in areas[1].items()}
            for row in rows:
                row["region_pk"] = by_name.get(row["institution__local_authority__region__name"])
            areas = ("region", areas[1], "region_pk")
        built = dashboard.build_dashboard(
            point=point,
            rows=rows,
            trend_rows=queries.trend(scope),
            fsm_edges=dashboard.fsm_quintile_edges(queries.national_fsm_values(point)),
            hub_names={},
            areas=areas,
            full_access=access == queries.Access.FULL and scope.level == "hub",
            area_link=_area_link,
        )
        comparison = _comparison(scope, point)
        built.tables["hub_vs_comparison"] = comparison["table"]
    return {
        "scope": scope,
        "access": access,
        "points": points,
        "point": point,
        "dashboard": built,
        "comparison": comparison,
    }


def index(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not queries.can_use_insight(membership):
        raise PermissionDenied
    assert membership is not None
    if membership.organisation.kind == OrganisationKind.INSTITUTION:
        institution = getattr(membership.organisation, "institution", None)
        if institution is None:
            raise Http404
        return redirect("insight:institution", urn=institution.urn)
    return TemplateResponse(
        request,
        "insight/index.html",
        {"areas": queries.areas_for_index(membership), "page_title": "Benchmark insight"},
    )


def national(request: HttpRequest) -> HttpResponse:
    return area_dashboard(request, "national", 0)


def area_dashboard(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    context = _build(request, level, pk)
    context["page_title"] = f"Benchmark insight: {context['scope'].name}"
    context["charted"] = charts.CHARTED
    context["threshold"] = threshold()
    context["SUPPRESSED"] = SUPPRESSED
    return TemplateResponse(request, "insight/dashboard.html", context)


def _table_or_404(context: dict[str, Any], key: str) -> dashboard.Table:
    built = context["dashboard"]
    if built is None or key not in built.tables:
        raise Http404
    return built.tables[key]  # type: ignore[no-any-return]


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _file_stem(context: dict[str, Any]) -> str:
    scope = context["scope"]
    return f"insight-{scope.level}-{scope.pk}-{context['point']}"


def table_csv(request: HttpRequest, level: str, pk: int, table: str) -> HttpResponse:
    context = _build(request, level, pk)
    found = _table_or_404(context, table)
    return _download(exports.csv_bytes(found), "text/csv; charset=utf-8", f"{_file_stem(context)}-{table}.csv")


def workbook(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    context = _build(request, level, pk)
    if context["dashboard"] is None:
        raise Http404
    content = exports.xlsx_bytes(context["dashboard"].tables.values(), title=context["scope"].name)
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{_file_stem(context)}.xlsx",
    )


def chart(request: HttpRequest, level: str, pk: int, table: str) -> HttpResponse:
    if table not in charts.CHARTED:
        raise Http404
    context = _build(request, level, pk)
    response = HttpResponse(charts.svg_for(_table_or_404(context, table)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def institution(request: HttpRequest, urn: int) -> HttpResponse:
    membership = _membership(request)
    if not queries.can_use_insight(membership):
        raise PermissionDenied
    assert membership is not None
    found = queries.institution_for(membership, urn)
    results = queries.institution_results(found)
    points = [r.point for r in reversed(results)]
    point = _chosen_point(request, points)
    comparisons: list[dict[str, Any]] = []
    own = next((r for r in results if r.point == point), None)
    if point is not None and own is not None:
        groups: list[tuple[str, list[int]]] = []
        hub = queries.current_hub_of(found, point)
        if hub is not None:
            groups.append(
                (
                    hub.name,
                    [
                        r["benchmarks_fully_achieved"]
                        for r in queries.rows_at(queries.Scope("hub", hub.pk, hub.name), point)
                    ],
                )
            )
        if found.local_authority_id:
            la = queries.Scope("la", found.local_authority_id, found.local_authority.name)  # type: ignore[union-attr]
            groups.append(
                (
                    f"{la.name} (local authority)",
                    list(queries.results_in(la, point).values_list("benchmarks_fully_achieved", flat=True)),
                )
            )
        groups.append(("Similar institutions (same kind, FSM within 5 points)", queries.similar_results(found, point)))
        groups.append(
            (
                "England",
                list(
                    queries.results_in(queries.Scope("national", 0, "England"), point).values_list(
                        "benchmarks_fully_achieved", flat=True
                    )
                ),
            )
        )
        for name, values in groups:
            hidden = primary(len(values))
            comparisons.append(
                {
                    "name": name,
                    "count": SUPPRESSED if hidden else len(values),
                    "average": SUPPRESSED if hidden or not values else round(sum(values) / len(values), 2),
                }
            )
    return TemplateResponse(
        request,
        "insight/institution.html",
        {
            "institution": found,
            "results": results,
            "own": own,
            "point": point,
            "points": points,
            "comparisons": comparisons,
            "page_title": f"Benchmark insight: {found.name}",
        },
    )
