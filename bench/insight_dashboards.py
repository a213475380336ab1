#!/usr/bin/env python3
"""Time the insight dashboards' queries at national scale, against DuckDB over Parquet.

Usage: .venv/bin/python bench/insight_dashboards.py [--institutions 5000] [--seed 1]

Builds the national set in a fresh SQLite database (var/bench-insight.sqlite3), or in the
PostgreSQL database named by DATABASE_URL (which must be an empty scratch database: it is
migrated and filled), times each dashboard's reads, exports the same data to Parquet (polars)
and computes the same aggregates with DuckDB as the reference, and prints the ratios. No
assertions: the figures are for the issue note.
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


def per_benchmark(rows: list[dict[str, Any]]) -> list[int]:
    counts = [0] * 9
    for row in rows:
        for number in row["achieved"]:
            counts[number] += 1
    return counts[1:]


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

    from careershub.evaluations.models import MeasurementResult
    from careershub.hubs.models import Hub
    from careershub.insight import queries
    from careershub.insight.national import generate_national_data

    call_command("migrate", verbosity=0)
    result = generate_national_data(institutions=args.institutions, seed=args.seed, hub_effect=1.0)
    print(
        f"Database: {connection.vendor}. Generated {result.institutions_total} institutions in {result.seconds:.1f} s"
    )
    point = datetime.date(2025, 7, 31)
    national = queries.Scope("national", 0, "England")
    hub = Hub.objects.order_by("pk").first()
    assert hub is not None
    hub_scope = queries.Scope("hub", hub.pk, hub.name)
    rows = list(
        MeasurementResult.objects.values_list(
            "institution_id", "point", "benchmarks_fully_achieved", "achieved", "institution__kind"
        )
    )
    frame = pl.DataFrame(
        {
            "institution": [r[0] for r in rows],
            "point": [r[1] for r in rows],
            "score": [r[2] for r in rows],
            "achieved": [list(r[3]) for r in rows],
            "kind": [r[4] for r in rows],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "results.parquet"
        frame.write_parquet(parquet)
        db = duckdb.connect()
        db.read_parquet(str(parquet)).create_view("results")
        cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
            (
                "national rows at a point",
                lambda: queries.rows_at(national, point),
                lambda: db.execute("SELECT * FROM results WHERE point = ?", [point]).fetchall(),
            ),
            (
                "national trend (count, average by point)",
                lambda: queries.trend(national),
                lambda: db.execute(
                    "SELECT point, count(*), avg(score) FROM results GROUP BY point ORDER BY point"
                ).fetchall(),
            ),
            (
                "national % achieving each benchmark",
                lambda: per_benchmark(queries.rows_at(national, point)),
                lambda: db.execute(
                    "SELECT b, count(*) FROM (SELECT unnest(achieved) AS b FROM results WHERE point = ?) GROUP BY b",
                    [point],
                ).fetchall(),
            ),
            (
                "national by kind",
                lambda: list(
                    queries.results_in(national, point)
                    .values("institution__kind")
                    .annotate(n=django.db.models.Count("id"), a=django.db.models.Avg("benchmarks_fully_achieved"))
                ),
                lambda: db.execute(
                    "SELECT kind, count(*), avg(score) FROM results WHERE point = ? GROUP BY kind", [point]
                ).fetchall(),
            ),
            ("hub rows at a point", lambda: queries.rows_at(hub_scope, point), None),
            ("hub trend", lambda: queries.trend(hub_scope), None),
            ("statistics panel (national, summer points)", lambda: queries.panel_for(national, point), None),
        ]
        print(f"{'query':48} {connection.vendor:>10} {'duckdb':>10} {'ratio':>8}")
        for name, ours, reference in cases:
            ours_ms = timed(ours)
            if reference is None:
                print(f"{name:48} {ours_ms:9.1f}ms {'':>10} {'':>8}")
                continue
            ref_ms = timed(reference)
            print(f"{name:48} {ours_ms:9.1f}ms {ref_ms:8.1f}ms {ours_ms / ref_ms:7.1f}x")


if __name__ == "__main__":
    main()
