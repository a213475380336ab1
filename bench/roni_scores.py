#!/usr/bin/env python3
"""Time RONI scoring for 500,000 generated learners, against polars and DuckDB over the same data.

Usage: .venv/bin/python bench/roni_scores.py [--learners 500000] [--seed 1]

Generates learners' values (seeded) for every field the indicator catalogue
(`careershub/risk/data/indicators.yaml`) reads, then scores them three ways in the same run:

- the platform's code path: `scoring.raised_flags`, `scoring.score` and `scoring.rag` per learner,
  as the risk list does for each learner (`risk.queries.assess`), without the database;
- polars: the same rules translated to column expressions;
- DuckDB: the same rules as SQL over the same data written to Parquet by polars (reading included).

It checks that the three agree on every learner's score and rating, and prints the times and
ratios. The figures are for the issue note.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from careershub.risk import scoring  # noqa: E402


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def column(field: str) -> str:
    return field.replace(".", "__")


def generate(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)

    def flag(p: float) -> np.ndarray:
        return rng.random(n) < p

    def maybe(values: np.ndarray, missing: float) -> list[Any]:
        """A tenth (or `missing`) of the values are not recorded (None)."""
        out: list[Any] = values.tolist()
        for i in np.flatnonzero(rng.random(n) < missing):
            out[i] = None
        return out

    attendance = np.round(np.clip(rng.normal(93, 6, n), 0, 100), 1)
    frame = pl.DataFrame(
        {
            "learner__fsm": flag(0.25),
            "learner__disadvantaged": flag(0.3),
            "learner__sen_status": rng.choice(["N", "K", "E"], n, p=[0.83, 0.13, 0.04]),
            "learner__looked_after": flag(0.01),
            "learner__eal": flag(0.18),
            "factors__attendance_percent": pl.Series(maybe(attendance, 0.1), dtype=pl.Float64),
            "factors__suspensions": pl.Series(maybe(rng.poisson(0.15, n), 0.1), dtype=pl.Int64),
            "factors__permanently_excluded": pl.Series(maybe(flag(0.005), 0.2), dtype=pl.Boolean),
            "factors__previously_looked_after": pl.Series(maybe(flag(0.01), 0.2), dtype=pl.Boolean),
            "factors__attainment_band": pl.Series(
                maybe(rng.choice(["low", "middle", "high"], n, p=[0.25, 0.5, 0.25]), 0.1), dtype=pl.String
            ),
            "factors__young_carer": pl.Series(maybe(flag(0.05), 0.2), dtype=pl.Boolean),
            "factors__young_parent_or_pregnant": pl.Series(maybe(flag(0.003), 0.2), dtype=pl.Boolean),
            "factors__youth_justice": pl.Series(maybe(flag(0.01), 0.2), dtype=pl.Boolean),
            "factors__alternative_provision": pl.Series(maybe(flag(0.02), 0.2), dtype=pl.Boolean),
            "factors__child_in_need": pl.Series(maybe(flag(0.03), 0.2), dtype=pl.Boolean),
            "factors__elective_home_education": pl.Series(maybe(flag(0.01), 0.2), dtype=pl.Boolean),
        }
    )
    return frame


def platform_scores(
    rows: list[dict[str, Any]], rules: list[scoring.Rule], scheme: scoring.Scheme
) -> tuple[list[int], list[str]]:
    scores: list[int] = []
    rags: list[str] = []
    for values in rows:
        raised = scoring.raised_flags(rules, scheme, values)
        points = scoring.score((r.code for r in raised), scheme.weights)
        scores.append(points)
        rags.append(scoring.rag(points, amber=scheme.amber, red=scheme.red))
    return scores, rags


def polars_expression(rule: scoring.Rule) -> pl.Expr:
    parts = []
    for field in rule.fields:
        c = pl.col(column(field))
        if rule.rule == "true":
            parts.append(c.cast(pl.Boolean).fill_null(False))
        elif rule.rule == "below":
            parts.append((c.cast(pl.Float64) < rule.value).fill_null(False))
        elif rule.rule == "at_least":
            parts.append((c.cast(pl.Float64) >= rule.value).fill_null(False))
        else:
            parts.append(c.cast(pl.String).is_in(list(rule.values)).fill_null(False))
    return pl.any_horizontal(parts)


def polars_scores(frame: pl.DataFrame, rules: list[scoring.Rule], scheme: scoring.Scheme) -> pl.DataFrame:
    terms = [polars_expression(r).cast(pl.Int64) * scheme.weights[r.code] for r in rules if r.code in scheme.weights]
    score = pl.sum_horizontal(terms).alias("score")
    rag = (
        pl.when(pl.col("score") >= scheme.red)
        .then(pl.lit("red"))
        .when(pl.col("score") >= scheme.amber)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("green"))
        .alias("rag")
    )
    return frame.select(score).with_columns(rag)


def sql_condition(rule: scoring.Rule) -> str:
    parts = []
    for field in rule.fields:
        c = column(field)
        if rule.rule == "true":
            parts.append(f"coalesce({c}, false)")
        elif rule.rule == "below":
            parts.append(f"coalesce({c} < {rule.value}, false)")
        elif rule.rule == "at_least":
            parts.append(f"coalesce({c} >= {rule.value}, false)")
        else:
            listed = ", ".join(f"'{v}'" for v in rule.values)
            parts.append(f"coalesce({c} in ({listed}), false)")
    return "(" + " or ".join(parts) + ")"


def duckdb_scores(parquet: Path, rules: list[scoring.Rule], scheme: scoring.Scheme) -> tuple[list[int], list[str]]:
    terms = " + ".join(
        f"(case when {sql_condition(r)} then {scheme.weights[r.code]} else 0 end)"
        for r in rules
        if r.code in scheme.weights
    )
    query = f"""
        select score, case when score >= {scheme.red} then 'red' when score >= {scheme.amber} then 'amber'
                      else 'green' end as rag
        from (select {terms} as score from read_parquet('{parquet}'))
    """  # noqa: S608 - built from the catalogue file, not from user input
    rows = duckdb.connect().execute(query).fetchall()
    return [int(r[0]) for r in rows], [str(r[1]) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rules, thresholds = scoring.load_catalogue()
    scheme = scoring.default_scheme(rules, thresholds)

    generate_ms, frame = timed(lambda: generate(args.learners, args.seed))
    rows_ms, rows = timed(
        lambda: [{k.replace("__", "."): v for k, v in row.items()} for row in frame.iter_rows(named=True)]
    )
    platform_ms, (scores, rags) = timed(lambda: platform_scores(rows, rules, scheme))
    polars_ms, by_polars = timed(lambda: polars_scores(frame, rules, scheme))
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "learners.parquet"
        frame.write_parquet(parquet)
        duckdb_ms, (duck_scores, duck_rags) = timed(lambda: duckdb_scores(parquet, rules, scheme))

    assert by_polars["score"].to_list() == scores, "polars and the platform disagree on a score"
    assert by_polars["rag"].to_list() == rags, "polars and the platform disagree on a rating"
    assert duck_scores == scores, "DuckDB and the platform disagree on a score"
    assert duck_rags == rags, "DuckDB and the platform disagree on a rating"

    counts = {rag: rags.count(rag) for rag in ("red", "amber", "green")}
    print(f"RONI scores for {args.learners:,} generated learners (seed {args.seed}), {len(scheme.weights)} indicators")
    print(f"  ratings: red {counts['red']:,}, amber {counts['amber']:,}, green {counts['green']:,}")
    print(f"  generate data             {generate_ms:10.0f} ms")
    print(f"  rows as dicts (platform)  {rows_ms:10.0f} ms")
    print(
        f"  platform scoring          {platform_ms:10.0f} ms  ({1000 * platform_ms / args.learners:.2f} µs per learner)"
    )
    print(f"  polars                    {polars_ms:10.0f} ms  (platform / polars = {platform_ms / polars_ms:.1f}×)")
    print(f"  DuckDB                    {duckdb_ms:10.0f} ms  (platform / DuckDB = {platform_ms / duckdb_ms:.1f}×)")
    print("  all three agree on every learner's score and rating")


if __name__ == "__main__":
    main()
