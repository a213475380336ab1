from __future__ import annotations

import datetime

import pytest

from careershub.evaluations.generator import HistoryPlan, generate_histories
from careershub.evaluations.models import Evaluation, MeasurementResult
from careershub.evaluations.services import score_of
from careershub.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 1)


def _plans(count: int, joined: datetime.date | None) -> list[HistoryPlan]:
    return [
        HistoryPlan(InstitutionFactory.create(urn=600000 + n + (0 if joined else 500)), 2016, 2025, joined)
        for n in range(count)
    ]


def test_histories_are_reproducible_and_scored_by_the_real_scoring(db: None) -> None:
    plans = _plans(3, datetime.date(2018, 9, 1))
    assert generate_histories(plans, today=TODAY) == 30
    assert generate_histories(plans, today=TODAY) == 0  # safe to run again
    for evaluation in Evaluation.objects.all()[:10]:
        assert score_of(evaluation).benchmarks_fully_achieved == evaluation.benchmarks_fully_achieved
        assert evaluation.benchmark_scores.count() == 8
    first = list(Evaluation.objects.order_by("pk").values_list("benchmarks_fully_achieved", flat=True))
    Evaluation.objects.all().delete()
    generate_histories(plans, today=TODAY)
    again = list(Evaluation.objects.order_by("pk").values_list("benchmarks_fully_achieved", flat=True))
    assert first == again


def test_frameworks_follow_the_dates(db: None) -> None:
    generate_histories(_plans(1, None), today=TODAY)
    codes = dict(Evaluation.objects.values_list("submitted_at__year", "framework__code"))
    assert codes[2017].startswith("gatsby-2014")
    assert codes[2026].startswith("gatsby-2024")


def test_planted_hub_effect_and_national_trend(db: None) -> None:
    generate_histories(_plans(25, datetime.date(2018, 9, 1)) + _plans(25, None), today=TODAY, hub_effect=1.5)
    point = datetime.date(2024, 7, 31)
    results = list(MeasurementResult.objects.filter(point=point).select_related("institution"))
    hub = [r.benchmarks_fully_achieved for r in results if r.institution.urn < 600500]
    other = [r.benchmarks_fully_achieved for r in results if r.institution.urn >= 600500]
    assert sum(hub) / len(hub) > sum(other) / len(other) + 0.5
    early = MeasurementResult.objects.filter(point=datetime.date(2017, 7, 31))
    assert sum(r.benchmarks_fully_achieved for r in early) / early.count() < 3.5
