"""The demo hub's peer review: one completed cycle with agreement statistics, one open cycle."""

from __future__ import annotations

import pytest

from careershub.audit.models import AuditEvent
from careershub.demo.builder import load_demo_data
from careershub.demo.reviews import COMPLETED_NAME, OPEN_NAME, SAME_TRUST
from careershub.reviews import queries
from careershub.reviews.agreement import agreement_report
from careershub.reviews.models import CycleStatus, Judgement, Moderation, PeerReview, ReviewCycle, ReviewStatus

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
    assert Moderation.objects.count() == 3 and Moderation.objects.exclude(value="").count() == 2
    # internal reviews: all done in the completed cycle, some late in the open one
    assert all(p.internal_review.submitted_at for p in completed.participants.all())

    def counts() -> tuple[int, ...]:
        return tuple(m.objects.count() for m in (ReviewCycle, Judgement, Moderation, AuditEvent))  # type: ignore[attr-defined]

    before = counts()
    load_demo_data(write=lambda text: None)
    assert counts() == before
