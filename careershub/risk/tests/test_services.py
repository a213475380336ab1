from __future__ import annotations

import datetime

import pytest

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.tests.factories import LearnerFactory
from careershub.risk import services
from conftest import Cast

pytestmark = pytest.mark.django_db


def test_only_hubs_and_local_authorities_have_an_indicator(cast: Cast) -> None:
    assert cast.ashby.organisation is not None
    with pytest.raises(services.RiskError, match="Only a Careers Hub or a local authority"):
        services.save_configuration(
            organisation=cast.ashby.organisation, weights={"eal": 1}, amber=1, red=2, expected_version=0, actor=None
        )


@pytest.mark.parametrize(
    ("weights", "amber", "red", "message"),
    [
        ({"no_such_thing": 1}, 1, 2, "Unknown indicators"),
        ({"eal": 0}, 1, 2, "Each weight must be from 1"),
        ({"eal": 9}, 1, 2, "Each weight must be from 1"),
        ({"eal": 1}, 3, 2, "amber threshold"),
        ({"eal": 1}, 0, 2, "amber threshold"),
    ],
)
def test_bad_configurations_are_refused(
    cast: Cast, weights: dict[str, int], amber: int, red: int, message: str
) -> None:
    with pytest.raises(services.RiskError, match=message):
        services.save_configuration(
            organisation=cast.north_hub.organisation,
            weights=weights,
            amber=amber,
            red=red,
            expected_version=0,
            actor=cast.hub_lead,
        )


def test_saving_is_audited_and_versioned(cast: Cast) -> None:
    first = services.save_configuration(
        organisation=cast.local_authority_org,
        weights={"eal": 1},
        amber=1,
        red=2,
        expected_version=0,
        actor=cast.participation_officer,
    )
    second = services.save_configuration(
        organisation=cast.local_authority_org,
        weights={"eal": 2},
        amber=1,
        red=2,
        expected_version=first.version,
        actor=cast.participation_officer,
    )
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(services.ConfigurationConflict):
        services.save_configuration(
            organisation=cast.local_authority_org,
            weights={"eal": 1},
            amber=1,
            red=2,
            expected_version=1,
            actor=cast.participation_officer,
        )
    events = AuditEvent.objects.filter(object_type="risk.RiskConfiguration").order_by("id")
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert events[1].changes["weights"] == [{"eal": 1}, {"eal": 2}]


def test_an_intervention_follow_up_cannot_come_before_it(cast: Cast) -> None:
    learner = LearnerFactory.create(institution=cast.ashby)
    with pytest.raises(services.RiskError, match="follow-up date"):
        services.intervention_create(
            learner=learner,
            kind="referral",
            owner="Ms Khan",
            started_on=datetime.date(2026, 10, 2),
            status="planned",
            follow_up_on=datetime.date(2026, 10, 1),
        )
