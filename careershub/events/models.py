"""Hub-wide events (an apprenticeship fair, a Careers Leader network meeting): places for
institutions and for employers, registrations with waiting lists, reminders, learners' attendance
recorded as careers activities, and iCalendar feeds.

An event belongs to a hub; its hub lead manages it. Institutions and employers of the hub
register (one registration per organisation). Places are counted per party: a registration beyond
the places of its party waits, in the order registered, and moves up when a place is freed.
Registration locks the event row (`select_for_update`), so concurrent registrations never take
more places than there are.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from careershub.activities.models import Activity
from careershub.hubs.models import Hub
from careershub.organisations.models import Organisation


class EventKind(models.TextChoices):
    APPRENTICESHIP_FAIR = "apprenticeship_fair", "Apprenticeship fair"
    CAREERS_FAIR = "careers_fair", "Careers fair"
    NETWORK_MEETING = "network_meeting", "Careers Leader network meeting"
    TRAINING = "training", "Training session"
    OTHER = "other", "Other event"


#: Kinds learners attend, and the activity (type, provider kind) their attendance is recorded as.
LEARNER_ACTIVITIES: dict[str, tuple[str, str]] = {
    EventKind.APPRENTICESHIP_FAIR: ("careers_fair", "apprenticeship"),
    EventKind.CAREERS_FAIR: ("careers_fair", "employer"),
}


class Party(models.TextChoices):
    INSTITUTION = "institution", "School or college"
    EMPLOYER = "employer", "Employer"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Place confirmed"
    WAITING = "waiting", "On the waiting list"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


class HubEvent(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=300, help_text="An address, or 'Online'")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    institution_places = models.PositiveIntegerField(default=0)
    employer_places = models.PositiveIntegerField(default=0)
    reminder_days = models.PositiveSmallIntegerField(default=2, help_text="Days before the start to remind")
    #: Optimistic lock: an edit based on an older version is refused, never silently applied.
    version = models.PositiveIntegerField(default=1)
    #: A cancelled event stays (registrations, audit, calendars show it cancelled); it takes no more.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    #: Stable identifier for calendar applications (iCalendar UID).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%d/%m/%Y})"

    def places_for(self, party: str) -> int:
        return self.institution_places if party == Party.INSTITUTION else self.employer_places

    @property
    def takes_learners(self) -> bool:
        return self.kind in LEARNER_ACTIVITIES


class Registration(models.Model):
    event = models.ForeignKey(HubEvent, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="event_registrations")
    party = models.CharField(max_length=12, choices=Party.choices)
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    #: Where reminders and waiting-list news go: the registering person's address when they registered.
    contact_email = models.EmailField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    #: The careers activity the institution's attending learners were recorded in.
    activity = models.ForeignKey(Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["registered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="one_active_registration_per_organisation",
            )
        ]
        indexes = [models.Index(fields=["event", "party", "status"])]

    def __str__(self) -> str:
        return f"{self.organisation} at {self.event} ({self.status})"


class CalendarFeed(models.Model):
    """The secret address of an organisation's iCalendar feed (calendar applications cannot sign in)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.organisation}"
