"""Peer review in the browser: a careers leader records judgements on a trio partner's
self-evaluation, then the trio's facilitator records the agreed outcome."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from careershub.reviews import services
from careershub.reviews.models import Judgement, PeerReview, ReviewStatus
from careershub.reviews.tests.builders import north_member, running_cycle
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def test_reviewer_records_judgements_and_facilitator_records_the_outcome(journey: Journey, cast: Cast) -> None:
    running = running_cycle(cast)
    cedar_review = running.review_of(running.cedar)
    assert cedar_review.evaluation is not None
    spec = cedar_review.evaluation.spec()
    first = spec.benchmark(1)
    # Dale's careers leader has already judged every other benchmark
    claims = services.criteria_claims(cedar_review.evaluation)
    services.judgements_save(
        review=cedar_review,
        judgements={code: ("confirmed", "", 0) for code, (number, _) in claims.items() if number != 1},
        actor=running.dale_leader,
    )
    page = journey.page

    journey.sign_in("leader@ashby.example")
    journey.follow("Careers Hub", within="nav")
    journey.follow("Peer review", within="#careers-hub-pages")
    journey.heading().to_have_text("Peer review")
    journey.follow("Cedar School", within="main")
    journey.heading().to_have_text("Peer review of Cedar School")
    journey.follow(f"Benchmark 1: {first.title}", within="main")
    journey.heading().to_have_text(f"Benchmark 1: {first.title}")
    codes = [c.code for c in first.criteria]
    for code in codes:
        group = page.get_by_role("group", name=f"Your judgement of criterion {code}")
        group.get_by_label("Confirmed").check()
    # a query without a comment is refused, and what was chosen stays on the page
    page.get_by_role("group", name=f"Your judgement of criterion {codes[0]}").get_by_label("Query").check()
    journey.press("Save and go to the next benchmark")
    expect(page.get_by_role("alert")).to_contain_text(f"Say why, in a comment on criterion {codes[0]}")
    expect(
        page.get_by_role("group", name=f"Your judgement of criterion {codes[0]}").get_by_label("Query")
    ).to_be_checked()
    page.get_by_label(f"Comment on criterion {codes[0]}").fill("Where is the programme published?")
    journey.press("Save judgements")
    journey.heading().to_have_text("Peer review of Cedar School")
    expect(page.get_by_role("table", name=f"Benchmark 1: {first.title}")).to_contain_text(
        "Where is the programme published?"
    )
    query = Judgement.objects.get(review=cedar_review, criterion_code=codes[0])
    assert (query.value, query.updated_by) == ("query", cast.careers_leader)
    assert Judgement.objects.filter(review=cedar_review).count() == len(claims)
    journey.sign_out()

    journey.sign_in("ec@north.example")
    journey.follow("Peer review", within="nav")
    journey.follow("Cedar School", within="main")
    journey.press("Record the agreed outcome")
    journey.heading().to_have_text("Record the agreed outcome")
    page.get_by_label("Strengths the trio agreed").fill("Leaders own the programme; learners know their next steps.")
    page.get_by_label("An area of excellence to share").fill("Alumni talks")
    page.get_by_label("Action 1", exact=True).fill("Publish the careers programme on the website")
    page.get_by_label("Owner of action 1").fill("Careers leader")
    due = page.get_by_role("group", name="Date action 1 is due")
    due.get_by_label("Day").fill("1")
    due.get_by_label("Month").fill("7")
    due.get_by_label("Year").fill("2026")
    journey.press("Record outcome")
    journey.heading().to_have_text("Peer review of Cedar School")
    expect(page.get_by_role("table", name="Highest-leverage actions")).to_contain_text(
        "Publish the careers programme on the website"
    )
    review = PeerReview.objects.get(pk=cedar_review.pk)
    assert review.status == ReviewStatus.OUTCOME_RECORDED and review.outcome_by == cast.enterprise_coordinator


def test_hub_lead_opens_a_cycle_proposes_trios_and_starts_it(journey: Journey, cast: Cast) -> None:
    for n, name in enumerate(["Cedar School", "Dale College"]):
        north_member(cast, name, 810001 + n)
    services.facilitator_add(
        hub=cast.north_hub, user=cast.enterprise_coordinator, trained_on=datetime.date(2025, 1, 1), actor=cast.hub_lead
    )
    page = journey.page
    journey.sign_in("lead@north.example")
    journey.follow("Peer review", within="nav")
    journey.press("Open a review cycle")
    journey.heading().to_have_text("Open a review cycle")
    page.get_by_label("Name of the cycle").fill("Summer peer review")
    today = datetime.date.today()
    for legend, days in (
        ("Start date", 0),
        ("Internal leadership reviews due", 7),
        ("Peer judgements due", 14),
        ("Answers to queries due", 21),
        ("Facilitated outcomes due", 28),
    ):
        day = today + datetime.timedelta(days=days)
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    for name in ("Ashby High School", "Cedar School"):
        page.get_by_label(name).check()
    journey.press("Open the cycle")
    expect(page.get_by_role("alert")).to_contain_text("Choose at least three schools or colleges")
    page.get_by_label("Dale College").check()
    journey.press("Open the cycle")
    journey.heading().to_have_text("Summer peer review")
    journey.press("Propose trios")
    expect(page.get_by_role("main")).to_contain_text("1 trios have been proposed")
    page.get_by_label("Facilitator for Trio 1").select_option(
        label=f"{cast.enterprise_coordinator} (trained 1 January 2025)"
    )
    journey.press("Set facilitator")
    journey.press("Confirm trios and start the cycle")
    expect(page.get_by_role("table", name="Progress at a glance")).to_contain_text("0 of 3")
    journey.follow("Agreement between self-evaluation and peer review in this cycle", within="main")
    journey.heading().to_have_text("Agreement between self-evaluation and peer review")
    expect(page.get_by_role("table", name="By benchmark")).to_contain_text("No judgements")
