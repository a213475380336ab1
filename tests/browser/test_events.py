"""A hub lead creates an apprenticeship fair; a careers leader of a member school finds it,
registers the school and gets the calendar address; the hub lead sees the registration. axe-core
checks every page (see conftest.Journey)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from careershub.events.models import HubEvent, Registration, RegistrationStatus
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def test_hub_lead_creates_an_event_and_a_careers_leader_registers(journey: Journey, cast: Cast) -> None:
    page = journey.page
    journey.sign_in("lead@north.example")
    journey.follow("Events", within="nav")
    journey.heading().to_have_text("Hub events")
    journey.press("Create an event")
    page.get_by_label("Apprenticeship fair").check()
    page.get_by_label("Title").fill("North apprenticeship fair")
    page.get_by_label("Where").fill("Trafford Town Hall")
    day = timezone.localdate() + datetime.timedelta(days=14)
    page.locator("input[name='date-day']").fill(str(day.day))
    page.locator("input[name='date-month']").fill(str(day.month))
    page.locator("input[name='date-year']").fill(str(day.year))
    page.get_by_label("Start time").fill("10:00")
    # A mistake first: the end before the start is refused with a GOV.UK error.
    page.get_by_label("End time").fill("09:00")
    page.get_by_label("Places for schools and colleges").fill("1")
    page.get_by_label("Places for employers").fill("10")
    journey.press("Create the event")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The end time must be after the start time")
    page.get_by_label("End time").fill("15:00")
    journey.press("Create the event")
    journey.heading().to_have_text("North apprenticeship fair")
    expect(page.get_by_role("main")).to_contain_text("0 of 1 taken")
    event = HubEvent.objects.get(title="North apprenticeship fair")
    assert event.hub == cast.north_hub
    journey.sign_out()

    journey.sign_in("leader@ashby.example")
    journey.follow("Careers Hub", within="nav")
    journey.follow("Events", within="#careers-hub-pages")
    journey.follow("North apprenticeship fair")
    journey.press("Register for this event")
    expect(page.locator("#own-registration")).to_contain_text("Ashby High School has a place.")
    expect(page.get_by_role("main")).to_contain_text("1 of 1 taken")
    assert Registration.objects.get(event=event).status == RegistrationStatus.CONFIRMED
    journey.follow("Back to hub events")
    expect(page.locator("#events")).to_contain_text("Place confirmed")
    journey.follow("Add these events to your calendar")
    expect(page.locator("#feed-url")).to_contain_text("/events/calendar/")
    journey.sign_out()

    journey.sign_in("lead@north.example")
    journey.follow("Events", within="nav")
    journey.follow("North apprenticeship fair")
    expect(page.locator("#registrations")).to_contain_text("Ashby High School")
    journey.finish()
