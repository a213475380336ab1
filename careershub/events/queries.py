"""Who sees which events and registrations.

- A hub's members (hub lead, enterprise coordinators) see their hub's events and every
  registration; the hub lead manages them.
- A school or college's members see the events of the hubs it currently belongs to, and their
  own institution's registrations; careers leaders register.
- An employer's contacts see the events of the employer's hub, and their own registrations.
- The national team sees every event (read only).
- Anyone else sees none: another hub's event is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from careershub.events.models import ACTIVE_STATUSES, CalendarFeed, HubEvent, Party, Registration
from careershub.hubs.models import Hub, HubMembership
from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role

EVENT_KINDS = {OrganisationKind.NATIONAL, OrganisationKind.HUB, OrganisationKind.INSTITUTION, OrganisationKind.EMPLOYER}


def events_for(membership: Membership | None) -> QuerySet[HubEvent]:
    events = HubEvent.objects.select_related("hub")
    if membership is None:
        return events.none()
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.NATIONAL:
        return events
    if organisation.kind == OrganisationKind.HUB:
        return events.filter(hub__organisation=organisation)
    if organisation.kind == OrganisationKind.INSTITUTION:
        hubs = HubMembership.objects.current().filter(institution__organisation=organisation).values("hub")
        return events.filter(hub__in=hubs)
    if organisation.kind == OrganisationKind.EMPLOYER:
        return events.filter(hub__employers__organisation=organisation)
    return events.none()


def can_manage(membership: Membership | None, event: HubEvent | None = None) -> bool:
    """The hub lead of the event's hub (or of any hub, to create one)."""
    if membership is None or membership.role != Role.HUB_LEAD:
        return False
    return event is None or event.hub.organisation_id == membership.organisation_id


def party_of(membership: Membership | None) -> str | None:
    """The party this membership registers as, or None when it cannot register."""
    if membership is None:
        return None
    if membership.role == Role.CAREERS_LEADER and membership.organisation.kind == OrganisationKind.INSTITUTION:
        return Party.INSTITUTION
    if membership.role == Role.EMPLOYER_CONTACT and membership.organisation.kind == OrganisationKind.EMPLOYER:
        return Party.EMPLOYER
    return None


def registrations_for(membership: Membership | None, event: HubEvent) -> QuerySet[Registration]:
    """Every registration for the hub's own members and the national team; one's own otherwise."""
    registrations = event.registrations.select_related("organisation")
    if membership is None:
        return registrations.none()
    kind = membership.organisation.kind
    if kind == OrganisationKind.NATIONAL or (
        kind == OrganisationKind.HUB and event.hub.organisation_id == membership.organisation_id
    ):
        return registrations
    return registrations.filter(organisation=membership.organisation)


def own_registrations(membership: Membership, events: Iterable[HubEvent]) -> QuerySet[Registration]:
    """The membership's organisation's active registrations for these events (one query)."""
    return Registration.objects.filter(
        event__in=[event.pk for event in events], organisation=membership.organisation, status__in=ACTIVE_STATUSES
    )


def own_hub(membership: Membership | None) -> Hub | None:
    """The hub whose organisation this membership belongs to, or None."""
    if membership is None or membership.organisation.kind != OrganisationKind.HUB:
        return None
    return Hub.objects.filter(organisation=membership.organisation).first()


def feed_events(token: str) -> tuple[Organisation, list[tuple[HubEvent, str | None]]] | None:
    """The organisation whose secret feed address this is, and its feed's events: every event of
    a hub's own hub; the events an institution or employer is registered for, with the status."""
    feed = CalendarFeed.objects.select_related("organisation").filter(token=token).first()
    if feed is None:
        return None
    organisation = feed.organisation
    if organisation.kind == OrganisationKind.HUB:
        return organisation, [(event, None) for event in HubEvent.objects.filter(hub__organisation=organisation)]
    registrations = Registration.objects.filter(organisation=organisation, status__in=ACTIVE_STATUSES).select_related(
        "event"
    )
    return organisation, [(r.event, r.status) for r in registrations]
