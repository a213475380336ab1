"""The demo hub's peer review: one completed cycle with agreement statistics, one open cycle."""

from __future__ import annotations

import pytest

from careershub.audit.models import AuditEvent
from careershub.demo.builder import load_demo_data
from careershub.demo.reviews import COMPLETED_NAME, OPEN_NAME, SAME_TRUST
from careershub.reviews import queries
from careershub.reviews.agreement import agreement_report
from careershub.reviews.models import CycleStatus, Judgement, PeerReview, ReviewCycle, ReviewStatus

pytestmark = pytest.mark.django_db


def test_demo_has_a_completed_and_an_open_cycle_and_loading_twice_adds_nothing() -> None:
    load_demo_data(write=lambda text: None)
    completed = ReviewCycle.objects.get(name=COMPLETED_NAME)
    running = ReviewCycle.objects.get(name=OPEN_NAME)
    assert completed.status == CycleStatus.COMPLETED and running.status == CycleStatus.RUNNING
    assert completed.hub == running.hub and completed.hub.name == "Greater Manchester Careers Hub"
    reviews = PeerReview.objects.filter(participant__cycle=completed)
    assert reviews.count() >= 6 and all(r.status == ReviewStatus.OUTCOME_RECORDED for r in reviews)
    report = agreement_report(queries.agreement_items(queries.cycle_reviews(completed)))
    assert not report.overall.suppressed and report.overall.kappa is not None
    assert report.over_claiming, "the demo shows where self-evaluations over-claim"
    # Rachel Bennett's school is in the open cycle, kept apart from nothing; the two Dean Trust schools are apart
    trios = {p.institution.urn: p.trio_id for p in running.participants.select_related("institution")}
    assert 136498 in trios and trios[SAME_TRUST[0]] != trios[SAME_TRUST[1]]
    before = (ReviewCycle.objects.count(), Judgement.objects.count(), AuditEvent.objects.count())
    load_demo_data(write=lambda text: None)
    assert (ReviewCycle.objects.count(), Judgement.objects.count(), AuditEvent.objects.count()) == before
