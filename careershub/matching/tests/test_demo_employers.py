"""The demo's employers, offers, requests and matching round: alive, and loaded only once."""

from __future__ import annotations

import pytest

from careershub.activities.models import Activity
from careershub.demo.builder import load_demo_data
from careershub.employers.models import ComplianceFact, Employer, Offer, SchoolRequest
from careershub.matching.models import Delivery, Feedback, Match, MatchRound, MatchStatus, Response, RoundStatus

pytestmark = pytest.mark.django_db

MODELS = [Employer, Offer, SchoolRequest, ComplianceFact, MatchRound, Match, Delivery, Feedback, Activity]


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}  # type: ignore[attr-defined]


def test_demo_employers_matching_round_and_delivery_load_once() -> None:
    load_demo_data(write=lambda text: None)
    first = counts()
    assert first["Employer"] == 10 and first["Offer"] == 18 and first["SchoolRequest"] == 15
    rounds = list(MatchRound.objects.all())
    assert len(rounds) == 2 and all(r.status == RoundStatus.SOLVED and r.objective > 0 for r in rounds)
    accepted = Match.objects.filter(
        status=MatchStatus.CONFIRMED, employer_response=Response.ACCEPTED, school_response=Response.ACCEPTED
    )
    assert accepted.count() >= 3
    assert Match.objects.filter(status=MatchStatus.CONFIRMED, employer_response=Response.PENDING).exists()
    deliveries = list(Delivery.objects.select_related("activity", "match__request__institution"))
    assert {d.match.round.hub.name for d in deliveries if d.match.round.hub} == {
        "Greater Manchester Careers Hub",
        "Cheshire and Warrington Careers Hub",
    }
    for delivered in deliveries:
        assert delivered.activity is not None and delivered.participant_count > 0
        assert delivered.activity.institution == delivered.match.request.institution
        assert Feedback.objects.filter(match=delivered.match).count() == 2
    assert any(fact.warning() for fact in ComplianceFact.objects.all())
    load_demo_data(write=lambda text: None)
    assert counts() == first
