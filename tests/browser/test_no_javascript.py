"""The service works with JavaScript switched off: sign in, search, open a profile, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import Cast
from tests.browser.conftest import Journey
from tests.browser.test_institutions import search

pytestmark = pytest.mark.browser


def test_sign_in_search_and_sign_out_without_javascript(no_js_journey: Journey, cast: Cast) -> None:
    journey = no_js_journey
    page = journey.page
    journey.goto("/account/sign-in/")
    # js-enabled.js never ran, so GOV.UK Frontend's JavaScript-only styles are off.
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))

    journey.sign_in("leader@ashby.example", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")

    journey.sign_in("leader@ashby.example")
    journey.heading().to_contain_text("Welcome")

    journey.follow("Schools and colleges", within="nav")
    search(journey, "800002")
    journey.follow("Brook College", within="main")
    journey.heading().to_have_text("Brook College")

    journey.sign_out()
