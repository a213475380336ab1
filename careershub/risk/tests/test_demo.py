from __future__ import annotations

import datetime

import pytest

from careershub.demo.risk import add_demo_risk
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
