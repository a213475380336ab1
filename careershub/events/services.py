"""Writes on hub events: creating them, registering (with waiting lists), cancelling, reminders,
learners' attendance and calendar feed addresses. Audited.

Registration and cancellation lock the event row first (`select_for_update`; PostgreSQL row
locks, SQLite serialises writers anyway), then count the confirmed registrations of the party, so
two organisations registering for the last place at once cannot both get it: the second waits.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from careershub.activities import services as activity_services
from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.events.models import (
    ACTIVE_STATUSES,
    LEARNER_ACTIVITIES,
    CalendarFeed,
    HubEvent,
    Party,
    Registration,
    RegistrationStatus,
)
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.learners.models import Learner
from careershub.organisations.models import Organisation, OrganisationKind


class EventError(ValueError):
    """A change that cannot be made, with a message for the user."""


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def event_create(
    *,
    hub: Hub,
    actor: Any,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str,
    institution_places: int,
    employer_places: int,
    description: str = "",
    reminder_days: int = 2,
) -> HubEvent:
    if ends_at <= starts_at:
        raise EventError("The event must end after it starts")
    event = HubEvent.objects.create(
        hub=hub,
        kind=kind,
        title=title,
        description=description,
        location=location,
        starts_at=starts_at,
        ends_at=ends_at,
        institution_places=institution_places,
        employer_places=employer_places,
        reminder_days=reminder_days,
        created_by=_user(actor),
    )
    after = snapshot(event)
    after["uid"] = str(event.uid)
    record(actor=actor, organisation=hub.organisation, action=AuditAction.CREATE, instance=event, after=after)
    return event


#: Fields of an event its hub lead may change.
EDITABLE = (
    "kind",
    "title",
    "description",
    "location",
    "starts_at",
    "ends_at",
    "institution_places",
    "employer_places",
    "reminder_days",
)


@transaction.atomic
def event_update(*, event: HubEvent, actor: Any, version: int, changes: dict[str, Any]) -> list[Registration]:
    """Change an event. Refused when someone changed it since `version` was read, when it is
    cancelled, or when fewer places are left than registrations already confirmed. New places go
    to the waiting list in order; registrations are told of a new time or place. Returns the
    registrations that moved up from the waiting list."""
    locked = HubEvent.objects.select_for_update().get(pk=event.pk)
    if locked.cancelled_at is not None:
        raise EventError("This event is cancelled and cannot be changed")
    if locked.version != version:
        raise EventError(
            "Someone else changed this event since you opened it. "
            "Check the event as it is now and make your change again."
        )
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    starts_at = changes.get("starts_at", locked.starts_at)
    if changes.get("ends_at", locked.ends_at) <= starts_at:
        raise EventError("The event must end after it starts")
    for party, field in ((Party.INSTITUTION, "institution_places"), (Party.EMPLOYER, "employer_places")):
        confirmed = locked.registrations.filter(party=party, status=RegistrationStatus.CONFIRMED).count()
        if changes.get(field, getattr(locked, field)) < confirmed:
            raise EventError(
                f"{confirmed} {Party(party).label.lower()} registrations are confirmed: there must be at least "
                f"{confirmed} places for them (cancel registrations first to offer fewer)"
            )
    before = snapshot(locked)
    moved = {
        key for key in ("starts_at", "ends_at", "location") if key in changes and changes[key] != getattr(locked, key)
    }
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked),
    )
    promoted: list[Registration] = []
    for side in Party.values:
        free = (
            locked.places_for(side)
            - locked.registrations.filter(party=side, status=RegistrationStatus.CONFIRMED).count()
        )
        waiting = (
            locked.registrations.select_for_update()
            .filter(party=side, status=RegistrationStatus.WAITING)
            .order_by("registered_at", "id")
        )
        for registration in list(waiting[: max(free, 0)]):
            registration.status = RegistrationStatus.CONFIRMED
            registration.save(update_fields=["status"])
            record(
                actor=actor,
                organisation=registration.organisation,
                action=AuditAction.UPDATE,
                instance=registration,
                before={"status": RegistrationStatus.WAITING},
                after={"status": RegistrationStatus.CONFIRMED},
                label=f"Place confirmed from the waiting list: {registration.organisation.name}",
            )
            _notify(
                registration,
                f"You have a place: {locked.title}",
                f"More places were added and one is now yours: {_event_text(locked)}.\n\n"
                f"{settings.SITE_URL}/events/{locked.pk}/",
            )
            promoted.append(registration)
    if moved:
        for registration in locked.registrations.filter(status__in=ACTIVE_STATUSES).exclude(
            pk__in=[r.pk for r in promoted]
        ):
            _notify(
                registration,
                f"Changed: {locked.title}",
                f"The time or place of an event {registration.organisation.name} is registered for has changed. "
                f"It is now: {_event_text(locked)}.\n\n{settings.SITE_URL}/events/{locked.pk}/",
            )
    event.refresh_from_db()
    return promoted


@transaction.atomic
def event_cancel(*, event: HubEvent, actor: Any, reason: str) -> int:
    """Cancel an event: it takes no more registrations, its calendars show it cancelled and every
    organisation registered or waiting is told why. Returns how many were told."""
    locked = HubEvent.objects.select_for_update().get(pk=event.pk)
    if locked.cancelled_at is not None:
        raise EventError("This event is already cancelled")
    if not reason.strip():
        raise EventError("Say why the event is cancelled: the people registered will be told")
    before = snapshot(locked)
    locked.cancelled_at = timezone.now()
    locked.cancellation_reason = reason.strip()
    locked.version += 1
    locked.save(update_fields=["cancelled_at", "cancellation_reason", "version", "updated_at"])
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked),
        label=f"Event cancelled: {locked.title}",
    )
    told = 0
    for registration in locked.registrations.filter(status__in=ACTIVE_STATUSES):
        _notify(
            registration,
            f"Cancelled: {locked.title}",
            f"{_event_text(locked)} is cancelled. {locked.cancellation_reason}\n\n"
            f"{settings.SITE_URL}/events/{locked.pk}/",
        )
        told += 1
    event.refresh_from_db()
    return told


def _notify(registration: Registration, subject: str, body: str) -> None:
    from careershub.core.tasks import send_email

    if registration.contact_email:
        address = registration.contact_email
        transaction.on_commit(lambda: send_email.enqueue(subject, body, [address]))


def _event_text(event: HubEvent) -> str:
    start = timezone.localtime(event.starts_at)
    return f"{event.title}, {start:%-d %B %Y at %H:%M}, {event.location}"


@transaction.atomic
def register(*, event: HubEvent, organisation: Organisation, actor: Any) -> Registration:
    """Register an organisation: a place if its party has one free, else the waiting list."""
    if organisation.kind == OrganisationKind.INSTITUTION:
        party = Party.INSTITUTION
    elif organisation.kind == OrganisationKind.EMPLOYER:
        party = Party.EMPLOYER
    else:
        raise EventError("Only schools, colleges and employers register for events")
    locked = HubEvent.objects.select_for_update().get(pk=event.pk)
    if locked.cancelled_at is not None:
        raise EventError("This event is cancelled")
    if locked.ends_at <= timezone.now():
        raise EventError("This event has finished")
    if locked.places_for(party) == 0:
        raise EventError(f"This event has no places for {Party(party).label.lower()}s")
    if locked.registrations.filter(organisation=organisation, status__in=ACTIVE_STATUSES).exists():
        raise EventError(f"{organisation.name} is already registered")
    taken = locked.registrations.filter(party=party, status=RegistrationStatus.CONFIRMED).count()
    status = RegistrationStatus.CONFIRMED if taken < locked.places_for(party) else RegistrationStatus.WAITING
    registration = Registration.objects.create(
        event=locked,
        organisation=organisation,
        party=party,
        status=status,
        registered_by=_user(actor),
        contact_email=getattr(actor, "email", "") or "",
    )
    record(actor=actor, organisation=organisation, action=AuditAction.CREATE, instance=registration)
    return registration


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list, and so on; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = registration.event.registrations.filter(
        party=registration.party, status=RegistrationStatus.WAITING, registered_at__lt=registration.registered_at
    ).count()
    return ahead + 1


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: Any) -> Registration | None:
    """Cancel a registration; a freed place goes to the first on the party's waiting list, who is
    told by email. Returns the registration that moved up, if any."""
    locked_event = HubEvent.objects.select_for_update().get(pk=registration.event_id)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status == RegistrationStatus.CANCELLED:
        raise EventError("This registration is already cancelled")
    before = snapshot(current)
    freed = current.status == RegistrationStatus.CONFIRMED
    current.status = RegistrationStatus.CANCELLED
    current.save(update_fields=["status"])
    record(
        actor=actor,
        organisation=current.organisation,
        action=AuditAction.UPDATE,
        instance=current,
        before=before,
        after=snapshot(current),
    )
    registration.status = current.status
    if not freed:
        return None
    taken = locked_event.registrations.filter(party=current.party, status=RegistrationStatus.CONFIRMED).count()
    if taken >= locked_event.places_for(current.party):
        return None
    promoted = (
        locked_event.registrations.select_for_update()
        .filter(party=current.party, status=RegistrationStatus.WAITING)
        .order_by("registered_at", "id")
        .first()
    )
    if promoted is None:
        return None
    promoted.status = RegistrationStatus.CONFIRMED
    promoted.save(update_fields=["status"])
    record(
        actor=actor,
        organisation=promoted.organisation,
        action=AuditAction.UPDATE,
        instance=promoted,
        before={"status": RegistrationStatus.WAITING},
        after={"status": RegistrationStatus.CONFIRMED},
        label=f"Place confirmed from the waiting list: {promoted.organisation.name}",
    )
    _notify(
        promoted,
        f"You have a place: {locked_event.title}",
        f"A place has become free and is now yours: {_event_text(locked_event)}.\n\n"
        f"{settings.SITE_URL}/events/{locked_event.pk}/",
    )
    return promoted


def send_reminders(*, now: datetime.datetime | None = None) -> int:
    """Queue one reminder email per confirmed registration whose event starts within its
    reminder period and has not started; each registration is reminded once. Returns how many."""
    now = now or timezone.now()
    sent = 0
    due = (
        Registration.objects.select_related("event")
        .filter(
            status=RegistrationStatus.CONFIRMED,
            reminded_at__isnull=True,
            event__starts_at__gt=now,
            event__cancelled_at__isnull=True,
        )
        .order_by("event__starts_at", "id")
    )
    for registration in due:
        event = registration.event
        if event.starts_at - now > datetime.timedelta(days=event.reminder_days):
            continue
        with transaction.atomic():
            claimed = Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:  # another worker reminded it
                continue
            _notify(
                registration,
                f"Reminder: {event.title}",
                f"A reminder that {registration.organisation.name} has a place at {_event_text(event)}.\n\n"
                f"{settings.SITE_URL}/events/{event.pk}/",
            )
        sent += 1
    return sent


@transaction.atomic
def attendance_record(*, registration: Registration, learners: Iterable[Learner], actor: Any) -> Any:
    """Record which of the institution's learners attended: they become participants of one
    careers activity (created on first use, through activities.services) in their records."""
    event = registration.event
    if registration.party != Party.INSTITUTION or registration.status != RegistrationStatus.CONFIRMED:
        raise EventError("Only a school or college with a confirmed place records learners' attendance")
    if not event.takes_learners:
        raise EventError("Learners do not attend this kind of event")
    if event.starts_at > timezone.now():
        raise EventError("Record attendance once the event has started")
    institution = Institution.objects.get(organisation=registration.organisation)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.activity is None:
        activity_type, provider_kind = LEARNER_ACTIVITIES[event.kind]
        locked.activity = activity_services.activity_create(
            institution=institution,
            actor=actor,
            activity_type=activity_type,
            title=event.title,
            date=timezone.localtime(event.starts_at).date(),
            provider_name=event.hub.name,
            provider_kind=provider_kind,
        )
        locked.save(update_fields=["activity"])
        registration.activity = locked.activity
    return activity_services.participants_add(activity=locked.activity, learners=learners, actor=actor)


def feed_for(organisation: Organisation) -> CalendarFeed:
    """The organisation's calendar feed address, created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        organisation=organisation, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed
