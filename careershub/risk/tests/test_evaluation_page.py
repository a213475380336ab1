"""The configuration page's evaluation, wired to the destinations app's `neet_outcomes`."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.destinations.models import ActivityCode, ActivityGroup
from careershub.destinations.tests.factories import ActivityRecordFactory, LeaverFactory
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory
from careershub.risk import queries
from careershub.risk.tests.factories import RiskFactorsFactory
from conftest import Cast

pytestmark = pytest.mark.django_db


def past_cohort(cast: Cast, *, neet: int, eet: int, unknown: int = 0) -> None:
    """Leavers of Ashby: the NEET ones were looked after and young carers; the others were not."""
    neet_code = ActivityCode.objects.filter(group=ActivityGroup.NEET_ACTIVE).first()
    eet_code = ActivityCode.objects.get(code="210")
    for n in range(neet + eet + unknown):
        is_neet = n < neet
        learner = LearnerFactory.create(
            institution=cast.ashby, year_group=11, left_on=datetime.date(2025, 7, 20), looked_after=is_neet
        )
        RiskFactorsFactory.create(learner=learner, young_carer=is_neet or n % 4 == 0)
        if n >= neet + eet:
            continue
        leaver = LeaverFactory.create(learner=learner, leaving_year=2025)
        ActivityRecordFactory.create(
            leaver=leaver, recorded_on=datetime.date(2025, 11, 1), code=neet_code if is_neet else eet_code
        )


def test_the_evaluation_reads_outcomes_from_destinations(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    past_cohort(cast, neet=8, eet=20, unknown=3)
    LearnerFactory.create(institution=cast.ashby, year_group=10, looked_after=True)  # current: not in the cohort
    client = client_as("hub_lead")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("risk:configuration"))
    content = response.content.decode()
    assert 'id="evaluation-summary"' in content
    assert "on 28 past learners (8 NEET)" in content
    assert '<td class="govuk-table__cell govuk-table__cell--numeric" data-metric="auc">1.00</td>' in content
    assert 'data-metric="recall">100.0%' in content
    assert 'data-indicator="looked_after"' in content
    # another hub's lead sees no learners of Ashby
    other = client_as("other_hub_lead").get(reverse("risk:configuration")).content.decode()
    assert 'id="evaluation-not-enough"' in other


def test_too_few_outcomes_are_not_evaluated_and_small_counts_are_withheld(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    past_cohort(cast, neet=3, eet=20)
    content = client_as("participation_officer").get(reverse("risk:configuration")).content.decode()
    assert 'id="evaluation-not-enough"' in content
    assert "23 with a known outcome, [c] NEET" in content


def test_evaluation_takes_any_outcome_source(cast: Cast) -> None:
    learners = [LearnerFactory.create(institution=cast.ashby, year_group=12, fsm=n % 2 == 0) for n in range(30)]
    for learner in learners:
        RiskFactorsFactory.create(learner=learner)
    LearnerFactory.create(institution=cast.ashby, year_group=12, fsm=True)  # no risk factors sent: not evaluated
    outcomes = {learner.pk: (learner.fsm if n % 5 else None) for n, learner in enumerate(learners)}
    calls: list[list[int]] = []

    def source(*, learner_ids: object, on: datetime.date | None = None) -> dict[int, bool | None]:
        calls.append(sorted(learner_ids))  # type: ignore[call-overload]
        return outcomes

    all_rules = queries.rules()
    scheme = queries.applied_configuration(cast.ashby, all_rules).scheme
    result = queries.evaluation_for(cast.north_hub.organisation, all_rules, scheme, outcome_source=source)
    assert calls == [sorted(learner.pk for learner in learners)]
    assert result.known == 24 and result.enough and result.auc == 1.0


def test_a_learner_s_risk_page_shows_their_latest_destination(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    past_cohort(cast, neet=1, eet=1, unknown=1)
    neet, eet, unknown = Learner.objects.filter(institution=cast.ashby).order_by("pk")
    client = client_as("careers_leader")
    assert (
        "not in education, employment or training (NEET)"
        in client.get(reverse("risk:learner", args=[neet.pk])).content.decode()
    )
    assert (
        "is <strong>in education, employment or training"
        in client.get(reverse("risk:learner", args=[eet.pk])).content.decode()
    )
    assert "No destination recorded yet" in client.get(reverse("risk:learner", args=[unknown.pk])).content.decode()
