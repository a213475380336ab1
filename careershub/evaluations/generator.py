"""Seeded, reproducible evaluation histories: for the demo, and for national test data.

Each institution gets a latent quality, a year it started self-evaluating, and a stable order
in which it tends to achieve benchmarks (harder ones, like Benchmarks 1 and 3, later). Each
academic year it submits one evaluation whose number of fully achieved benchmarks follows the
published national averages (domain reference, section 3), plus its quality, plus a planted
Hub effect for years spent in a Careers Hub. Answers are then drawn so that exactly those
benchmarks are fully achieved, and the real scoring module scores them: the scores stored are
what the product itself computes.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from django.db import connection, models, transaction
from django.utils import timezone

from careershub.evaluations import framework_data, scoring
from careershub.evaluations.measurement_points import latest_point_on_or_before, measurement_points_between
from careershub.evaluations.models import (
    Answer,
    BenchmarkScore,
    Evaluation,
    EvaluationStatus,
    FrameworkVersion,
    MeasurementResult,
)
from careershub.evaluations.services import measurement_results_refresh
from careershub.institutions.models import Institution, InstitutionKind

#: Average benchmarks fully achieved nationally, by the calendar year an academic year starts in.
#: 2016, 2017, 2019 (March 2020) and 2024 are published; the others are interpolated.
NATIONAL_AVERAGE: dict[int, float] = {
    2016: 1.87,
    2017: 2.13,
    2018: 3.0,
    2019: 3.75,
    2020: 4.2,
    2021: 4.6,
    2022: 5.2,
    2023: 5.8,
    2024: 6.0,
    2025: 6.2,
}
#: How hard each benchmark is to achieve fully (higher = achieved later), from the national
#: shares fully achieving each benchmark (Benchmark 8 highest, Benchmarks 1 and 3 lowest).
DIFFICULTY = {1: 1.6, 2: 0.9, 3: 1.5, 4: 1.0, 5: 0.8, 6: 1.2, 7: 1.3, 8: 0.6}


@dataclass(frozen=True)
class HistoryPlan:
    institution: Institution
    first_year: int
    last_year: int
    hub_joined: datetime.date | None


def _benchmark_order(rng: random.Random) -> list[int]:
    keyed = [(DIFFICULTY[n] + rng.gauss(0, 0.45), n) for n in range(1, 9)]
    return [n for _, n in sorted(keyed)]


def _learner_numbers(spec: framework_data.Framework, institution: Institution, rng: random.Random) -> dict[str, int]:
    pupils = institution.number_of_pupils or rng.randint(500, 1400)
    per_group = max(10, pupils // max(1, len(spec.year_groups)))
    sixth_form = (institution.statutory_high_age or 18) > 16
    numbers = {}
    for group in spec.year_groups:
        if group.code in {"Y12", "Y13"} and not sixth_form:
            numbers[group.code] = 0
        else:
            numbers[group.code] = max(5, int(per_group * rng.uniform(0.85, 1.15)))
    return numbers


def _answers_for(
    spec: framework_data.Framework,
    achieved: set[int],
    year_groups: frozenset[str],
    rng: random.Random,
    maturity: float,
) -> dict[str, str]:
    answers: dict[str, str] = {}
    bands = [band.code for band in spec.cohort_bands]
    for benchmark in spec.benchmarks:
        questions = [q for q in benchmark.questions if scoring.is_applicable(q, year_groups)]
        if not questions:
            continue
        must_miss = None if benchmark.number in achieved else rng.choice(questions).code
        for question in questions:
            met = benchmark.number in achieved or (question.code != must_miss and rng.random() < maturity)
            if question.is_cohort:
                answers[question.code] = question.met_at if met else rng.choice(bands[:-1])
            elif met:
                answers[question.code] = "yes"
            else:
                answers[question.code] = "partly" if question.allows_partly and rng.random() < 0.5 else "no"
    return answers


def _target(year: int, quality: float, hub_years: float, hub_effect: float, rng: random.Random) -> int:
    mean = NATIONAL_AVERAGE.get(year, NATIONAL_AVERAGE[max(NATIONAL_AVERAGE)])
    value = mean + 1.4 * quality + hub_effect * min(hub_years, 2.0) / 2.0 + rng.gauss(0, 0.6)
    return max(0, min(8, round(value)))


def generate_histories(
    plans: Iterable[HistoryPlan],
    *,
    seed: int = 2026,
    hub_effect: float = 1.0,
    with_answers: bool = True,
    today: datetime.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create submitted evaluations for each plan (one per academic year). Returns how many.

    Institutions that already have evaluations are left alone, so this is safe to run again.
    """
    today = today or timezone.localdate()
    frameworks = {f.code: f for f in FrameworkVersion.objects.all()}
    created = 0
    plans = list(plans)
    existing = set(
        Evaluation.objects.filter(institution__in=[p.institution for p in plans]).values_list(
            "institution_id", flat=True
        )
    )
    for index, plan in enumerate(plans):
        if plan.institution.pk in existing:
            continue
        rng = random.Random(f"{seed}:{plan.institution.urn}")
        with transaction.atomic():
            created += _generate_one(plan, rng, frameworks, hub_effect, with_answers, today)
        if progress is not None:
            progress(index + 1)
    return created


def _generate_one(
    plan: HistoryPlan,
    rng: random.Random,
    frameworks: dict[str, FrameworkVersion],
    hub_effect: float,
    with_answers: bool,
    today: datetime.date,
) -> int:
    institution = plan.institution
    quality = rng.gauss(0, 0.55)
    order = _benchmark_order(rng)
    kind = institution.kind if institution.kind != InstitutionKind.OTHER else InstitutionKind.MAINSTREAM_SCHOOL
    best = 0
    count = 0
    for year in range(plan.first_year, plan.last_year + 1):
        submitted_on = datetime.date(year, 11, 1) + datetime.timedelta(days=rng.randint(0, 150))
        if submitted_on > today:
            break
        spec = framework_data.framework_for(kind, submitted_on)
        version = frameworks[spec.code]
        hub_years = 0.0
        if plan.hub_joined is not None and plan.hub_joined <= submitted_on:
            hub_years = (submitted_on - plan.hub_joined).days / 365.25
        target = _target(year, quality, hub_years, hub_effect, rng)
        # Progress is mostly kept: an institution rarely loses more than one benchmark.
        target = max(target, best - 1)
        best = max(best, target)
        achieved = set(order[:target])
        numbers = _learner_numbers(spec, institution, rng)
        year_groups = scoring.year_groups_with_learners(numbers)
        maturity = min(0.95, 0.35 + 0.08 * target)
        answers = _answers_for(spec, achieved, year_groups, rng, maturity)
        result = scoring.score(spec, answers, year_groups)
        moment = datetime.datetime.combine(submitted_on, datetime.time(10, rng.randint(0, 59)), tzinfo=datetime.UTC)
        evaluation = Evaluation.objects.create(
            institution=institution,
            framework=version,
            status=EvaluationStatus.SUBMITTED,
            institution_kind=institution.kind,
            learner_numbers=numbers,
            learner_numbers_version=1,
            submitted_at=moment,
            benchmarks_fully_achieved=result.benchmarks_fully_achieved,
        )
        if with_answers:
            Answer.objects.bulk_create(
                Answer(evaluation=evaluation, question_code=code, value=value) for code, value in answers.items()
            )
        BenchmarkScore.objects.bulk_create(
            BenchmarkScore(
                evaluation=evaluation,
                number=b.number,
                met=b.met,
                in_progress=b.in_progress,
                total=b.total,
                percentage=b.percentage,
                fully_achieved=b.fully_achieved,
                rag=str(b.rag),
            )
            for b in result.benchmarks
        )
        count += 1
    if count:
        measurement_results_refresh(institution=institution, until=today)
    return count


# National scale ---------------------------------------------------------------------------------
#
# The functions below simulate whole national panels at once with numpy and pandas, then (in
# `careershub.insight.national`) write them with bulk inserts. They skip answers: an
# institution's result is drawn directly as benchmarks fully achieved, the benchmarks that are
# achieved and the percentage of assessment areas met for each. The Hub effect is a step: an
# institution in a hub when it submits scores `hub_effect` benchmarks higher on the latent scale
# than it would have done outside one (before rounding to whole benchmarks and the 0-8 limits).
# Each year's common offset is solved so that the realised national average of that year's
# submissions equals NATIONAL_AVERAGE, so the published trend holds whatever effect is planted.

#: Effect on the latent score of each kind of institution (small: special schools do well).
KIND_EFFECT: dict[str, float] = {
    "mainstream_school": 0.0,
    "special_school": -0.15,
    "alternative_provision": -0.4,
    "college": 0.1,
    "training_provider": -0.2,
    "other": 0.0,
}
#: Latent score per percentage point of free school meals above 20% (disadvantaged schools
#: scored a little higher in the national reports).
FSM_EFFECT = 0.01
QUALITY_SD = 0.75
NOISE_SD = 0.6


def _solve_offset(latent: np.ndarray, target: float) -> float:
    """The common offset c with mean(clip(round(c + latent), 0, 8)) as close to target as possible."""
    low, high = -10.0, 18.0
    for _ in range(40):
        middle = (low + high) / 2
        if _realised(latent + middle).mean() < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _realised(values: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(values + 0.5), 0, 8)


def simulate_scores(
    institutions: pd.DataFrame,
    *,
    seed: int,
    hub_effect: float,
    last_year: int = 2024,
    averages: dict[int, float] | None = None,
) -> pd.DataFrame:
    """One submission per institution per academic year from its `first_year` to `last_year`.

    `institutions` has one row per institution: `key` (int), `kind`, `percent_fsm` (float or
    NaN), `area_effect` (float), `joined_on` (datetime64, NaT when never in a hub) and
    `first_year` (the academic year it started self-evaluating). Returns `key`, `year`,
    `submitted_on` (datetime64), `in_hub` (bool) and `score` (0-8), sorted by key and year.
    """
    averages = averages or NATIONAL_AVERAGE
    rng = np.random.default_rng(seed)
    frame = institutions.reset_index(drop=True)
    count = len(frame)
    quality = rng.normal(0, QUALITY_SD, count)
    kind_effect = frame["kind"].map(KIND_EFFECT).fillna(0.0).to_numpy(dtype=float)
    fsm = frame["percent_fsm"].astype(float).fillna(20.0).to_numpy()
    base = quality + kind_effect + FSM_EFFECT * (fsm - 20.0) + frame["area_effect"].to_numpy(dtype=float)
    years = np.arange(2016, last_year + 1)
    # Draw every institution-year (so the stream does not depend on who reports when).
    noise = rng.normal(0, NOISE_SD, (count, len(years)))
    day_offsets = rng.integers(0, 151, (count, len(years)))
    joined = frame["joined_on"].to_numpy(dtype="datetime64[D]")
    first = frame["first_year"].to_numpy(dtype=int)
    parts = []
    for column, year in enumerate(years):
        reporting = first <= year
        if not reporting.any():
            continue
        submitted = np.datetime64(f"{year}-11-01") + day_offsets[reporting, column].astype("timedelta64[D]")
        joined_here = joined[reporting]
        in_hub = ~np.isnat(joined_here) & (joined_here <= submitted)
        latent = base[reporting] + noise[reporting, column] + hub_effect * in_hub
        target = averages.get(int(year), averages[max(averages)])
        scores = _realised(latent + _solve_offset(latent, target)).astype(int)
        parts.append(
            pd.DataFrame(
                {
                    "key": frame["key"].to_numpy()[reporting],
                    "year": int(year),
                    "submitted_on": submitted,
                    "in_hub": in_hub,
                    "score": scores,
                }
            )
        )
    result = pd.concat(parts, ignore_index=True)
    return result.sort_values(["key", "year"], ignore_index=True)


def benchmark_details(scores: pd.DataFrame, *, seed: int) -> tuple[list[list[int]], list[list[int]]]:
    """For each row of `simulate_scores`: the benchmarks fully achieved and the percentage of
    assessment areas met for benchmarks 1-8. Each institution achieves its benchmarks in a
    stable order (harder ones later), as the demo histories do."""
    rng = np.random.default_rng(seed + 7919)
    keys = scores["key"].to_numpy()
    unique, index = np.unique(keys, return_inverse=True)
    difficulty = np.array([DIFFICULTY[n] for n in range(1, 9)])
    orders = np.argsort(difficulty + rng.normal(0, 0.45, (len(unique), 8)), axis=1) + 1
    score_values = scores["score"].to_numpy()
    partial = rng.uniform(0.15, 0.95, (len(scores), 8))
    achieved_lists: list[list[int]] = []
    percentages: list[list[int]] = []
    for row, (order_index, score) in enumerate(zip(index, score_values, strict=True)):
        achieved = sorted(int(n) for n in orders[order_index][:score])
        achieved_lists.append(achieved)
        maturity = 0.35 + 0.07 * score
        percentages.append(
            [100 if n in achieved else int(min(95, 100 * partial[row, n - 1] * maturity + 5)) for n in range(1, 9)]
        )
    return achieved_lists, percentages


def results_at_points(scores: pd.DataFrame, points: Iterable[datetime.date]) -> pd.DataFrame:
    """Each institution's result at each measurement point: its latest submission on or before
    it (as `MeasurementResult` holds). Returns `key`, `point` (datetime64), `year`, `score`."""
    ordered = scores.sort_values("submitted_on")
    frames = []
    for point in points:
        stamp = pd.Timestamp(point)
        upto = ordered[ordered["submitted_on"] <= stamp]
        latest = upto.groupby("key", sort=False).tail(1)
        frames.append(latest.assign(point=stamp)[["key", "point", "year", "score"]])
    return pd.concat(frames, ignore_index=True).sort_values(["key", "point"], ignore_index=True)


def synthetic_institutions(
    count: int,
    *,
    seed: int,
    hub_share_by_year: dict[int, float] | None = None,
    regions: int = 9,
    area_sd: float = 0.3,
) -> pd.DataFrame:
    """A synthetic institution table for `simulate_scores`, with no database and no files: for
    tests of the statistics. Areas join hubs in waves (earlier waves in areas with lower
    baselines, as the first Careers Hubs were placed where provision was weaker); institutions
    start self-evaluating from 2016 to 2018. `area_sd` sets how much areas differ in level; at
    0, joining a hub depends on nothing about the institution."""
    shares = hub_share_by_year or {2018: 0.15, 2019: 0.3, 2020: 0.45}
    rng = np.random.default_rng(seed)
    areas = 12
    area_effect = np.sort(rng.normal(0, area_sd, areas))
    area = rng.integers(0, areas, count)
    # Earlier-joining areas are those with the lowest baseline effects.
    cumulative = np.cumsum(np.bincount(area, minlength=areas)) / count
    joined_year = np.full(areas, 0)
    for number in range(areas):
        for year, share in sorted(shares.items()):
            if cumulative[number] <= share + 1e-9 or (number == 0 and year == min(shares)):
                joined_year[number] = year
                break
    joined = [pd.Timestamp(year=int(joined_year[a]), month=9, day=1) if joined_year[a] else pd.NaT for a in area]
    return pd.DataFrame(
        {
            "key": np.arange(1, count + 1),
            "kind": rng.choice(["mainstream_school", "special_school", "college"], count, p=[0.8, 0.12, 0.08]),
            "percent_fsm": np.round(rng.beta(2.2, 7.5, count) * 100, 1),
            "region": [f"Region {r + 1}" for r in rng.integers(0, regions, count)],
            "area_effect": area_effect[area],
            "joined_on": pd.to_datetime(pd.Series(joined)),
            "first_year": rng.choice([2016, 2017, 2018], count, p=[0.3, 0.5, 0.2]),
        }
    )


def hub_panel(institutions: pd.DataFrame, scores: pd.DataFrame, points: Iterable[datetime.date]) -> pd.DataFrame:
    """The panel the Hub vs non-Hub statistics read: `institution`, `point`, `score` and
    `treated` (in a hub at that point), from `simulate_scores` output."""
    panel = results_at_points(scores, points).merge(institutions[["key", "joined_on"]], on="key")
    panel["treated"] = (panel["joined_on"].notna() & (panel["joined_on"] <= panel["point"])).astype(int)
    return panel.rename(columns={"key": "institution"})[["institution", "point", "score", "treated"]]


def _insert_rows(model: type[models.Model], names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows (values in the order of `names`, every column given) in one `COPY` on
    PostgreSQL, one `executemany` elsewhere: tens of thousands of rows without building a model
    instance each and an INSERT per batch (`bulk_create`). Values are prepared by their fields,
    as Django would."""
    if not rows:
        return
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - our names
    # Numbers, booleans and text go as they are; other values (JSON, dates) as their fields prepare them.
    plain = {"BooleanField", "CharField", "ForeignKey", "PositiveSmallIntegerField", "IntegerField"}
    prepare = [None if field.get_internal_type() in plain else field.get_db_prep_save for field in fields]
    prepared = (
        tuple(value if p is None else p(value, connection) for p, value in zip(prepare, row, strict=True))
        for row in rows
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: many times faster than row-by-row INSERTs there
            copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
                for row in prepared:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, list(prepared))


def write_histories_bulk(
    institutions: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    seed: int,
    until: datetime.date,
    batch_size: int = 5000,
) -> dict[str, int]:
    """Write simulated histories with bulk inserts: submitted evaluations (without answers),
    their benchmark scores, and the results at every measurement point up to `until`.

    `institutions` needs `key` (the URN) and `pk` (the Institution id) and `kind`; `scores` is
    `simulate_scores` output for them. Institutions that already have evaluations are skipped,
    so the demo's own histories are never touched.
    """
    pks = dict(zip(institutions["key"], institutions["pk"], strict=True))
    kinds = dict(zip(institutions["key"], institutions["kind"], strict=True))
    existing = set(
        Evaluation.objects.filter(institution_id__in=list(pks.values())).values_list("institution_id", flat=True)
    )
    scores = scores[~scores["key"].map(pks).isin(existing)].reset_index(drop=True)
    if scores.empty:
        return {"evaluations": 0, "benchmark_scores": 0, "measurement_results": 0}
    achieved, percentages_drawn = benchmark_details(scores, seed=seed)
    versions = {f.code: f for f in FrameworkVersion.objects.all()}
    specs: dict[tuple[str, datetime.date], framework_data.Framework] = {}
    evaluations = []
    score_rows: list[tuple[int, list[int], list[int], framework_data.Framework]] = []
    submitted_dates = scores["submitted_on"].dt.date.to_numpy()
    for row, (key, score) in enumerate(zip(scores["key"], scores["score"], strict=True)):
        kind = kinds[key] if kinds[key] != InstitutionKind.OTHER else InstitutionKind.MAINSTREAM_SCHOOL
        on = submitted_dates[row]
        spec = specs.get((kind, on))
        if spec is None:
            spec = specs[(kind, on)] = framework_data.framework_for(kind, on)
        moment = datetime.datetime.combine(on, datetime.time(10, int(key) % 60), tzinfo=datetime.UTC)
        evaluations.append(
            Evaluation(
                institution_id=pks[key],
                framework=versions[spec.code],
                status=EvaluationStatus.SUBMITTED,
                institution_kind=kinds[key],
                submitted_at=moment,
                benchmarks_fully_achieved=int(score),
            )
        )
        score_rows.append((int(score), achieved[row], percentages_drawn[row], spec))
    with transaction.atomic():
        Evaluation.objects.bulk_create(evaluations, batch_size=batch_size)
        benchmark_scores: list[tuple[Any, ...]] = []
        stored_percentages: list[list[int]] = []
        for evaluation, (_, done, drawn, spec) in zip(evaluations, score_rows, strict=True):
            row_percentages = []
            for benchmark in spec.benchmarks:
                total = len(benchmark.criteria)
                fully = benchmark.number in done
                met = total if fully else min(total - 1, drawn[benchmark.number - 1] * total // 100)
                percentage = scoring.percentage_met(met, total)
                in_progress = 0 if fully else int(met < total - 1)
                row_percentages.append(percentage)
                rag = str(scoring.rag_for(met, in_progress, total))
                benchmark_scores.append(
                    (evaluation.pk, benchmark.number, met, in_progress, total, percentage, fully, rag)
                )
            stored_percentages.append(row_percentages)
        _insert_rows(
            BenchmarkScore,
            ["evaluation", "number", "met", "in_progress", "total", "percentage", "fully_achieved", "rag"],
            benchmark_scores,
        )
        scores = scores.assign(row=np.arange(len(scores)))
        first_point = datetime.date(int(scores["year"].min()), 12, 31)
        points = measurement_points_between(first_point, latest_point_on_or_before(until))
        at_points = results_at_points(scores.assign(score=scores["row"]), points)
        results = [
            (pks[key], point.date(), evaluations[row].pk, *score_rows[row][:2], stored_percentages[row])
            for key, point, row in zip(at_points["key"], at_points["point"], at_points["score"], strict=True)
        ]
        _insert_rows(
            MeasurementResult,
            ["institution", "point", "evaluation", "benchmarks_fully_achieved", "achieved", "percentages"],
            results,
        )
    return {
        "evaluations": len(evaluations),
        "benchmark_scores": len(benchmark_scores),
        "measurement_results": len(results),
    }
