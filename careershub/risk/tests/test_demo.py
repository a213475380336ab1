from __future__ import annotations

import datetime

import pytest

from careershub.demo.risk import add_demo_past_leavers, add_demo_risk
from careershub.destinations.models import ActivityCode, ActivityGroup
from careershub.destinations.tests.factories import ActivityRecordFactory, LeaverFactory
from careershub.learners.tests.factories import LearnerFactory, upn_for
from careershub.risk import queries
from careershub.risk.models import Intervention, RiskFactors, RiskImport
from conftest import Cast

pytestmark = pytest.mark.django_db


def test_demo_risk_gives_red_amber_and_green_learners_and_is_idempotent(cast: Cast) -> None:
    for n in range(60):
        LearnerFactory.create(institution=cast.ashby, upn=upn_for(n), year_group=9 + n % 3, fsm=n % 6 == 0)
    LearnerFactory.create(institution=cast.ashby, upn=upn_for(99), year_group=7)
    counts: dict[str, int] = {}

    def add(what: str, count: int = 1) -> None:
        counts[what] = counts.get(what, 0) + count

    today = datetime.date(2026, 11, 23)
    add_demo_risk(cast.ashby, cast.careers_leader, today, add)
    add_demo_risk(cast.ashby, cast.careers_leader, today, add)
    assert counts == {"demo learners with risk factors": 60, "demo interventions": 2}
    assert RiskFactors.objects.count() == 60 and RiskImport.objects.count() == 1
    assert Intervention.objects.count() == 2
    all_rules = queries.rules()
    scheme = queries.applied_configuration(cast.ashby, all_rules).scheme
    cl = cast.careers_leader.memberships.get()
    rows = queries.risk_rows(cl, all_rules, scheme)
    assert len(rows) == 60
    assert all(queries.rag_counts(rows)[rag] > 0 for rag in ("red", "amber", "green"))
    assert {i.learner_id for i in Intervention.objects.all()} <= {row.learner.pk for row in rows[:2]}


def test_demo_past_leavers_make_the_evaluation_show(cast: Cast) -> None:
    neet_code = ActivityCode.objects.filter(group=ActivityGroup.NEET_ACTIVE).first()
    eet_code = ActivityCode.objects.get(code="210")
    for n in range(80):
        learner = LearnerFactory.create(
            institution=cast.ashby, upn=upn_for(n, year="22"), year_group=11, left_on=datetime.date(2025, 7, 18)
        )
        leaver = LeaverFactory.create(learner=learner, leaving_year=2025)
        ActivityRecordFactory.create(leaver=leaver, code=neet_code if n % 5 == 0 else eet_code)
    counts: dict[str, int] = {}

    def add(what: str, count: int = 1) -> None:
        counts[what] = counts.get(what, 0) + count

    add_demo_past_leavers(cast.ashby, cast.careers_leader, add)
    add_demo_past_leavers(cast.ashby, cast.careers_leader, add)
    assert counts == {"demo past leavers with risk factors": 80}
    all_rules = queries.rules()
    scheme = queries.applied_configuration(cast.ashby, all_rules).scheme
    result = queries.evaluation_for(cast.north_hub.organisation, all_rules, scheme)
    assert result.enough and result.known == 80 and result.neet == 16
    assert result.auc is not None and result.auc > 0.6
