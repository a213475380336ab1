#!/usr/bin/env python3
"""Time the destination roll-ups at national scale, against DuckDB as the reference.

Usage: .venv/bin/python bench/destination_rollups.py [--leavers 600000] [--institutions 5000] [--seed 1]

Generates a seeded national set of leavers (Year 11 and Year 13, one leaving year, with the
disadvantaged / SEN / looked-after flags and 0-4 activity records each, on distinct dates from
June of the leaving year to September of the next), rolls it up with the product's code path
(`destinations.rollups.roll_up_groups`, the functions the summary page runs on the facts
`destinations.queries.leaver_facts` reads), computes the same figures with DuckDB SQL over the
same data (an ASOF join for the activity in force at each month-end, regular expressions for
the category rules), checks every figure agrees, and prints times and the ratio. The database
read (`leaver_facts`) is not part of the timing: it is two plain queries.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KIND_WEIGHTS = {"edu": 62, "appr": 8, "emp": 10, "neet": 8, "not_known": 6, "other": 1, "known": 5}
LEAVING_YEAR = 2023
GROUP_FLAGS = {"all": None, "disadvantaged": "disadvantaged", "sen": "sen", "looked_after": "looked_after"}


def generate(leavers: int, institutions: int, seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(leaver rows, activity rows), seeded."""
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    start = datetime.date(LEAVING_YEAR, 6, 1)
    span = (datetime.date(LEAVING_YEAR + 1, 9, 30) - start).days
    leaver_rows: list[tuple[Any, ...]] = []
    activity_rows: list[tuple[Any, ...]] = []
    for leaver_id in range(1, leavers + 1):
        disadvantaged = rng.random() < 0.27
        leaver_rows.append(
            (
                leaver_id,
                rng.randrange(1, institutions + 1),
                LEAVING_YEAR,
                "y11" if rng.random() < 0.7 else "y13",
                disadvantaged,
                rng.random() < 0.15,
                rng.random() < 0.02,
            )
        )
        count = rng.choices([0, 1, 2, 3, 4], weights=[5, 55, 25, 10, 5])[0]
        # Most first records are in August to October; later ones anywhere in the year.
        offsets = sorted({rng.randrange(60, 140), *rng.sample(range(span), count)})[: max(count, 0)] if count else []
        for offset in offsets:
            activity_rows.append((leaver_id, start + datetime.timedelta(days=offset), rng.choices(kinds, weights)[0]))
    return leaver_rows, activity_rows


def ours(
    leaver_rows: list[tuple[Any, ...]], activity_rows: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    from careershub.destinations import rollups

    activities: dict[int, list[tuple[datetime.date, str]]] = {}
    for leaver_id, day, kind in activity_rows:
        activities.setdefault(leaver_id, []).append((day, kind))
    facts = [
        rollups.LeaverFacts(
            leaver_id=row[0],
            institution_id=row[1],
            leaving_year=row[2],
            stage=row[3],
            disadvantaged=row[4],
            sen=row[5],
            looked_after=row[6],
            activities=tuple(activities.get(row[0], ())),
        )
        for row in leaver_rows
    ]
    figures = rollups.roll_up_groups(facts, by=lambda f: (f.institution_id, f.leaving_year, f.stage))
    return {
        (*tuple(key), group): (  # type: ignore[arg-type]
            item.leavers,
            *(item.categories[c] for c in rollups.CATEGORIES),
            item.months_counted,
            item.months_neet,
            item.months_not_known,
        )
        for (key, group), item in figures.items()
    }


REFERENCE_SQL = """
WITH months AS (
    SELECT l.*, m.i,
           last_day(make_date(l.leaving_year, 8, 1) + to_months(m.i)) AS month_end
    FROM leavers l CROSS JOIN range(12) AS m(i)
),
in_force AS (
    SELECT months.*, coalesce(a.kind, 'not_known') AS kind
    FROM months ASOF LEFT JOIN activities a
      ON months.leaver_id = a.leaver_id AND months.month_end >= a.recorded_on
),
per_leaver AS (
    SELECT leaver_id, institution_id, leaving_year, stage, disadvantaged, sen, looked_after,
           string_agg(CASE kind WHEN 'edu' THEN 'E' WHEN 'appr' THEN 'A' WHEN 'emp' THEN 'M'
                      WHEN 'neet' THEN 'N' WHEN 'not_known' THEN 'U' WHEN 'other' THEN 'O' ELSE 'K' END,
                      '' ORDER BY i) AS s
    FROM in_force GROUP BY ALL
),
classified AS (
    SELECT *,
      CASE
        WHEN regexp_matches(s, 'A{6}') THEN 'sustained_apprenticeship'
        WHEN regexp_full_match(substr(s, 3, 6), 'E{6}') THEN 'sustained_education'
        WHEN length(regexp_replace(substr(s, 3, 6), '[^MA]', '', 'g')) >= 5 THEN 'sustained_employment'
        WHEN regexp_full_match(substr(s, 3, 6), '[EMA]{6}') THEN 'sustained_education'
        WHEN regexp_matches(s, '[^U]') THEN 'not_sustained'
        ELSE 'not_captured'
      END AS category,
      length(regexp_replace(substr(s, 5, 3), 'O', '', 'g')) AS counted,
      length(regexp_replace(substr(s, 5, 3), '[^N]', '', 'g')) AS neet,
      length(regexp_replace(substr(s, 5, 3), '[^U]', '', 'g')) AS not_known
    FROM per_leaver
),
grouped AS (
    SELECT *, 'all' AS grp FROM classified
    UNION ALL SELECT *, 'disadvantaged' FROM classified WHERE disadvantaged
    UNION ALL SELECT *, 'sen' FROM classified WHERE sen
    UNION ALL SELECT *, 'looked_after' FROM classified WHERE looked_after
)
SELECT institution_id, leaving_year, stage, grp, count(*) AS leavers,
       count(*) FILTER (category = 'sustained_education'),
       count(*) FILTER (category = 'sustained_apprenticeship'),
       count(*) FILTER (category = 'sustained_employment'),
       count(*) FILTER (category = 'not_sustained'),
       count(*) FILTER (category = 'not_captured'),
       sum(counted), sum(neet), sum(not_known)
FROM grouped GROUP BY ALL
"""


def to_parquet(
    leaver_rows: list[tuple[Any, ...]], activity_rows: list[tuple[Any, ...]], folder: Path
) -> tuple[Path, Path]:
    """The same data as Parquet files (polars), for DuckDB."""
    import polars as pl

    leavers_file, activities_file = folder / "leavers.parquet", folder / "activities.parquet"
    pl.DataFrame(
        leaver_rows,
        schema=["leaver_id", "institution_id", "leaving_year", "stage", "disadvantaged", "sen", "looked_after"],
        orient="row",
    ).write_parquet(leavers_file)
    pl.DataFrame(activity_rows, schema=["leaver_id", "recorded_on", "kind"], orient="row").write_parquet(
        activities_file
    )
    return leavers_file, activities_file


def reference(leavers_file: Path, activities_file: Path) -> dict[tuple[Any, ...], tuple[int, ...]]:
    import duckdb

    connection = duckdb.connect()
    connection.read_parquet(str(leavers_file)).create_view("leavers")
    connection.read_parquet(str(activities_file)).create_view("activities")
    rows = connection.execute(REFERENCE_SQL).fetchall()
    return {(r[0], r[1], r[2], r[3]): tuple(int(v) for v in r[4:]) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leavers", type=int, default=600_000)
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careershub.settings_test")
    import django

    django.setup()
    started = time.perf_counter()
    leaver_rows, activity_rows = generate(args.leavers, args.institutions, args.seed)
    print(
        f"Generated {len(leaver_rows):,} leavers at {args.institutions:,} institutions with "
        f"{len(activity_rows):,} activity records in {time.perf_counter() - started:.1f} s (seed {args.seed})"
    )
    started, cpu = time.perf_counter(), time.process_time()
    mine = ours(leaver_rows, activity_rows)
    ours_seconds, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        files = to_parquet(leaver_rows, activity_rows, Path(folder))
        print(f"Wrote the same data as Parquet (polars) in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        theirs = reference(*files)
        reference_seconds, reference_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"Roll-ups (product code path, pure Python): {ours_seconds:8.2f} s wall, {ours_cpu:8.2f} s CPU "
        f"for {len(mine):,} figure rows"
    )
    print(
        f"Reference (DuckDB SQL over Parquet)     : {reference_seconds:8.2f} s wall, {reference_cpu:8.2f} s CPU "
        f"(all threads) for {len(theirs):,} figure rows"
    )
    print(f"Ratio (ours / reference): {ours_seconds / reference_seconds:.1f}x")
    differences = [key for key in mine.keys() | theirs.keys() if mine.get(key) != theirs.get(key)]
    totals = [sum(values[i] for key, values in mine.items() if key[3] == "all") for i in range(9)]
    print(
        "England totals (all leavers): "
        f"{totals[0]:,} leavers; education {totals[1]:,}, apprenticeship {totals[2]:,}, employment {totals[3]:,}, "
        f"not sustained {totals[4]:,}, not captured {totals[5]:,}; "
        f"NEET {100 * totals[7] / totals[6]:.2f}%, not known {100 * totals[8] / totals[6]:.2f}%"
    )
    if differences:
        print(f"MISMATCH in {len(differences)} figure rows, e.g. {differences[:3]}")
        for key in differences[:3]:
            print(f"  {key}: ours {mine.get(key)} reference {theirs.get(key)}")
        sys.exit(1)
    print("All figures agree.")


if __name__ == "__main__":
    main()
