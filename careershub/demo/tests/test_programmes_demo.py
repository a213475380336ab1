"""The demo careers programme: a shared hub template, a published plan built from it, feedback."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from careershub.demo.programmes import HUB_NAME, KEPT_BACK, LEADER, SCHOOL_URN, load_demo_programmes
from careershub.hubs.tests.factories import HubFactory, HubMembershipFactory
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.organisations.tests.factories import UserFactory
from careershub.programmes.models import FeedbackResponse, Plan, PlannedActivity, PlanTemplate, TemplateActivity

pytestmark = pytest.mark.django_db


def counts() -> list[int]:
    return [m.objects.count() for m in (PlanTemplate, TemplateActivity, Plan, PlannedActivity, FeedbackResponse)]


def test_demo_programme_loads_once() -> None:
    school = InstitutionWithOrganisationFactory.create(urn=SCHOOL_URN, name="Sale Grammar School")
    hub = HubFactory.create(name=HUB_NAME)
    HubMembershipFactory.create(hub=hub, institution=school, joined_on=datetime.date(2018, 9, 1))
    users = {
        "grace.okafor@gmhub.example": UserFactory.create(email="grace.okafor@gmhub.example"),
        LEADER: UserFactory.create(email=LEADER),
    }
    added: dict[str, int] = {}

    def add(what: str, n: int) -> None:
        added[what] = added.get(what, 0) + n

    today = datetime.date(2026, 11, 23)
    load_demo_programmes({SCHOOL_URN: school}, users, today, add)
    first = counts()
    assert first == [1, 7, 1, 7, 11]
    load_demo_programmes({SCHOOL_URN: school}, users, today, add)
    assert counts() == first
    plan = Plan.objects.get()
    assert plan.is_published and plan.academic_year == 2026 and not plan.show_budget
    assert not PlannedActivity.objects.get(title=KEPT_BACK).is_published
    content = Client().get(reverse("programmes:public", args=[plan.public_token])).content.decode()
    assert "Year 10 workplace visits" in content and KEPT_BACK not in content
    assert "8 answers" in content and "fewer than 5 answers (not shown)" in content
