"""iCalendar (RFC 5545) feeds, written with the `icalendar` package.

A hub's feed lists every event of the hub; an institution's (or employer's) feed lists the
events it has a place at or is waiting for, the waiting ones marked TENTATIVE.
"""

from __future__ import annotations

from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from careershub.events.models import HubEvent, RegistrationStatus


def calendar(name: str, events: Iterable[tuple[HubEvent, str | None]]) -> bytes:
    """The feed: `events` are (event, the organisation's registration status or None)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Careers Hub Platform//Hub events//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for event, status in events:
        entry = icalendar.Event()
        entry.add("uid", f"{event.uid}@careershub")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", event.title if status != RegistrationStatus.WAITING else f"{event.title} (waiting list)")
        entry.add("location", event.location)
        entry.add("description", f"{event.get_kind_display()}. {event.description}".strip())
        entry.add("url", f"{settings.SITE_URL}/events/{event.pk}/")
        entry.add("last-modified", event.updated_at)
        if event.cancelled_at is not None:
            entry.add("status", "CANCELLED")
        else:
            entry.add("status", "TENTATIVE" if status == RegistrationStatus.WAITING else "CONFIRMED")
        entry.add("sequence", event.version - 1)  # calendar applications apply the newest version
        cal.add_component(entry)
    return bytes(cal.to_ical())
