"""A careers leader builds this year's careers programme from the hub's template, adds an
activity of their own, sees which criteria the plan leaves uncovered, publishes it with the
budget and owners hidden, and opens a feedback link for learners. Signed out, the public page and
its PDF show only what was published, and a learner sends feedback through the link (once). The
careers leader then reads the summary. axe-core checks every page (see conftest.Journey)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from careershub.activities.coverage import academic_year
from careershub.programmes.models import FeedbackLink, FeedbackResponse, Plan, PlannedActivity
from careershub.programmes.tests.factories import make_example, make_template
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def warm_up(journey: Journey) -> None:
    """The live server's first request imports every app (charts, PDF), which can take longer than
    a page's time limit on a busy machine; make it outside the journey's page checks."""
    assert journey.page.request.get(journey.base_url + "/health/", timeout=60_000).ok


def test_build_publish_and_collect_feedback(journey: Journey, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PROGRAMMES_FEEDBACK_MIN_SECONDS = 1
    template = make_template(cast)
    make_example(template, cast)  # Year 9 options evening, 2.1 and 2.2, £100
    make_example(
        template,
        cast,
        title="Year 10 workplace visits",
        activity_type="workplace_visit",
        year_groups=["Y10"],
        criteria=["6.1"],
        budget_pence=45_000,
    )
    page = journey.page
    main = page.get_by_role("main")
    warm_up(journey)
    year = academic_year(timezone.localdate())
    year_label = f"{year} to {year + 1}"

    # The hub lead sees the template their hub shares.
    journey.sign_in("lead@north.example")
    journey.follow("Programme templates", within="nav")
    journey.heading().to_have_text("Programme templates")
    journey.follow(template.title, within="main")
    expect(main).to_contain_text("Year 10 workplace visits")
    journey.sign_out()

    # The careers leader starts this year's plan and copies the template into it.
    journey.sign_in("leader@ashby.example")
    journey.follow("Careers programme", within="nav")
    journey.heading().to_have_text("Careers programme")
    page.get_by_label(year_label).check()
    journey.press("Start a plan")
    journey.heading().to_have_text(f"Careers programme {year_label}")
    plan = Plan.objects.get(institution=cast.ashby, academic_year=year)
    journey.press("Copy from a hub template")
    journey.follow(template.title, within="main")
    journey.press("Copy into my plan")
    expect(main).to_contain_text(f"2 activities copied from “{template.title}”")
    assert PlannedActivity.objects.filter(plan=plan).count() == 2

    # An activity of their own: mock interviews for Year 11 learners with SEND.
    journey.press("Add a planned activity")
    page.get_by_label("Title").fill("Mock interviews with local employers")
    page.get_by_label("Kind of activity").select_option("mock_interview")
    page.locator("input[name='year_groups'][value='Y11']").check()
    page.locator("input[name='groups'][value='send']").check()
    page.locator("input[name='criteria'][value='5.1']").check()
    page.locator("input[name='criteria'][value='3.1']").check()
    page.get_by_label("Learning outcomes").fill("Learners practise answering interview questions.")
    page.get_by_label("Autumn term").check()
    page.get_by_label("Owner").fill("Jo Patel, careers leader")
    page.get_by_label("Budget").fill("120")
    journey.press("Save activity")
    expect(main).to_contain_text("“Mock interviews with local employers” has been added to the plan.")
    added = PlannedActivity.objects.get(plan=plan, title="Mock interviews with local employers")
    assert added.budget_pence == 12_000 and added.groups == ["send"]

    # The plan by benchmark: benchmark 8 is not covered.
    journey.follow("see the plan by benchmark", within="main")
    journey.heading().to_have_text("Plan by benchmark")
    expect(page.locator("tr[data-criterion='8.1']")).to_contain_text("Not covered")
    expect(page.locator("tr[data-criterion='5.1']")).to_contain_text("Mock interviews with local employers")
    journey.follow("Back to the plan")

    # Publish, without budgets and owners, and keep the workplace visits back.
    journey.follow("Publish your plan", within="main")
    page.get_by_label("Publish the plan").check()
    page.get_by_label("Introduction").fill("Our careers programme for every pupil at Ashby.")
    expect(page.get_by_label("Budget")).not_to_be_checked()
    expect(page.get_by_label("Who leads it")).not_to_be_checked()
    page.get_by_label("A summary of feedback", exact=False).check()
    page.get_by_label("Year 10 workplace visits").uncheck()
    journey.press("Save publishing choices")
    expect(main).to_contain_text("Your plan is published.")

    # A feedback link for learners.
    journey.follow("Feedback on the programme", within="main")
    page.get_by_label("Learners").check()
    journey.press("Open a feedback link")
    link = FeedbackLink.objects.get(plan=plan, audience="learners")
    journey.sign_out()

    # Signed out: the published page shows only what was chosen.
    plan.refresh_from_db()
    journey.goto(f"/programmes/p/{plan.public_token}/")
    journey.heading().to_have_text(f"Our careers programme, {year_label}")
    expect(main).to_contain_text("Mock interviews with local employers")
    expect(main).to_contain_text("Our careers programme for every pupil at Ashby.")
    expect(main).not_to_contain_text("Year 10 workplace visits")
    expect(main).not_to_contain_text("Jo Patel")
    expect(main).not_to_contain_text("£120.00")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    pdf = page.request.get(journey.base_url + f"/programmes/p/{plan.public_token}/plan.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    # A learner sends feedback through the link, once.
    journey.goto(f"/programmes/f/{link.token}/")
    journey.heading().to_have_text("Feedback on the careers programme")
    expect(main).to_contain_text("We do not ask for your name")
    for code, answer in {"know": "5", "helped": "4", "information": "4", "employers": "2"}.items():
        page.locator(f"input[name='s_{code}'][value='{answer}']").check()
    page.get_by_label("What would make the careers programme more useful", exact=False).fill("More employers")
    page.wait_for_timeout(1100)
    journey.press("Send feedback")
    expect(main).to_contain_text("Thank you for your feedback")
    assert FeedbackResponse.objects.filter(link=link).count() == 1
    journey.goto(f"/programmes/f/{link.token}/")
    journey.heading().to_have_text("You have already given feedback")

    # One answer: the public summary withholds it; the careers leader sees it and the comment.
    journey.goto(f"/programmes/p/{plan.public_token}/")
    expect(main).to_contain_text("fewer than 5 answers (not shown)")
    expect(main).not_to_contain_text("More employers")
    journey.sign_in("leader@ashby.example")
    journey.follow("Careers programme", within="nav")
    journey.follow(year_label, within="main")
    journey.follow("Feedback on the programme", within="main")
    expect(main).to_contain_text("Learners: 1 answer")
    expect(main).to_contain_text("More employers")


def test_feedback_form_works_without_javascript(no_js_journey: Journey, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    from careershub.programmes import services

    settings.PROGRAMMES_FEEDBACK_MIN_SECONDS = 1
    plan = services.plan_create(
        institution=cast.ashby, academic_year=academic_year(timezone.localdate()), actor=cast.careers_leader
    )
    link = services.feedback_link_open(plan=plan, audience="parents", actor=cast.careers_leader)
    journey = no_js_journey
    page = journey.page
    warm_up(journey)
    journey.goto(f"/programmes/f/{link.token}/")
    # Sent without an answer: the error summary names the statements to answer.
    page.wait_for_timeout(1100)
    journey.press("Send feedback")
    expect(page.get_by_role("alert")).to_contain_text("Choose an answer for")
    for code in ("know", "involved", "information"):
        page.locator(f"input[name='s_{code}'][value='4']").check()
    page.wait_for_timeout(1100)
    journey.press("Send feedback")
    expect(page.get_by_role("main")).to_contain_text("Thank you for your feedback")
    assert FeedbackResponse.objects.get(link=link).ratings == {"know": "4", "involved": "4", "information": "4"}


def test_hub_lead_shares_a_template_and_sees_members_programmes(journey: Journey, cast: Cast) -> None:
    page = journey.page
    main = page.get_by_role("main")
    warm_up(journey)
    journey.sign_in("lead@north.example")
    journey.follow("Programme templates", within="nav")
    journey.press("New template")
    page.get_by_label("Title").fill("North Hub year plan")
    page.get_by_label("Share with the hub's schools and colleges").check()
    journey.press("Save template")
    expect(main).to_contain_text("The template “North Hub year plan” has been created.")
    journey.press("Add an example activity")
    page.get_by_label("Title").fill("Year 11 college taster days")
    page.get_by_label("Kind of activity").select_option("provider_encounter")
    page.locator("input[name='year_groups'][value='Y11']").check()
    page.locator("input[name='criteria'][value='7.1']").check()
    page.get_by_label("Spring term").check()
    journey.press("Save example activity")
    expect(main).to_contain_text("Year 11 college taster days")
    journey.follow("Back to programme templates")
    journey.follow("Careers programmes of the schools and colleges in North Hub", within="main")
    expect(main).to_contain_text("0 of 1 members have a plan")
    journey.sign_out()

    # The careers leader copies it and checks the plan against what has been recorded.
    journey.sign_in("leader@ashby.example")
    journey.follow("Careers programme", within="nav")
    page.get_by_label(f"{academic_year(timezone.localdate())} to", exact=False).first.check()
    journey.press("Start a plan")
    journey.press("Copy from a hub template")
    journey.follow("North Hub year plan", within="main")
    journey.press("Copy into my plan")
    journey.follow("Plan against delivery", within="main")
    journey.heading().to_have_text("Plan against delivery")
    expect(main).to_contain_text("Year 11 college taster days")
