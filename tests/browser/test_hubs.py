"""A hub lead opens their own Careers Hub and sees its member schools and colleges."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def test_hub_lead_opens_their_hub_from_home(journey: Journey, cast: Cast) -> None:
    journey.sign_in("lead@north.example")
    expect(journey.page.get_by_test_id("current-organisation")).to_contain_text("North Hub")

    journey.follow("Go to your hub", within="main")
    journey.heading().to_have_text("North Hub")
    expect(journey.page).to_have_url(journey.base_url + f"/hubs/{cast.north_hub.pk}/")
    main = journey.page.get_by_role("main")
    expect(main.get_by_role("link", name="Ashby High School", exact=True)).to_be_visible()
    expect(main.get_by_role("link", name="Brook College", exact=True)).to_have_count(0)

    journey.follow("Ashby High School", within="main")
    journey.heading().to_have_text("Ashby High School")


def test_hub_lead_finds_their_hub_in_the_hubs_list(journey: Journey, cast: Cast) -> None:
    journey.sign_in("lead@north.example")
    journey.follow("Hubs", within="nav")
    journey.heading().to_have_text("Careers Hubs")
    main = journey.page.get_by_role("main")
    expect(main.get_by_role("link", name="South Hub", exact=True)).to_have_count(0)
    journey.follow("North Hub", within="main")
    journey.heading().to_have_text("North Hub")


def test_national_admin_sees_every_hub(journey: Journey, cast: Cast) -> None:
    journey.sign_in("admin@national.example")
    journey.follow("Hubs", within="nav")
    main = journey.page.get_by_role("main")
    expect(main.get_by_role("link", name="North Hub", exact=True)).to_be_visible()
    journey.follow("South Hub", within="main")
    journey.heading().to_have_text("South Hub")
    expect(journey.page.get_by_role("main").get_by_role("link", name="Brook College", exact=True)).to_be_visible()
