"""Signing in and out, and a signed-in person without an organisation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def test_wrong_password_then_right_password_then_sign_out(journey: Journey, cast: Cast) -> None:
    page = journey.page
    journey.goto("/account/sign-in/")
    journey.heading().to_have_text("Sign in")

    journey.sign_in("leader@ashby.example", "not the password")
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_contain_text("Enter a correct email address and password")
    # GOV.UK Frontend's JavaScript moves focus to the error summary (the alert's container).
    expect(summary.locator("xpath=..")).to_be_focused()

    journey.sign_in("leader@ashby.example")
    expect(page).to_have_url(journey.base_url + "/")
    journey.heading().to_contain_text("Welcome")
    expect(page.get_by_test_id("current-organisation")).to_contain_text("Ashby High School")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    journey.sign_out()
    journey.goto("/", status=200)  # the sign-in page, after a redirect
    expect(page).to_have_url(re.compile(r"/account/sign-in/\?next=/$"))
    journey.heading().to_have_text("Sign in")


def test_sign_in_returns_to_the_page_asked_for(journey: Journey, cast: Cast) -> None:
    journey.goto("/hubs/")
    expect(journey.page).to_have_url(re.compile(r"/account/sign-in/\?next=/hubs/$"))
    journey.sign_in("lead@north.example")
    expect(journey.page).to_have_url(journey.base_url + "/hubs/")
    journey.heading().to_have_text("Careers Hubs")


def test_a_person_without_an_organisation_has_no_access_yet(journey: Journey, cast: Cast) -> None:
    journey.sign_in("outsider@example.org")
    journey.heading().to_have_text("You do not have access yet")
    expect(journey.page.get_by_role("navigation", name="Main")).to_have_count(0)
    journey.goto("/institutions/", status=403)
    journey.heading().to_have_text("You do not have access yet")
    journey.sign_out()
