"""`manage.py enqueue_daily_tasks` queues each daily task, which the (immediate, in tests) worker runs."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_every_daily_task_is_queued_and_runs(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LEARNER_RETENTION_DAYS = 30
    gone = LearnerFactory.create(
        institution=InstitutionWithOrganisationFactory.create(),
        left_on=datetime.date.today() - datetime.timedelta(days=60),
    )
    out = io.StringIO()
    call_command("enqueue_daily_tasks", stdout=out)
    for path in settings.DAILY_TASKS:
        assert f"Queued {path}" in out.getvalue()
    assert not Learner.objects.filter(pk=gone.pk).exists()  # retention ran
