"""Hub events: pages for every persona, places and waiting lists, reminders, attendance as careers
activities, and the iCalendar feeds."""

from __future__ import annotations

import datetime
import threading

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from careershub.activities.models import Activity
from careershub.audit.models import AuditAction, AuditEvent
from careershub.employers.models import Employer
from careershub.events import ical, services
from careershub.events.forms import EventEditForm
from careershub.events.models import HubEvent, Registration, RegistrationStatus
from careershub.hubs.tests.factories import HubMembershipFactory
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.learners.tests.factories import LearnerFactory
from careershub.organisations.models import Organisation, Role
from careershub.organisations.tests.factories import MembershipFactory, UserFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

NORTH_READERS = {
    "careers_leader",
    "senior_leader",
    "hub_lead",
    "enterprise_coordinator",
    "national_admin",
    "national_analyst",
    "employer",
}


@pytest.fixture
def north_employer(cast: Cast) -> Employer:
    return Employer.objects.create(organisation=cast.employer_org, name=cast.employer_org.name, hub=cast.north_hub)


def make_event(
    cast: Cast, *, days: int = 10, institution_places: int = 2, employer_places: int = 2, **kwargs: object
) -> HubEvent:
    # At ten in the morning (local time), so the three hours never cross midnight whenever the test runs.
    day = timezone.localdate() + datetime.timedelta(days=days)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    values: dict[str, object] = {
        "hub": cast.north_hub,
        "actor": cast.hub_lead,
        "kind": "apprenticeship_fair",
        "title": "North apprenticeship fair",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=3),
        "location": "Trafford Town Hall",
        "institution_places": institution_places,
        "employer_places": employer_places,
    }
    values.update(kwargs)
    return services.event_create(**values)  # type: ignore[arg-type]


def another_north_school(cast: Cast, name: str) -> Organisation:
    institution = InstitutionWithOrganisationFactory.create(name=name)
    HubMembershipFactory.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2020, 9, 1))
    assert institution.organisation is not None
    return institution.organisation


def status(persona: str, allowed: set[str], hidden: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    if persona == "anonymous":
        return 302
    if persona in {"participation_officer", "outsider"}:
        return 403
    if persona in hidden:
        return 404
    return 200 if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_event_list_shows_only_the_hubs_events(client_as, cast: Cast, north_employer: Employer, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_event(cast)
    response = client_as(persona).get(reverse("events:list"))
    assert response.status_code == status(persona, set(PERSONAS))
    if response.status_code == 200:
        assert ("North apprenticeship fair" in response.content.decode()) == (persona in NORTH_READERS)
        # The calendar link is offered only to those the calendar page lets in.
        has_link = reverse("events:feeds") in response.content.decode()
        assert has_link == (persona not in {"national_admin", "national_analyst"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_event_page_is_a_404_outside_the_hub(client_as, cast: Cast, north_employer: Employer, persona: str) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast)
    response = client_as(persona).get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == status(persona, NORTH_READERS, hidden={"other_hub_lead", "other_careers_leader"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_hub_leads_create_events(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("events:create"))
    expected = 302 if persona == "anonymous" else 200 if persona in {"hub_lead", "other_hub_lead"} else 403
    assert response.status_code == expected


def test_hub_lead_creates_an_event_and_it_is_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    day = timezone.localdate() + datetime.timedelta(days=30)
    data = {
        "kind": "network_meeting",
        "title": "Careers Leader network, spring",
        "location": "Online",
        "date-day": day.day,
        "date-month": day.month,
        "date-year": day.year,
        "start_time": "09:30",
        "end_time": "11:00",
        "institution_places": "20",
        "employer_places": "0",
        "reminder_days": "2",
    }
    response = client_as("hub_lead").post(reverse("events:create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = HubEvent.objects.get(title="Careers Leader network, spring")
    assert event.hub == cast.north_hub and timezone.localtime(event.starts_at).strftime("%H:%M") == "09:30"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="events.HubEvent").exists()
    bad = client_as("hub_lead").post(reverse("events:create"), data | {"end_time": "09:00"})
    assert "The end time must be after the start time" in bad.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_can_register(client_as, cast: Cast, north_employer: Employer, persona: str) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast)
    response = client_as(persona).post(reverse("events:register", args=[event.pk]))
    registered = Registration.objects.filter(event=event).exists()
    if persona in {"careers_leader", "employer"}:
        assert response.status_code == 302 and registered
    else:
        expected = status(
            persona,
            {"enterprise_coordinator", "hub_lead", "national_admin"},
            hidden={"other_hub_lead", "other_careers_leader"},
        )
        assert response.status_code in ({expected} if expected != 200 else {403}), persona
        assert not registered


def test_places_then_waiting_list_then_promotion_with_an_email(cast: Cast) -> None:
    event = make_event(cast, institution_places=1)
    assert cast.ashby.organisation is not None
    first = services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    other_user = UserFactory.create(email="leader@cedar.example")
    cedar = another_north_school(cast, "Cedar Academy")
    MembershipFactory.create(user=other_user, organisation=cedar, role=Role.CAREERS_LEADER)
    second = services.register(event=event, organisation=cedar, actor=other_user)
    assert (first.status, second.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
    assert services.waiting_position(second) == 1
    with pytest.raises(services.EventError, match="already registered"):
        services.register(event=event, organisation=cedar, actor=other_user)
    # An employer's places are counted separately.
    employer = services.register(event=event, organisation=cast.employer_org, actor=cast.employer)
    assert employer.status == RegistrationStatus.CONFIRMED
    mail.outbox.clear()
    with django_capture_on_commit():
        promoted = services.registration_cancel(registration=first, actor=cast.careers_leader)
    assert promoted is not None and promoted.pk == second.pk
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    assert [m.to for m in mail.outbox] == [["leader@cedar.example"]] and "You have a place" in mail.outbox[0].subject


def django_capture_on_commit():  # type: ignore[no-untyped-def]
    """Run on-commit callbacks inside the test transaction (as pytest-django's fixture does)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_cancel_page_and_other_organisations_registrations(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast)
    assert cast.ashby.organisation is not None
    registration = services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    # The enterprise coordinator reads but cannot cancel; the senior leader is read only.
    for persona in ("enterprise_coordinator", "senior_leader"):
        response = client_as(persona).post(reverse("events:cancel", args=[event.pk]), {"registration": registration.pk})
        assert response.status_code == 403, persona
    # The hub lead can cancel a registration.
    response = client_as("hub_lead").post(reverse("events:cancel", args=[event.pk]), {"registration": registration.pk})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only meaningful on PostgreSQL")
def test_concurrent_registrations_never_overbook(cast: Cast) -> None:
    event = make_event(cast, institution_places=1)
    schools = [another_north_school(cast, f"Parallel School {n}") for n in range(6)]
    barrier = threading.Barrier(len(schools))
    errors: list[BaseException] = []

    def register(organisation: Organisation) -> None:
        try:
            barrier.wait()
            services.register(event=event, organisation=organisation, actor=None)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(school,)) for school in schools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == 1 and statuses.count(RegistrationStatus.WAITING) == 5


def test_reminders_are_sent_once_within_the_period(cast: Cast) -> None:
    soon = make_event(cast, days=1, title="Soon")
    later = make_event(cast, days=5, title="Later")
    assert cast.ashby.organisation is not None
    for event in (soon, later):
        services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    mail.outbox.clear()
    with django_capture_on_commit():
        assert services.send_reminders() == 1
    assert [m.subject for m in mail.outbox] == ["Reminder: Soon"] and mail.outbox[0].to == ["leader@ashby.example"]
    assert services.send_reminders() == 0  # once only
    from careershub.events.tasks import send_event_reminders

    assert send_event_reminders.call()["reminded"] == 0


def test_learners_attendance_becomes_an_activity_in_their_records(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast)
    assert cast.ashby.organisation is not None
    services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    learners = LearnerFactory.create_batch(3, institution=cast.ashby, year_group=11)
    LearnerFactory.create(institution=cast.ashby, year_group=10)
    url = reverse("events:attendance", args=[event.pk])
    # Before the event: refused.
    response = client_as("careers_leader").post(url, {"year_group": "11"})
    assert "once the event has started" in response.content.decode()
    HubEvent.objects.filter(pk=event.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    response = client_as("careers_leader").post(url, {"year_group": "11"})
    assert response.status_code == 302
    activity = Activity.objects.get(institution=cast.ashby)
    assert activity.activity_type == "careers_fair" and activity.provider_kind == "apprenticeship"
    assert set(activity.participants.values_list("pk", flat=True)) == {learner.pk for learner in learners}
    # A second list adds to the same activity.
    extra = LearnerFactory.create(institution=cast.ashby, year_group=9)
    client_as("careers_leader").post(url, {"upns": f"{extra.upn} X123"})
    assert Activity.objects.filter(institution=cast.ashby).count() == 1
    assert activity.participants.count() == 4
    for persona in ("senior_leader", "hub_lead", "other_careers_leader"):
        assert client_as(persona).get(url).status_code in {403, 404}, persona


@pytest.mark.parametrize("persona", PERSONAS)
def test_calendar_page(client_as, cast: Cast, north_employer: Employer, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("events:feeds"))
    refused = {"national_admin", "national_analyst"}
    assert response.status_code == status(persona, set(PERSONAS) - refused)


def test_hub_and_institution_feeds(client, client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast, institution_places=1)
    make_event(cast, title="Network meeting", kind="network_meeting")
    assert cast.ashby.organisation is not None and cast.north_hub.organisation is not None
    services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    hub_feed = services.feed_for(cast.north_hub.organisation)
    school_feed = services.feed_for(cast.ashby.organisation)
    # Calendar applications do not sign in: the secret address is the key.
    response = client.get(reverse("events:feed", args=[hub_feed.token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]
    assert sorted(summaries) == ["Network meeting", "North apprenticeship fair"]
    school = icalendar.Calendar.from_ical(client.get(reverse("events:feed", args=[school_feed.token])).content)
    [entry] = school.walk("VEVENT")
    assert str(entry["summary"]) == "North apprenticeship fair" and str(entry["uid"]) == f"{event.uid}@careershub"
    assert client.get(reverse("events:feed", args=["not-a-token"])).status_code == 404
    assert services.feed_for(cast.ashby.organisation).token == school_feed.token  # stable


def test_list_page_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    assert cast.ashby.organisation is not None
    for n in range(8):
        event = make_event(cast, title=f"Event {n}", days=n + 2)
        services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    client = client_as("careers_leader")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("events:list"))
    assert response.content.decode().count("Place confirmed") == 8


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["events:edit", "events:cancel-event"])
def test_only_the_events_hub_lead_changes_or_cancels_it(client_as, cast: Cast, persona: str, name: str) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast)
    response = client_as(persona).get(reverse(name, args=[event.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona == "hub_lead":
        assert response.status_code == 200
    elif persona == "other_hub_lead":
        assert response.status_code == 404  # another hub's event
    else:
        assert response.status_code == 403


def _edit_data(event: HubEvent, **changes: object) -> dict[str, object]:
    data = {key: value for key, value in EventEditForm.initial_for(event).items()}
    day = data.pop("date")
    data.update({"date-day": day.day, "date-month": day.month, "date-year": day.year})  # type: ignore[attr-defined]
    data["start_time"] = data["start_time"].strftime("%H:%M")  # type: ignore[attr-defined]
    data["end_time"] = data["end_time"].strftime("%H:%M")  # type: ignore[attr-defined]
    data.update(changes)
    return data


def test_hub_lead_changes_an_event_and_a_stale_change_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    event = make_event(cast)
    client = client_as("hub_lead")
    opened = _edit_data(event, title="North apprenticeship and skills fair")
    second = _edit_data(event, location="Old Trafford")  # opened at the same version
    response = client.post(reverse("events:edit", args=[event.pk]), opened)
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.version) == ("North apprenticeship and skills fair", 2)
    response = client.post(reverse("events:edit", args=[event.pk]), second)
    assert response.status_code == 200 and "Someone else changed this event" in response.content.decode()
    event.refresh_from_db()
    assert event.location == "Trafford Town Hall"  # nothing overwritten
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(event.pk)).count() == 1


def test_more_places_go_to_the_waiting_list_and_fewer_than_confirmed_is_refused(cast: Cast) -> None:
    event = make_event(cast, institution_places=1)
    assert cast.ashby.organisation is not None
    services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    other_user = UserFactory.create(email="leader@cedar.example")
    cedar = another_north_school(cast, "Cedar Academy")
    MembershipFactory.create(user=other_user, organisation=cedar, role=Role.CAREERS_LEADER)
    waiting = services.register(event=event, organisation=cedar, actor=other_user)
    assert waiting.status == RegistrationStatus.WAITING
    with pytest.raises(services.EventError, match="1 school or college registrations are confirmed"):
        services.event_update(event=event, actor=cast.hub_lead, version=1, changes={"institution_places": 0})
    mail.outbox.clear()
    with django_capture_on_commit():
        promoted = services.event_update(event=event, actor=cast.hub_lead, version=1, changes={"institution_places": 2})
    assert [r.pk for r in promoted] == [waiting.pk]
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert [m.to for m in mail.outbox] == [["leader@cedar.example"]]


def test_a_new_time_is_sent_to_everyone_registered(cast: Cast) -> None:
    event = make_event(cast)
    assert cast.ashby.organisation is not None
    services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    mail.outbox.clear()
    later = event.starts_at + datetime.timedelta(days=1)
    with django_capture_on_commit():
        services.event_update(
            event=event,
            actor=cast.hub_lead,
            version=event.version,
            changes={"starts_at": later, "ends_at": later + datetime.timedelta(hours=2)},
        )
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Changed:")


def test_cancelling_tells_everyone_takes_no_more_registrations_and_shows_in_calendars(  # type: ignore[no-untyped-def]
    client_as, cast: Cast
) -> None:
    event = make_event(cast)
    assert cast.ashby.organisation is not None
    services.register(event=event, organisation=cast.ashby.organisation, actor=cast.careers_leader)
    client = client_as("hub_lead")
    response = client.post(reverse("events:cancel-event", args=[event.pk]), {"reason": ""})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit():
        response = client.post(reverse("events:cancel-event", args=[event.pk]), {"reason": "The venue flooded."})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert len(mail.outbox) == 1 and "The venue flooded." in mail.outbox[0].body
    with pytest.raises(services.EventError, match="cancelled"):
        services.register(event=event, organisation=cast.employer_org, actor=cast.employer)
    page = client_as("careers_leader").get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "Cancelled" in page and "The venue flooded." in page and "Cancel our registration" in page
    entries = icalendar.Calendar.from_ical(ical.calendar("North Hub", [(event, None)])).walk("VEVENT")
    assert str(entries[0]["status"]) == "CANCELLED"
    # Nothing is reminded of a cancelled event.
    assert services.send_reminders(now=event.starts_at - datetime.timedelta(days=1)) == 0
