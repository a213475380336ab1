from __future__ import annotations

import datetime

import factory

from careershub.destinations.models import ActivityCode, ActivityRecord, Leaver, Stage
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.learners.tests.factories import LearnerFactory


class LeaverFactory(factory.django.DjangoModelFactory[Leaver]):
    class Meta:
        model = Leaver

    learner = factory.SubFactory(
        LearnerFactory, year_group=11, institution=factory.SubFactory(InstitutionWithOrganisationFactory)
    )
    stage = Stage.YEAR_11
    leaving_year = 2024


class ActivityRecordFactory(factory.django.DjangoModelFactory[ActivityRecord]):
    class Meta:
        model = ActivityRecord

    leaver = factory.SubFactory(LeaverFactory)
    recorded_on = datetime.date(2024, 10, 1)
    code = factory.LazyFunction(lambda: ActivityCode.objects.get(code="210"))
