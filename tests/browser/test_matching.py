"""Employer matching from end to end: an employer publishes an offer, a school asks for an
encounter, the hub lead runs a matching round, reads the explanation, pins the match, solves
again (the pin holds) and confirms; the employer and the school accept; the school records that
it took place and it shows in the school's careers activities. axe-core checks every page (see
conftest.Journey)."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from careershub.activities.models import Activity
from careershub.employers.tests.factories import employer_for, locate, request_for
from careershub.learners.tests.factories import LearnerFactory
from careershub.matching.models import Match, MatchStatus, Response
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser
TODAY = datetime.date.today()


def fill_date(journey: Journey, name: str, day: datetime.date) -> None:
    page = journey.page
    page.locator(f"input[name='{name}-day']").fill(str(day.day))
    page.locator(f"input[name='{name}-month']").fill(str(day.month))
    page.locator(f"input[name='{name}-year']").fill(str(day.year))


def test_offer_request_round_pin_resolve_accept_and_deliver(journey: Journey, cast: Cast) -> None:
    page = journey.page
    employer_for(cast)
    locate(cast.ashby)
    for _ in range(6):
        LearnerFactory.create(institution=cast.ashby, year_group=10)
    # A workplace visit no employer offers: the round leaves it out and says why.
    request_for(cast.ashby, kind="workplace_visit", year_group="11")

    # The employer publishes an offer that started a week ago (so it can have taken place today).
    journey.sign_in("contact@employer.example")
    journey.goto("/employers/offers/")
    journey.press("Publish an offer")
    page.get_by_label("Title").fill("Engineering careers talk")
    page.get_by_label("Talk", exact=True).check()
    page.get_by_label("Number of sessions").fill("2")
    page.get_by_label("Learners per session").fill("30")
    fill_date(journey, "available_from", TODAY)
    fill_date(journey, "available_to", TODAY + datetime.timedelta(days=60))
    page.get_by_label("In person", exact=True).check()
    page.get_by_label("Year 10").check()
    page.get_by_label("Year 11").check()
    journey.press("Publish offer")
    expect(page.get_by_role("main")).to_contain_text("Engineering careers talk is published.")
    journey.sign_out()

    # The school asks for a talk for Year 10.
    journey.sign_in("leader@ashby.example")
    journey.goto("/employers/requests/")
    journey.press("Ask for an employer encounter")
    page.get_by_label("Talk", exact=True).check()
    page.get_by_label("Year group").select_option("10")
    page.get_by_label("Number of learners").fill("25")
    fill_date(journey, "window_start", TODAY)
    fill_date(journey, "window_end", TODAY + datetime.timedelta(days=45))
    page.get_by_label("Either").check()
    journey.press("Send request")
    expect(page.get_by_role("main")).to_contain_text("Your request has been sent to your Careers Hub.")
    expect(page.locator("#outlook")).to_contain_text("1 published offer from North Hub's employers could take this")
    journey.sign_out()

    # The hub lead runs a round and reads why the match was proposed.
    journey.sign_in("lead@north.example")
    journey.goto("/matching/")
    journey.heading().to_have_text("Employer matching")
    journey.press("Run a new matching round")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Solved")
    expect(main).to_contain_text("Request served: +100")
    expect(main).to_contain_text("Travel (")
    expect(page.locator("#unmatched")).to_contain_text("No offer of its type")
    journey.follow("See each request not matched and why")
    expect(main).to_contain_text("No employer in the round offered a workplace visit.")
    journey.follow(re.compile("^Back to Round of"))
    card = page.locator(".govuk-summary-card", has_text="Engineering careers talk")
    journey.navigate(lambda: card.get_by_role("button", name="Pin").click())
    expect(card.locator(".govuk-tag")).to_have_text("Pinned")
    journey.press("Solve again, keeping confirmed and pinned matches")
    expect(main).to_contain_text("Confirmed and pinned matches will be kept.")
    expect(card.locator(".govuk-tag")).to_have_text("Pinned")
    journey.navigate(lambda: card.get_by_role("button", name="Confirm").click())
    expect(card.locator(".govuk-tag")).to_have_text("Confirmed")
    journey.sign_out()

    # The employer accepts, from what its home page says needs its attention.
    journey.sign_in("contact@employer.example")
    journey.follow("1 match with a school or college is waiting for your reply", within="#to-do-other")
    journey.press("Accept")
    expect(page.get_by_role("main")).to_contain_text("Your reply: Accepted.")
    journey.sign_out()

    # The school accepts, and after the talk records who took part.
    journey.sign_in("leader@ashby.example")
    journey.follow("1 employer match is waiting for your school's reply", within="#to-do-other")
    journey.press("Accept")
    journey.navigate(lambda: page.get_by_role("link", name=re.compile("^Record that it took place")).click())
    fill_date(journey, "delivered_on", TODAY)
    page.get_by_label("The whole year group of the request").check()
    page.get_by_label("Had two-way interaction between the young people and the employer or provider").check()
    page.get_by_role("group", name="Did it meet the criteria of a meaningful encounter?").get_by_label("Yes").check()
    page.get_by_label("4", exact=True).check()
    journey.press("Record it")
    expect(page.get_by_role("main")).to_contain_text("6 learners now have this encounter in their records.")
    expect(page.get_by_role("main")).to_contain_text("Engineering careers talk")

    match = Match.objects.get()
    assert match.status == MatchStatus.CONFIRMED
    assert (match.employer_response, match.school_response) == (Response.ACCEPTED, Response.ACCEPTED)
    activity = Activity.objects.get(institution=cast.ashby)
    assert activity.participants.count() == 6 and activity.two_way_interaction
