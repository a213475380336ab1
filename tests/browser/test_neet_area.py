"""A local authority's participation officer sees the area NEET picture built from DfE's real
published files, and follows links to the region and England, with axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from careershub.neet import services
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


@pytest.fixture
def published(cast: Cast) -> None:
    services.load_figures(published=services.check_files())


def be_patient(journey: Journey) -> None:
    """These pages carry five charts and long tables; on a busy machine they take longer to load."""
    journey.page.set_default_timeout(45_000)


def test_participation_officer_sees_their_areas_published_neet_picture(
    journey: Journey, cast: Cast, published: None
) -> None:
    be_patient(journey)
    journey.sign_in("officer@trafford.example")
    journey.follow("NEET and participation in Trafford", within="main")
    journey.heading().to_have_text("Trafford")
    main = journey.page.get_by_role("main")
    # The 2025 scorecard as published: Trafford 4.2, North West 5.7, England 5.6 NEET or not known.
    scorecard = main.locator("#table-scorecard")
    expect(scorecard.get_by_role("row", name="NEET or activity not known (%)")).to_contain_text("4.2")
    expect(scorecard.get_by_role("row", name="NEET or activity not known (%)")).to_contain_text("5.6")
    # The series from LAIT, with its chart beside the table.
    expect(main.locator("#table-neet_trend").get_by_role("row", name="2019")).to_contain_text("5.3")
    expect(main.get_by_role("img", name="Chart: NEET or activity not known (%), 16 and 17 year olds.")).to_be_visible()
    # Benchmark progress of the area's schools and colleges, in aggregate.
    expect(main.locator("#table-benchmarks")).to_be_visible()

    journey.page.get_by_label("Scorecard year").select_option("2023")
    journey.press("Show")
    expect(
        journey.page.locator("#table-scorecard").get_by_role("row", name="NEET or activity not known (%)")
    ).to_contain_text("4.3")

    journey.follow("North West: the region's picture and its local authorities", within="main")
    journey.heading().to_have_text("North West")
    expect(journey.page.locator("#table-breakdown").get_by_role("link", name="Trafford")).to_be_visible()

    journey.follow("England: the national picture and every region", within="main")
    journey.heading().to_have_text("England")
    expect(journey.page.locator("#table-scorecard").get_by_role("row", name="NEET (%)")).to_contain_text("3.4")
    # The comparison across local authorities is for national and hub staff only.
    expect(
        journey.page.get_by_role("main").get_by_role(
            "link", name="NEET change and benchmark progress across local authorities"
        )
    ).to_have_count(0)


def test_hub_lead_reads_the_comparison_and_its_caveats_without_javascript(
    no_js_journey: Journey, cast: Cast, published: None
) -> None:
    be_patient(no_js_journey)
    no_js_journey.sign_in("lead@north.example")
    no_js_journey.follow("NEET and destinations", within="nav")
    no_js_journey.heading().to_have_text("North Hub")
    expect(no_js_journey.page.locator("#table-la_neet").get_by_role("row", name="Trafford")).to_contain_text("3.9")
    no_js_journey.follow("NEET change and benchmark progress across local authorities", within="main")
    expect(no_js_journey.page.get_by_role("heading", name="Caveats")).to_be_visible()
