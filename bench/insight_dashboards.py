#!/usr/bin/env python3
# ruff: noqa: S608  (the SQL is built from constants and generated numbers, never from input)
"""Time the insight dashboards' queries at national scale, against DuckDB over Parquet.

Usage: .venv/bin/python bench/insight_dashboards.py [--institutions 5000] [--seed 1]

Builds the national set in a fresh SQLite database (var/bench-insight.sqlite3), or in the
PostgreSQL database named by DATABASE_URL (which must be an empty scratch database: it is
migrated and filled), times a full refresh of the precomputed facts, times each dashboard
aggregate over the facts, exports the same facts to Parquet (polars) and computes the same
aggregates with DuckDB as the reference, and prints the ratios measured in the same run; then
times whole pages as a national analyst (with the Hub vs comparison estimates computed on the
page, and computed ahead for every area as the refresh task does). No assertions: the figures are for the
issue note. Ratios are fairer than times on a shared machine: both sides run under the same load.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(function: Callable[[], Any], repeat: int = 5) -> float:
    """Best of `repeat` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        path = ROOT / "var" / "bench-insight.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["SQLITE_PATH"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careershub.settings")
    import django

    django.setup()
    import duckdb
    import polars as pl
    from django.core.management import call_command
    from django.db import connection

    from careershub.hubs.models import Hub
    from careershub.insight import queries, withholding
    from careershub.insight.models import InsightFact
    from careershub.insight.national import generate_national_data
    from careershub.insight.services import facts_refresh

    call_command("migrate", verbosity=0)
    result = generate_national_data(institutions=args.institutions, seed=args.seed, hub_effect=1.0)
    print(
        f"Database: {connection.vendor}. Generated {result.institutions_total} institutions in {result.seconds:.1f} s"
    )
    started = time.perf_counter()
    rows_written = facts_refresh()
    print(f"Full refresh of the precomputed facts: {rows_written} rows in {time.perf_counter() - started:.1f} s")
    point = datetime.date(2025, 7, 31)
    national = queries.Scope("national", 0, "England")
    hub = Hub.objects.order_by("pk").first()
    assert hub is not None
    hub_scope = queries.Scope("hub", hub.pk, hub.name)
    region_pk = (
        InsightFact.objects.exclude(region_id=None).order_by("region_id").values_list("region_id", flat=True).first()
    )
    region_scope = queries.Scope("region", region_pk or 0, "a region")
    reporting = InsightFact.objects.filter(point=point).select_related("institution").order_by("pk").first()
    assert reporting is not None
    school = reporting.institution
    withholding.warm()
    fields = ["institution_id", "point", "score", "kind", "percent_fsm", "local_authority_id", "region_id", "hub_id"]
    fields += [f"b{n}" for n in range(1, 9)]
    facts = list(InsightFact.objects.values_list(*fields))
    frame = pl.DataFrame(
        {name: [row[i] for row in facts] for i, name in enumerate(fields)}, infer_schema_length=None
    ).with_columns(pl.col("percent_fsm").cast(pl.Float64))
    edges = queries.fsm_edges_at(point)

    def aggregates(scope: Any) -> Any:
        return queries.aggregates_at(scope, point, fsm_edges=edges, area_level="region", members=False)

    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "facts.parquet"
        frame.write_parquet(parquet)
        db = duckdb.connect()
        db.read_parquet(str(parquet)).create_view("facts")
        quintile = (
            "CASE WHEN percent_fsm IS NULL THEN NULL "
            + "".join(f"WHEN percent_fsm <= {edge} THEN {q} " for q, edge in enumerate(edges, start=1))
            + f"ELSE {len(edges) + 1} END"
        )

        def duck(sql: str, *where: Any) -> Callable[[], Any]:
            return lambda: db.execute(sql, list(where)).fetchall()

        def duck_all(where: str, *params: Any) -> Callable[[], Any]:
            """The same set of aggregates `queries.aggregates_at` asks for, by DuckDB."""
            sums = ", ".join(f"count(*) FILTER (WHERE b{n})" for n in range(1, 9))
            sqls = [
                f"SELECT count(*), sum(score), count(*) FILTER (WHERE score = 8), {sums} FROM facts WHERE {where}",
                f"SELECT score, count(*), sum(score) FROM facts WHERE {where} GROUP BY score",
                f"SELECT kind, count(*), sum(score) FROM facts WHERE {where} GROUP BY kind",
                f"SELECT {quintile} AS q, count(*), sum(score) FROM facts WHERE {where} GROUP BY q",
                f"SELECT hub_id IS NOT NULL AS m, count(*), sum(score) FROM facts WHERE {where} GROUP BY m",
                f"SELECT region_id, count(*), sum(score) FROM facts WHERE {where} GROUP BY region_id",
            ]
            return lambda: [db.execute(sql, list(params)).fetchall() for sql in sqls]

        cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
            ("national: every aggregate at a point", lambda: aggregates(national), duck_all("point = ?", point)),
            (
                "national trend (stored at the refresh)",
                lambda: queries.trend_for(national),
                duck("SELECT point, count(*), sum(score) FROM facts GROUP BY point ORDER BY point"),
            ),
            (
                "national trend (counted over the facts)",
                lambda: queries.facts_trend(national),
                duck("SELECT point, count(*), sum(score) FROM facts GROUP BY point ORDER BY point"),
            ),
            (
                "national % achieving each benchmark",
                lambda: queries.facts_in(national, point).aggregate(
                    **{
                        f"b{n}": django.db.models.Count("pk", filter=django.db.models.Q(**{f"b{n}": True}))
                        for n in range(1, 9)
                    }
                ),
                duck(
                    "SELECT "
                    + ", ".join(f"count(*) FILTER (WHERE b{n})" for n in range(1, 9))
                    + " FROM facts WHERE point = ?",
                    point,
                ),
            ),
            (
                "national by kind",
                lambda: queries._groups(queries.facts_in(national, point), "kind"),
                duck("SELECT kind, count(*), sum(score) FROM facts WHERE point = ? GROUP BY kind", point),
            ),
            (
                "national FSM quintile edges (stored at the refresh)",
                lambda: queries.fsm_edges_at(point),
                duck("SELECT percent_fsm FROM facts WHERE point = ? AND percent_fsm IS NOT NULL", point),
            ),
            (
                "national FSM quintile edges (counted)",
                lambda: queries._fsm_edges_counted(point),
                duck("SELECT percent_fsm FROM facts WHERE point = ? AND percent_fsm IS NOT NULL", point),
            ),
            (
                "hub: every aggregate at a point",
                lambda: aggregates(hub_scope),
                duck_all("point = ? AND hub_id = ?", point, hub.pk),
            ),
            (
                "hub trend",
                lambda: queries.facts_trend(hub_scope),
                duck("SELECT point, count(*), sum(score) FROM facts WHERE hub_id = ? GROUP BY point", hub.pk),
            ),
            (
                "every scope's trend and the decision: by point, LA, hub",
                withholding.count,
                lambda: db.execute(
                    "SELECT point, local_authority_id, hub_id, count(*), sum(score) FROM facts "
                    "GROUP BY point, local_authority_id, hub_id"
                ).fetchall(),
            ),
            (
                "similar institutions of one school (two reads)",
                lambda: queries.similar_at(school, point),
                None,
            ),
            (
                "national trend as pages read it (cached counts)",
                lambda: withholding.trend(national),
                duck("SELECT point, count(*), sum(score) FROM facts GROUP BY point ORDER BY point"),
            ),
            (
                "region trend as pages read it (cached counts)",
                lambda: withholding.trend(region_scope),
                duck("SELECT point, count(*), sum(score) FROM facts WHERE region_id = ? GROUP BY point", region_pk),
            ),
            (
                "before: region trend (counted over the facts)",
                lambda: queries.facts_trend(region_scope),
                duck("SELECT point, count(*), sum(score) FROM facts WHERE region_id = ? GROUP BY point", region_pk),
            ),
            ("withheld across pages: every point decided", withholding.compute, None),
            ("before: national rows at a point (source tables)", lambda: queries.rows_at(national, point), None),
            ("before: national trend (source tables)", lambda: queries.trend(national), None),
            ("statistics panel from the facts (national)", lambda: queries.facts_panel(national, point), None),
            ("before: statistics panel (source tables)", lambda: queries.panel_for(national, point), None),
        ]
        print(f"{'query':52} {connection.vendor:>10} {'duckdb':>10} {'ratio':>8}")
        for name, ours, reference in cases:
            ours_ms = timed(ours)
            if reference is None:
                print(f"{name:52} {ours_ms:9.1f}ms {'':>10} {'':>8}")
                continue
            ref_ms = timed(reference)
            print(f"{name:52} {ours_ms:9.1f}ms {ref_ms:8.1f}ms {ours_ms / ref_ms:7.1f}x")
    time_pages(hub)


def time_pages(hub: Any) -> None:
    """Whole pages as a national analyst sees them: first view (nothing cached) and again."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from careershub.geography.models import LocalAuthority, OpportunityArea, Region
    from careershub.insight.models import InsightComparison, InsightFact
    from careershub.insight.services import comparison_scopes, comparisons_warm
    from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role

    organisation, _ = Organisation.objects.get_or_create(name="Bench national team", kind=OrganisationKind.NATIONAL)
    user, _ = get_user_model().objects.get_or_create(email="bench@example.org")
    Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.NATIONAL_ANALYST)
    client = Client()
    client.force_login(user)
    area = OpportunityArea.objects.order_by("pk").first()
    region = Region.objects.order_by("pk").first()
    # The local authority with the most institutions reporting (the slowest LA page).
    la_pk = (
        InsightFact.objects.filter(point=datetime.date(2025, 7, 31))
        .values_list("local_authority_id", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    pages = [("national dashboard page", reverse("insight:national"))]
    pages.append(("hub dashboard page", reverse("insight:dashboard", args=["hub", hub.pk])))
    if region is not None:
        pages.append(("region dashboard page", reverse("insight:dashboard", args=["region", region.pk])))
    if la_pk is not None:
        name = LocalAuthority.objects.get(pk=la_pk).name
        pages.append((f"LA dashboard page ({name[:18]})", reverse("insight:dashboard", args=["la", la_pk])))
    if area is not None:
        pages.append(("Opportunity Area dashboard page", reverse("insight:dashboard", args=["oa", area.pk])))
    pages.append(("national CSV (by area)", reverse("insight:table-csv", args=["national", 0, "by_area"])))
    school = InsightFact.objects.filter(point=datetime.date(2025, 7, 31)).select_related("institution").first()
    if school is not None:
        pages.append(("institution page", reverse("insight:institution", args=[school.institution.urn])))

    def first_view(url: str) -> tuple[float, int]:
        cache.clear()
        started = time.perf_counter()
        status = client.get(url, {"point": "2025-07-31"}).status_code
        return (time.perf_counter() - started) * 1000, status

    InsightComparison.objects.all().delete()
    cold = {name: first_view(url) for name, url in pages}
    InsightComparison.objects.all().delete()
    started = time.perf_counter()
    warmed = comparisons_warm()
    print(
        f"Estimates for all {warmed} of {len(comparison_scopes())} dashboards (England, regions, LAs, LSIP areas, "
        f"Opportunity Areas, hubs) computed ahead, as the refresh task does, in {time.perf_counter() - started:.1f} s"
    )
    print(f"{'page':40} {'cold':>10} {'first':>10} {'again':>10}")
    for name, url in pages:
        first, status = first_view(url)
        again = timed(lambda url=url: client.get(url, {"point": "2025-07-31"}))  # type: ignore[misc]
        print(f"{name:40} {cold[name][0]:8.1f}ms {first:8.1f}ms {again:8.1f}ms   (HTTP {status})")
    print(
        "cold: no stored estimate, so the page computes the Hub vs comparison estimates (as before); first: "
        "right after a refresh that computed them ahead, nothing cached in the web process; again: best of 5."
    )


if __name__ == "__main__":
    main()
