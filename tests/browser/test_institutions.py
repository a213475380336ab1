"""Finding a school or college: search by name, URN or postcode, then open its profile."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def search_box(page: Page) -> Locator:
    """The search field, by its role or label (not by id or class)."""
    return page.get_by_role("searchbox").or_(page.get_by_label(re.compile(r"search|name, URN", re.I))).first


def search(journey: Journey, text: str) -> None:
    box = search_box(journey.page)
    box.fill(text)
    # The button of the form the search field belongs to (the filters may have buttons of their own).
    button = box.locator("xpath=ancestor::form").get_by_role("button").first
    journey.navigate(button.click)
    expect(search_box(journey.page)).to_have_value(text)


@pytest.mark.parametrize("text", ["Ashby", "800001", "M33 3AB"], ids=["name", "urn", "postcode"])
def test_search_then_open_a_profile(journey: Journey, cast: Cast, text: str) -> None:
    journey.sign_in("lead@north.example")
    journey.follow("Schools and colleges", within="nav")
    journey.heading().to_have_text("Schools and colleges")

    search(journey, text)
    results = journey.page.get_by_role("main")
    expect(results.get_by_role("link", name="Ashby High School", exact=True)).to_be_visible()
    if text != "M33 3AB":  # both cast schools share the factory's postcode
        expect(results.get_by_role("link", name="Brook College", exact=True)).to_have_count(0)

    journey.follow("Ashby High School", within="main")
    journey.heading().to_have_text("Ashby High School")
    expect(journey.page).to_have_url(journey.base_url + f"/institutions/{cast.ashby.urn}/")


def test_a_search_that_finds_nothing_says_so(journey: Journey, cast: Cast) -> None:
    journey.sign_in("leader@ashby.example")
    journey.goto("/institutions/")
    search(journey, "Nowhere Academy")
    main = journey.page.get_by_role("main")
    expect(main.get_by_role("link", name="Ashby High School", exact=True)).to_have_count(0)
