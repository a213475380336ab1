from __future__ import annotations

import datetime

import pytest

from careershub.evaluations.models import Evaluation, MeasurementResult
from careershub.hubs.models import HubMembership
from careershub.insight.national import generate_national_data
from careershub.institutions.models import Institution
from careershub.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_national_data_is_reproducible_realistic_and_leaves_existing_data_alone() -> None:
    demo = InstitutionFactory.create(urn=136000, name="Demo School")  # not touched
    result = generate_national_data(institutions=300, seed=3, hub_effect=1.0)
    assert result.institutions_total == 300
    assert Institution.objects.count() == 301
    assert not Evaluation.objects.filter(institution=demo).exists()
    generated = Institution.objects.exclude(pk=demo.pk)
    assert generated.filter(local_authority__isnull=True).count() == 0
    assert generated.values("region_name").distinct().count() >= 8
    assert set(generated.values_list("kind", flat=True)) >= {"mainstream_school", "special_school"}
    # Wave targets (700 / 1,300 / 2,200 of 5,000), roughly, and near-universal by 2024.
    assert 0.08 <= result.members_by_year[2018] / 300 <= 0.22
    assert 0.35 <= result.members_by_year[2020] / 300 <= 0.55
    assert result.members_by_year[2024] / 300 >= 0.9
    # Results follow the published national averages.
    summer = MeasurementResult.objects.filter(point=datetime.date(2025, 7, 31))
    average = sum(r.benchmarks_fully_achieved for r in summer) / summer.count()
    assert average == pytest.approx(6.0, abs=0.3)
    first = sorted(MeasurementResult.objects.values_list("institution__urn", "point", "benchmarks_fully_achieved"))
    # Running again adds nothing.
    again = generate_national_data(institutions=300, seed=3, hub_effect=1.0)
    assert again.institutions_created == 0 and again.evaluations == 0 and again.memberships == 0
    assert (
        sorted(MeasurementResult.objects.values_list("institution__urn", "point", "benchmarks_fully_achieved")) == first
    )
    assert HubMembership.objects.filter(institution=demo).count() == 0
