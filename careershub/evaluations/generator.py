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

from django.db import transaction
from django.utils import timezone

from careershub.evaluations import framework_data, scoring
from careershub.evaluations.models import (
    Answer,
    BenchmarkScore,
    Evaluation,
    EvaluationStatus,
    FrameworkVersion,
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
