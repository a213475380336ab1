from __future__ import annotations

import datetime

import pytest

from careershub.demo.destinations import load_demo_destinations
from careershub.demo.learners import SCHOOLS
from careershub.destinations import rollups
from careershub.destinations.models import ActivityRecord, Leaver
from careershub.destinations.queries import leaver_facts
from careershub.institutions.models import Institution
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_destinations_are_idempotent_and_look_real() -> None:
    school = SCHOOLS[0]
    institution = InstitutionWithOrganisationFactory.create(urn=school.urn, la_code="358", statutory_high_age=18)
    users = {school.leader_email: UserFactory.create(email=school.leader_email)}
    counts: dict[str, int] = {}

    def add(what: str, n: int) -> None:
        counts[what] = counts.get(what, 0) + n

    today = datetime.date(2026, 11, 23)
    load_demo_destinations({school.urn: institution}, users, today, add)
    leavers, activities = Leaver.objects.count(), ActivityRecord.objects.count()
    assert leavers == counts["demo leavers"] == 3 * (24 + 16)
    load_demo_destinations({school.urn: institution}, users, today, add)
    assert (Leaver.objects.count(), ActivityRecord.objects.count()) == (leavers, activities)
    assert counts["demo leavers"] == leavers
    facts = leaver_facts(Institution.objects.filter(pk=institution.pk), leaving_year=2025)
    figures = rollups.roll_up(facts, by=lambda f: "all")["all"]
    assert figures.categories[rollups.SUSTAINED_EDUCATION] > figures.leavers / 2
    assert 0 < figures.months_neet < figures.months_counted / 4
    assert all(count < figures.leavers for count in figures.categories.values())
