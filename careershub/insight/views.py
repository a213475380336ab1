"""Insight dashboards: national, region, local authority, LSIP area, Opportunity Area and hub,
at a chosen measurement point; an institution's results against aggregates; charts (SVG images),
CSV and XLSX exports. Reads go through `queries.py`; access is decided there too."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format

from careershub.insight import charts, dashboard, exports, queries, report, services, withholding
from careershub.insight.aggregates import Group
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


def _membership_published(scope: queries.Scope) -> bool:
    """Whether the scope's pages publish breakdowns by hub membership and wave, and the membership
    trend (England, regions and hubs; not below a region: `withholding.BREAKDOWN_LEVELS`)."""
    return scope.level == "hub" or scope.level in withholding.BREAKDOWN_LEVELS


def _comparison(scope: queries.Scope, point: datetime.date, withheld: withholding.ScopeWithheld) -> dict[str, Any]:
    """Hub vs comparison estimates and the membership trend (stored until the facts change), its
    rows withheld where the scope's figures at that point are withheld across pages, and the
    estimates' counts where `dashboard.comparison_withheld` says or where they are small."""
    follow_up = services.summer_on_or_before(point)
    found = dict(services.comparison_for(scope, follow_up))
    if _membership_published(scope):
        found["table"] = dashboard.withhold_membership_rows(found["table"], scope, withheld.by_point)
    else:  # the membership trend is the area's membership rows at each summer point
        found["table"] = None
    # The counts the estimates state: withheld as the scope's figures are, and when small.
    across = dashboard.comparison_withheld(scope, follow_up, withheld.by_point)
    for key in ("did", "matched"):
        found[key] = dashboard.shown_estimate(found[key], withheld=across)
    return found


def _build(request: HttpRequest, level: str, pk: int) -> dict[str, Any]:
    scope = queries.scope_for(level, pk)
    access = queries.dashboard_access(_membership(request), scope)
    if access is None:
        raise PermissionDenied
    points = queries.fact_points()
    state = queries.facts_state()
    point = _chosen_point(request, points)
    built = None
    comparison = None
    hubs_within: list[tuple[int, str]] = []
    if point is not None:
        within = queries.areas_within(scope)
        full_access = access == queries.Access.FULL and scope.level == "hub"
        decided, counted = withholding.load(state)  # one cache read for both
        withheld = withholding.for_scope(scope, point, decided)
        built = dashboard.build_dashboard(
            point=point,
            figures=queries.aggregates_at(
                scope,
                point,
                fsm_edges=queries.fsm_edges_at(point),
                area_level=within[0] if within else None,
                members=full_access,
            ),
            trend_rows=counted.trend(scope),
            areas=within,
            full_access=full_access,
            area_link=_area_link,
            withheld=withheld,
            membership=_membership_published(scope),
        )
        comparison = _comparison(scope, point, withheld)
        if comparison["table"] is not None:
            built.tables["hub_vs_comparison"] = comparison["table"]
        if withheld.scope and scope.level != "hub":
            # Often an area is withheld because a hub covers all but a few of its institutions:
            # the hubs' pages are published (ADR 0014, sixth addendum).
            hidden = decided[point].hubs if point in decided else frozenset()
            hubs_within = queries.hub_names(counted.hubs_in(scope, point) - hidden)
    return {
        "scope": scope,
        "access": access,
        "points": points,
        "point": point,
        "dashboard": built,
        "comparison": comparison,
        "facts": state,
        "membership_note": "" if _membership_published(scope) else dashboard.membership_note(scope),
        "hubs_within": hubs_within,
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


def comparison(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    """Hub members compared with institutions outside hubs, on a page of its own."""
    context = _build(request, level, pk)
    context["page_title"] = f"Hub vs non-Hub: {context['scope'].name}"
    context["threshold"] = threshold()
    return TemplateResponse(request, "insight/comparison.html", context)


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


def report_pdf(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    context = _build(request, level, pk)
    if context["dashboard"] is None:
        raise Http404
    return _download(report.report_pdf(context), "application/pdf", f"{_file_stem(context)}.pdf")


def chart(request: HttpRequest, level: str, pk: int, table: str) -> HttpResponse:
    if table not in charts.CHARTED:
        raise Http404
    context = _build(request, level, pk)
    response = HttpResponse(charts.svg_for(_table_or_404(context, table)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _suppressed(group: Group, withheld: bool = False) -> list[dashboard.Value]:
    hidden = primary(group.count) or withheld
    return [
        SUPPRESSED if hidden else group.count,
        SUPPRESSED if hidden or not group.count else group.average,
    ]


def _institution_context(request: HttpRequest, urn: int) -> dict[str, Any]:
    membership = _membership(request)
    if not queries.can_use_insight(membership):
        raise PermissionDenied
    assert membership is not None
    found = queries.institution_for(membership, urn)
    results = queries.institution_results(found)
    points = [r.point for r in reversed(results)]
    point = _chosen_point(request, points)
    own = next((r for r in results if r.point == point), None)
    tables: dict[str, dashboard.Table] = {}
    if point is not None and own is not None:
        rows: list[list[dashboard.Value]] = [[found.name, 1, own.benchmarks_fully_achieved]]
        decided = withholding.decisions().get(point, withholding.PointWithheld())
        england = queries.Scope("national", 0, "England")
        for name, scope, group in queries.institution_comparisons(found, point):
            if isinstance(scope, queries.Similar):
                withheld = dashboard.similar_withheld(
                    scope,
                    england_small=primary(sum(scope.kinds.values())) or decided.scope(england),
                    england_across=decided.scope(england),
                    england_kinds=decided.rows_of("kind", england),
                )
            else:
                withheld = decided.scope(scope)
            rows.append([name, *_suppressed(group, withheld)])
        tables["comparison"] = dashboard.Table(
            "comparison",
            f"Benchmarks fully achieved at {date_format(point, 'j F Y')}",
            ["Compared with", "Institutions", "Average benchmarks fully achieved"],
            rows,
            f"Averages resting on fewer than {threshold()} institutions are withheld and shown as [c].",
        )
    tables["history"] = dashboard.Table(
        "history",
        "Results at each measurement point",
        ["Measurement point", "Benchmarks fully achieved"],
        [[r.point.isoformat(), r.benchmarks_fully_achieved] for r in results],
    )
    return {
        "institution": found,
        "results": results,
        "own": own,
        "point": point,
        "points": points,
        "tables": tables,
        "page_title": f"Benchmark insight: {found.name}",
    }


def institution(request: HttpRequest, urn: int) -> HttpResponse:
    return TemplateResponse(request, "insight/institution.html", _institution_context(request, urn))


def institution_csv(request: HttpRequest, urn: int, table: str) -> HttpResponse:
    context = _institution_context(request, urn)
    if table not in context["tables"]:
        raise Http404
    name = f"insight-institution-{urn}-{context['point']}-{table}.csv"
    return _download(exports.csv_bytes(context["tables"][table]), "text/csv; charset=utf-8", name)


def institution_xlsx(request: HttpRequest, urn: int) -> HttpResponse:
    context = _institution_context(request, urn)
    content = exports.xlsx_bytes(context["tables"].values(), title=context["institution"].name)
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"insight-institution-{urn}-{context['point']}.xlsx",
    )
