"""The precomputed facts give exactly the figures computed from the source tables, and they
follow submissions and hub membership changes through the background task."""

from __future__ import annotations

import datetime
from typing import Any

import django.db.models
import pandas as pd
import pytest
import statsmodels.api
from django.test import override_settings
from django.urls import reverse

from careershub.evaluations.models import MeasurementResult
from careershub.evaluations.tests.factories import submitted_evaluation
from careershub.geography.models import LocalAuthority, LSIPArea, OpportunityArea, Region
from careershub.hubs import services as hub_services
from careershub.hubs.models import Hub
from careershub.insight import dashboard, queries, services, statistics
from careershub.insight.aggregates import aggregate_rows
from careershub.insight.models import InsightComparison, InsightFact, InsightFactsState
from careershub.insight.national import generate_national_data
from careershub.insight.services import facts_refresh
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import Cast

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def reference_dashboard(scope: queries.Scope, point: datetime.date, *, full: bool) -> dashboard.Dashboard:
    """The dashboard computed the old way: rows from the source tables, counted in Python."""
    within = queries.areas_within(scope)
    rows = queries.rows_at(scope, point)
    field = None
    if within is not None:
        if within[0] == "region":
            by_name = {name: pk for pk, name in within[1].items()}
            for row in rows:
                row["region_pk"] = by_name.get(row["institution__local_authority__region__name"])
            field = "region_pk"
        else:
            field = "institution__local_authority_id"
    trend = [
        {"point": r["point"], "count": r["count"], "total": round(float(r["average"]) * r["count"])}
        for r in queries.trend(scope)
    ]
    return dashboard.build_dashboard(
        point=point,
        figures=aggregate_rows(
            rows,
            fsm_edges=dashboard.fsm_quintile_edges(queries.national_fsm_values(point)),
            area_field=field,
            members=full,
        ),
        trend_rows=trend,
        areas=within,
        full_access=full,
    )


def facts_dashboard(scope: queries.Scope, point: datetime.date, *, full: bool) -> dashboard.Dashboard:
    within = queries.areas_within(scope)
    return dashboard.build_dashboard(
        point=point,
        figures=queries.aggregates_at(
            scope,
            point,
            fsm_edges=queries.fsm_edges_at(point),
            area_level=within[0] if within else None,
            members=full,
        ),
        trend_rows=queries.trend_for(scope),
        areas=within,
        full_access=full,
    )


def tables(built: dashboard.Dashboard) -> dict[str, Any]:
    return {key: (table.rows, table.summary) for key, table in built.tables.items()}


def scopes() -> list[queries.Scope]:
    found = [queries.Scope("national", 0, "England")]
    for level, model in (("region", Region), ("lsip", LSIPArea), ("oa", OpportunityArea), ("hub", Hub)):
        found += [queries.Scope(level, pk, name) for pk, name in model.objects.values_list("pk", "name")]
    las = LocalAuthority.objects.filter(institutions__isnull=False).distinct().order_by("pk")[:12]
    found += [queries.Scope("la", la.pk, la.name) for la in las]
    return found


def test_every_figure_from_the_facts_matches_the_source_tables(settings: Any) -> None:
    generate_national_data(institutions=400, seed=7, hub_effect=0.5)
    assert InsightFact.objects.count() == MeasurementResult.objects.count() > 5000
    points = queries.points_with_results()
    assert queries.fact_points() == points
    # The figures stored at the refresh are those counted now.
    assert queries.trend_for(queries.Scope("national", 0, "England")) == queries.facts_trend(
        queries.Scope("national", 0, "England")
    )
    assert all(queries.fsm_edges_at(point) == queries._fsm_edges_counted(point) for point in points)
    # Every scope at four points with the default threshold; at two of them with another one.
    for threshold, chosen in ((5, [points[0], points[3], points[10], points[-1]]), (3, [points[3], points[-1]])):
        settings.INSIGHT_SUPPRESSION_THRESHOLD = threshold
        checked = 0
        for scope in scopes():
            for point in chosen:
                full = scope.level == "hub"
                assert tables(facts_dashboard(scope, point, full=full)) == tables(
                    reference_dashboard(scope, point, full=full)
                ), (scope, point)
                checked += 1
        assert checked > 50
    check_institution_comparisons(points[0])
    summer = datetime.date(2025, 7, 31)
    for scope in [queries.Scope("national", 0, "England"), *[s for s in scopes() if s.level in {"hub", "region"}]]:
        old_panel, old_attributes = queries.panel_for(scope, summer)
        new_panel, new_attributes = queries.facts_panel(scope, summer)
        pd.testing.assert_frame_equal(old_panel, new_panel)
        pd.testing.assert_frame_equal(old_attributes, new_attributes)
    # Stored estimates read back as computed, and are recomputed once the facts change.
    national = queries.Scope("national", 0, "England")
    computed = services.comparison_for(national, summer)
    assert InsightComparison.objects.count() == 1
    again = services.comparison_for(national, summer)
    assert again == computed
    facts_refresh(institution_ids=[MeasurementResult.objects.order_by("pk").first().institution_id])  # type: ignore[union-attr]
    InsightComparison.objects.update(content={"broken": True})  # a stale row is never read
    state = queries.facts_state()
    assert state is not None
    InsightFactsState.objects.filter(pk=1).update(source_version="changed")
    assert services.comparison_for(national, summer) == computed


def check_institution_comparisons(point: datetime.date) -> None:
    results = MeasurementResult.objects.filter(point=point).select_related("institution__local_authority")
    for result in list(results.order_by("pk")[:40]):
        institution = result.institution
        expected: list[tuple[str, list[int]]] = []
        hub = queries.current_hub_of(institution, point)
        if hub is not None:
            scope = queries.Scope("hub", hub.pk, hub.name)
            expected.append((hub.name, [r["benchmarks_fully_achieved"] for r in queries.rows_at(scope, point)]))
        la = queries.Scope("la", institution.local_authority_id, institution.local_authority.name)  # type: ignore[arg-type, union-attr]
        expected.append(
            (
                f"{la.name} (local authority)",
                list(queries.results_in(la, point).values_list("benchmarks_fully_achieved", flat=True)),
            )
        )
        expected.append((queries.SIMILAR, queries.similar_results(institution, point)))
        expected.append(
            (
                "England",
                list(MeasurementResult.objects.filter(point=point).values_list("benchmarks_fully_achieved", flat=True)),
            )
        )
        found = queries.institution_comparisons(institution, point)
        assert [(name, group.count, group.total) for name, _, group in found] == [
            (name, len(values), sum(values)) for name, values in expected
        ]


@override_settings(TASKS=IMMEDIATE)
def test_a_submission_and_a_hub_join_refresh_the_facts_in_the_background(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    school = InstitutionFactory.create(urn=750001)
    when = datetime.datetime(2025, 2, 10, 12, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        submitted_evaluation(school, submitted_at=when, achieved=[1, 2, 3])
    facts = InsightFact.objects.filter(institution=school)
    assert facts.count() == MeasurementResult.objects.filter(institution=school).count() > 0
    first = facts.order_by("point").first()
    assert first is not None and first.score == 3 and first.b1 and not first.b4 and first.hub_id is None
    with django_capture_on_commit_callbacks(execute=True):
        hub_services.hub_add_institution(hub=cast.north_hub, institution=school, joined_on=datetime.date(2025, 1, 1))
    assert set(facts.values_list("hub_id", flat=True)) == {cast.north_hub.pk}
    assert set(facts.values_list("hub_wave", flat=True)) == {cast.north_hub.wave}


def test_the_refresh_rebuilds_only_what_it_is_asked_to(cast: Cast) -> None:
    one, two = InstitutionFactory.create(urn=750002), InstitutionFactory.create(urn=750003)
    when = datetime.datetime(2025, 2, 10, 12, tzinfo=datetime.UTC)
    submitted_evaluation(one, submitted_at=when)
    submitted_evaluation(two, submitted_at=when)
    assert facts_refresh(institution_ids=[one.pk]) > 0
    assert InsightFact.objects.filter(institution=one).exists()
    assert not InsightFact.objects.filter(institution=two).exists()
    facts_refresh()
    assert InsightFact.objects.filter(institution=two).exists()
    state = queries.facts_state()
    assert state is not None and state.rows == InsightFact.objects.count()


def test_the_estimates_computed_ahead_for_every_area_are_those_the_pages_compute(
    client_as: Any, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    generate_national_data(institutions=400, seed=11, hub_effect=1.0)
    InsightComparison.objects.all().delete()
    every = services.comparison_scopes()
    assert {scope.level for scope in every} == {"national", "region", "la", "lsip", "oa", "hub"}
    assert services.comparisons_warm() == len(every)
    assert services.comparisons_warm() == 0  # all current: nothing recomputed
    summer = datetime.date(2025, 7, 31)
    stored = {(row.level, row.scope_pk): row for row in InsightComparison.objects.filter(follow_up=summer)}
    assert len(stored) == len(every)
    # Each scope's panel cut from the one read is the panel the page reads.
    source = queries.panel_source(summer)
    busiest = [
        queries.scope_for("la", pk)
        for pk in InsightFact.objects.filter(point=summer)
        .values_list("local_authority_id", flat=True)
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n", "local_authority_id")[:6]
        if pk is not None
    ]
    sample = [scope for scope in every if scope.level != "la"][:40] + busiest
    for scope in sample:
        panel, attributes = queries.facts_panel(scope, summer)
        cut, cut_attributes = source.panel(scope)
        pd.testing.assert_frame_equal(panel, cut)
        key = ["institution"]
        pd.testing.assert_frame_equal(
            attributes.sort_values(key).reset_index(drop=True), cut_attributes.sort_values(key).reset_index(drop=True)
        )
    # The stored estimate of an LA equals the computation on the page, and it is a real estimate.
    for la in busiest:
        on_page = services._to_content(services._compute_comparison(la, summer))
        assert stored[("la", la.pk)].content == on_page
    assert any(stored[("la", la.pk)].content["did"]["verdict"] != "cannot" for la in busiest)

    # With estimates stored, pages fit no model (and keep their query budget).
    def no_fit(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a model was fitted on the page")

    monkeypatch.setattr(statsmodels.api, "OLS", no_fit)
    monkeypatch.setattr(statistics, "difference_in_differences", no_fit)
    monkeypatch.setattr(statistics, "matched_comparison", no_fit)
    client = client_as("national_analyst")
    oa = OpportunityArea.objects.order_by("pk").first()
    region = Region.objects.order_by("pk").first()
    assert oa is not None and region is not None
    for level, pk in [("la", busiest[0].pk), ("region", region.pk), ("oa", oa.pk), ("national", 0)]:
        with django_assert_max_num_queries(22):
            response = client.get(reverse("insight:dashboard", args=[level, pk]), {"point": summer.isoformat()})
        assert response.status_code == 200
        assert "Figures last brought up to date" in response.content.decode()
    response = client.get(reverse("insight:comparison", args=["la", busiest[0].pk]), {"point": summer.isoformat()})
    assert response.status_code == 200 and "Figures last brought up to date" in response.content.decode()
    # A stale estimate is not read: the page computes again (here: tries to fit, and fails).
    InsightFactsState.objects.filter(pk=1).update(source_version="changed")
    with pytest.raises(AssertionError, match="a model was fitted"):
        client.get(reverse("insight:dashboard", args=["la", busiest[0].pk]), {"point": summer.isoformat()})


@pytest.mark.django_db(transaction=True)
def test_a_full_refresh_vacuums_the_facts_on_postgresql_then_decides_withholding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from careershub.insight import withholding

    warmed: list[bool] = []
    monkeypatch.setattr(withholding, "warm", lambda: warmed.append(True))
    submitted_evaluation(
        InstitutionFactory.create(), submitted_at=datetime.datetime(2025, 2, 10, 12, tzinfo=datetime.UTC)
    )
    warmed.clear()  # submitting refreshed that institution's facts already
    with CaptureQueriesContext(connection) as full:
        written = facts_refresh()  # outside any transaction: its own, then what follows the commit
    assert written == InsightFact.objects.count() > 0 and warmed == [True]
    vacuums = [query["sql"] for query in full.captured_queries if query["sql"].startswith("VACUUM")]
    assert vacuums == (['VACUUM (ANALYZE) "insight_insightfact"'] if connection.vendor == "postgresql" else [])
    with CaptureQueriesContext(connection) as partial:
        facts_refresh(institution_ids=list(InsightFact.objects.values_list("institution_id", flat=True)[:1]))
    assert warmed == [True, True]
    assert not [query for query in partial.captured_queries if query["sql"].startswith("VACUUM")]
