from __future__ import annotations

import datetime

import pytest

from careershub.destinations.models import ActivityCode, ActivityGroup
from careershub.destinations.outcomes import neet_outcomes
from careershub.destinations.tests.factories import ActivityRecordFactory, LeaverFactory
from careershub.learners.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def code(value: str) -> ActivityCode:
    return ActivityCode.objects.get(code=value)


def test_every_code_of_the_reference_table_is_loaded_with_its_group() -> None:
    assert ActivityCode.objects.count() == 46
    assert code("540").group == ActivityGroup.NEET_ACTIVE
    assert code("680").group == ActivityGroup.NEET_INACTIVE
    assert code("310").group == ActivityGroup.EMPLOYMENT
    assert code("530").group == ActivityGroup.RE_ENGAGEMENT
    assert code("810").group == ActivityGroup.NOT_KNOWN
    assert code("710").group == ActivityGroup.OTHER
    assert code("110").pre_16_only and code("110").group == ActivityGroup.OTHER
    assert set(ActivityCode.objects.values_list("group", flat=True)) == set(ActivityGroup.values)


def test_latest_record_on_or_before_the_day_decides() -> None:
    neet = LeaverFactory.create()
    ActivityRecordFactory.create(leaver=neet, recorded_on=datetime.date(2024, 9, 10), code=code("230"))
    ActivityRecordFactory.create(leaver=neet, recorded_on=datetime.date(2025, 1, 5), code=code("619"))
    inactive = LeaverFactory.create()
    ActivityRecordFactory.create(leaver=inactive, recorded_on=datetime.date(2024, 9, 10), code=code("630"))
    unknown = LeaverFactory.create()
    ActivityRecordFactory.create(leaver=unknown, recorded_on=datetime.date(2024, 9, 10), code=code("810"))
    nothing = LearnerFactory.create(institution=neet.learner.institution)
    ids = [neet.learner_id, inactive.learner_id, unknown.learner_id, nothing.id]

    assert neet_outcomes(learner_ids=ids, on=datetime.date(2025, 3, 1)) == {
        neet.learner_id: True,
        inactive.learner_id: True,
        unknown.learner_id: None,
        nothing.id: None,
    }
    assert neet_outcomes(learner_ids=[neet.learner_id], on=datetime.date(2024, 12, 1)) == {neet.learner_id: False}
    assert neet_outcomes(learner_ids=[neet.learner_id], on=datetime.date(2024, 9, 1)) == {neet.learner_id: None}
    assert neet_outcomes(learner_ids=[]) == {}


def test_the_latest_across_year_11_and_year_13_leaver_records() -> None:
    y11 = LeaverFactory.create(stage="y11", leaving_year=2021)
    y13 = LeaverFactory.create(learner=y11.learner, stage="y13", leaving_year=2023)
    ActivityRecordFactory.create(leaver=y11, recorded_on=datetime.date(2021, 10, 1), code=code("610"))
    ActivityRecordFactory.create(leaver=y13, recorded_on=datetime.date(2023, 10, 1), code=code("240"))
    assert neet_outcomes(learner_ids=[y11.learner_id], on=datetime.date(2024, 1, 1)) == {y11.learner_id: False}
    assert neet_outcomes(learner_ids=[y11.learner_id], on=datetime.date(2022, 1, 1)) == {y11.learner_id: True}
