"""Demo hub events: an apprenticeship fair and a Careers Leader network meeting of the first demo
hub, with registrations (a school, an employer, and a school on the waiting list of a full
meeting), through the events services (and so the audit trail). Dates are relative to the day the
demo is loaded, so the events are always coming up. Running it again changes nothing: events are
looked up by hub and title, and an organisation already registered is not registered again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import timezone

from careershub.accounts.models import User
from careershub.events import services
from careershub.events.models import ACTIVE_STATUSES, HubEvent
from careershub.hubs.models import Hub
from careershub.organisations.models import Membership, Role

#: (hub lead's email, title, kind, days from today, start hour, hours, location, school places, employer places)
EVENTS = (
    (
        "grace.okafor@gmhub.example",
        "Greater Manchester apprenticeship fair",
        "apprenticeship_fair",
        21,
        10,
        5,
        "Manchester Central, Windmill Street, Manchester M2 3GX",
        12,
        20,
    ),
    (
        "grace.okafor@gmhub.example",
        "Careers Leader network meeting",
        "network_meeting",
        9,
        15,
        2,
        "Online",
        1,
        0,
    ),
)
#: Who registers for which event, in this order (the second school for the meeting waits).
REGISTRATIONS = (
    ("Greater Manchester apprenticeship fair", "rachel.bennett@salegrammar.example"),
    ("Greater Manchester apprenticeship fair", "lena.fischer@traffordparkengineering.example"),
    ("Careers Leader network meeting", "rachel.bennett@salegrammar.example"),
    ("Careers Leader network meeting", "sam.fletcher@deantrust.example"),
)


def load_demo_events(users: dict[str, User], today: datetime.date, add: Callable[[str, int], None]) -> None:
    zone = timezone.get_current_timezone()
    events: dict[str, HubEvent] = {}
    for lead_email, title, kind, days, hour, hours, location, school_places, employer_places in EVENTS:
        lead = users.get(lead_email)
        membership = Membership.objects.filter(user=lead, role=Role.HUB_LEAD).select_related("organisation").first()
        hub = Hub.objects.filter(organisation=membership.organisation).first() if membership else None
        if lead is None or hub is None:
            continue
        event = HubEvent.objects.filter(hub=hub, title=title).first()
        if event is None:
            starts = datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(hour), tzinfo=zone)
            event = services.event_create(
                hub=hub,
                actor=lead,
                kind=kind,
                title=title,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=hours),
                location=location,
                institution_places=school_places,
                employer_places=employer_places,
                description="A demo event.",
            )
            add("demo hub events", 1)
        events[title] = event
    for title, email in REGISTRATIONS:
        event = events.get(title)
        user = users.get(email)
        membership = (
            Membership.objects.filter(user=user, role__in=[Role.CAREERS_LEADER, Role.EMPLOYER_CONTACT])
            .select_related("organisation")
            .order_by("pk")
            .first()
        )
        if event is None or membership is None:
            continue
        organisation = membership.organisation
        if event.registrations.filter(organisation=organisation, status__in=ACTIVE_STATUSES).exists():
            continue
        if event.places_for("institution" if organisation.kind == "institution" else "employer") == 0:
            continue
        services.register(event=event, organisation=organisation, actor=user)
        add("demo event registrations", 1)
