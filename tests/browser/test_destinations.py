"""Destinations in the browser: a careers leader records a leaver's September Guarantee offer,
intended destination and first activity; Trafford's participation officer imports the local
authority's destination list (preview, then confirm) and sees the area summary, with small
numbers suppressed. axe-core checks every page (see conftest.Journey)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from careershub.destinations.loaders import load_activity_codes
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory, upn_for
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


@pytest.fixture
def codes(cast: Cast) -> None:
    """Browser tests flush the database, reference data included: load the NCCIS codes again."""
    load_activity_codes()


def test_careers_leader_records_a_leavers_destination(journey: Journey, cast: Cast, codes: None) -> None:
    learner = LearnerFactory.create(
        institution=cast.ashby,
        year_group=11,
        left_on=datetime.date(2025, 7, 18),
        legal_first_name="Ada",
        legal_last_name="Sampleton",
        date_of_birth=datetime.date(2009, 10, 1),
    )
    page = journey.page
    journey.sign_in("leader@ashby.example")
    journey.follow("Learners", within="nav")
    journey.follow("Leavers' destinations", within="#learner-pages")
    journey.heading().to_have_text("Leavers and destinations")
    journey.goto(f"/destinations/learners/{learner.pk}/")
    journey.follow("Record as a leaver after year 11")
    page.get_by_label("Year of leaving").select_option("2025")
    page.get_by_label("Intended destination before leaving").select_option("230")
    page.get_by_label("Offer made").check()
    page.get_by_label("Given").check()
    journey.press("Save leaver record")
    expect(page.get_by_role("main")).to_contain_text("The leaver record of Ada Sampleton has been saved.")
    expect(page.get_by_role("main")).to_contain_text("230 FTE – further education")
    journey.press("Record an activity after year 11")
    page.locator("input[name='recorded_on-day']").fill("8")
    page.locator("input[name='recorded_on-month']").fill("9")
    page.locator("input[name='recorded_on-year']").fill("2025")
    page.get_by_label("Activity (NCCIS code)").select_option("230")
    journey.press("Save activity")
    expect(page.get_by_role("main")).to_contain_text("8 September 2025")
    expect(page.get_by_role("main")).to_contain_text("Recorded by the institution")
    journey.follow("Back to leavers")
    expect(page.locator("#leavers")).to_contain_text("Ada Sampleton")
    expect(page.locator("#leavers")).to_contain_text("Offer made")


def test_participation_officer_imports_and_sees_the_area_summary(
    journey: Journey, cast: Cast, codes: None, tmp_path: Path
) -> None:
    left = datetime.date(2025, 7, 18)
    learners = [
        LearnerFactory.create(
            institution=cast.ashby,
            year_group=11,
            left_on=left,
            upn=upn_for(n),
            date_of_birth=datetime.date(2009, 10, 1),
        )
        for n in range(7)
    ]
    other_area = LearnerFactory.create(institution=cast.brook, year_group=11, left_on=left, upn=upn_for(50))
    lines = ["UPN,Date,NCCIS code"]
    lines += [f"{learner.upn},05/09/2025,{'619' if n == 0 else '230'}" for n, learner in enumerate(learners)]
    lines.append(f"{other_area.upn},05/09/2025,230")
    upload = tmp_path / "trafford-destinations.csv"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = journey.page
    journey.sign_in("officer@trafford.example")
    journey.follow("Destination imports", within="nav")
    page.locator("input[type=file]").set_input_files(str(upload))
    journey.press("Upload and check the file")
    journey.heading().to_have_text("Check what the import will change")
    expect(page.locator("#import-summary")).to_contain_text("7")
    expect(page.locator("#row-errors")).to_contain_text("is not a learner at an institution you import for")
    assert not Learner.objects.filter(leaver_records__isnull=False).exists()
    journey.press("Confirm and import")
    expect(page.get_by_role("main")).to_contain_text("The destinations were imported.")
    journey.follow("See the destinations summary")
    journey.heading().to_have_text("Destinations in Trafford")
    expect(page.locator("#by-institution")).to_contain_text("Ashby High School")
    expect(page.locator("#by-institution")).not_to_contain_text("Brook College")
    expect(page.locator("#by-group")).to_contain_text("[c]")  # one NEET leaver of seven
