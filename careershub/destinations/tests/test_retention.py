"""Leavers whose destinations are still tracked outlive the learners app's retention period."""

from __future__ import annotations

import datetime

import pytest

from careershub.destinations.models import Leaver
from careershub.destinations.retention import learners_still_tracked
from careershub.destinations.tests.factories import ActivityRecordFactory, LeaverFactory
from careershub.learners import services
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "kept"),
    [
        (datetime.date(2027, 8, 31), True),  # the last day of the third destination year after summer 2024
        (datetime.date(2027, 9, 1), False),
        (datetime.date(2025, 1, 1), True),
    ],
)
def test_tracking_ends_on_31_august_three_years_after_leaving(today: datetime.date, kept: bool) -> None:
    leaver = LeaverFactory.create(leaving_year=2024)
    assert leaver.tracked_until == datetime.date(2027, 8, 31)
    assert (leaver.learner_id in set(learners_still_tracked(today=today).values_list("learner_id", flat=True))) is kept


def test_retention_keeps_tracked_leavers_and_deletes_them_afterwards(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LEARNER_RETENTION_DAYS = 365
    record = ActivityRecordFactory.create(
        leaver__leaving_year=2024, leaver__learner__left_on=datetime.date(2024, 7, 20)
    )
    leaver = record.leaver
    institution = leaver.learner.institution
    untracked = LearnerFactory.create(institution=institution, left_on=datetime.date(2024, 7, 20))
    assert (
        services.learners_delete_departed(today=datetime.date(2026, 3, 1)) == 1
    )  # only the learner without a leaver record
    assert not Learner.objects.filter(pk=untracked.pk).exists()  # it had no leaver record
    assert Leaver.objects.filter(pk=leaver.pk).exists()
    assert services.learners_delete_departed(today=datetime.date(2027, 9, 1)) == 1
    assert not Learner.objects.filter(pk=leaver.learner_id).exists()
