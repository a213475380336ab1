"""Hub event pages. Events are reached only through `events_for(request.membership)`: another
hub's event is a 404. The hub lead creates events; careers leaders register their institution and
employer contacts their employer; careers leaders record which learners attended. The calendar
feeds are reached by a secret address (calendar applications cannot sign in)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careershub.activities.services import learners_by_identifiers, parse_identifier_list
from careershub.events import ical, services
from careershub.events.forms import AttendanceForm, EventCancelForm, EventEditForm, EventForm
from careershub.events.models import ACTIVE_STATUSES, HubEvent, Party, RegistrationStatus
from careershub.events.queries import (
    EVENT_KINDS,
    can_manage,
    events_for,
    feed_events,
    own_hub,
    own_registrations,
    party_of,
    registrations_for,
)
from careershub.learners.queries import learner_institution, learners_for
from careershub.organisations.decorators import require_roles, require_write
from careershub.organisations.models import OrganisationKind, Role


def _member_or_403(request: HttpRequest) -> None:
    membership = getattr(request, "membership", None)
    if membership is None or membership.organisation.kind not in EVENT_KINDS:
        raise PermissionDenied


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    _member_or_403(request)
    membership = request.membership  # type: ignore[attr-defined]
    now = timezone.now()
    events = list(events_for(membership).filter(ends_at__gte=now))
    own = {r.event_id: r for r in own_registrations(membership, events)}
    return TemplateResponse(
        request,
        "events/list.html",
        {
            "events": [(event, own.get(event.pk)) for event in events],
            "past": list(events_for(membership).filter(ends_at__lt=now).order_by("-starts_at")[:20]),
            "can_create": can_manage(membership),
            # A national team has no calendar feed of its own (calendar_feeds refuses it).
            "has_feed": membership.organisation.kind != OrganisationKind.NATIONAL,
            "page_title": "Hub events",
        },
    )


@require_roles(Role.HUB_LEAD)
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    hub = own_hub(request.membership)  # type: ignore[attr-defined]
    if hub is None:
        raise PermissionDenied
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        event = services.event_create(
            hub=hub,
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            location=data["location"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            institution_places=data["institution_places"],
            employer_places=data["employer_places"],
            reminder_days=data["reminder_days"],
        )
        messages.success(
            request, f"{event.title} was created. Schools, colleges and employers of the hub can now register."
        )
        return redirect("events:detail", pk=event.pk)
    return TemplateResponse(request, "events/form.html", {"form": form, "hub": hub, "page_title": "Create an event"})


def _managed_event(request: HttpRequest, pk: int) -> HubEvent:
    """The event, if the current hub lead manages it (another hub's event is a 404)."""
    event = get_object_or_404(events_for(request.membership).select_related("hub"), pk=pk)  # type: ignore[attr-defined]
    if not can_manage(request.membership, event):  # type: ignore[attr-defined]
        raise PermissionDenied
    return event


@require_roles(Role.HUB_LEAD)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    if event.cancelled_at is not None or event.ends_at <= timezone.now():
        messages.error(request, "A cancelled or finished event cannot be changed.")
        return redirect("events:detail", pk=event.pk)
    form = EventEditForm(request.POST or None, initial=EventEditForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            promoted = services.event_update(
                event=event,
                actor=request.user,
                version=data["version"],
                changes={key: data[key] for key in services.EDITABLE},
            )
        except services.EventError as error:
            form.add_error(None, str(error))
        else:
            text = f"{event.title} was changed."
            if promoted:
                text += f" {len(promoted)} on the waiting list now have a place and were told by email."
            messages.success(request, text)
            return redirect("events:detail", pk=event.pk)
    return TemplateResponse(
        request,
        "events/form.html",
        {"form": form, "hub": event.hub, "event": event, "page_title": f"Change {event.title}"},
    )


@require_roles(Role.HUB_LEAD)
@require_http_methods(["GET", "POST"])
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    if event.cancelled_at is not None:
        messages.error(request, "This event is already cancelled.")
        return redirect("events:detail", pk=event.pk)
    form = EventCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            told = services.event_cancel(event=event, actor=request.user, reason=form.cleaned_data["reason"])
        except services.EventError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{event.title} is cancelled. {told} registered organisations were told by email."
            )
            return redirect("events:detail", pk=event.pk)
    return TemplateResponse(
        request, "events/cancel.html", {"form": form, "event": event, "page_title": f"Cancel {event.title}"}
    )


def _counts(event: HubEvent) -> dict[str, dict[str, int]]:
    counts = {party: {"confirmed": 0, "waiting": 0} for party in Party.values}
    for party, status in event.registrations.filter(status__in=ACTIVE_STATUSES).values_list("party", "status"):
        counts[party][status] += 1
    return counts


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _member_or_403(request)
    membership = request.membership  # type: ignore[attr-defined]
    event = get_object_or_404(events_for(membership), pk=pk)
    registrations = list(registrations_for(membership, event).order_by("party", "registered_at", "id"))
    own = next(
        (r for r in registrations if r.organisation_id == membership.organisation_id and r.status in ACTIVE_STATUSES),
        None,
    )
    party = party_of(membership)
    return TemplateResponse(
        request,
        "events/detail.html",
        {
            "event": event,
            "counts": _counts(event),
            "registrations": registrations,
            "own": own,
            "position": services.waiting_position(own) if own else None,
            "can_register": party is not None
            and own is None
            and event.cancelled_at is None
            and event.places_for(party) > 0
            and event.ends_at > timezone.now(),
            "can_manage": can_manage(membership, event),
            "now": timezone.now(),
            "can_record_attendance": (
                own is not None
                and party == Party.INSTITUTION
                and own.status == RegistrationStatus.CONFIRMED
                and event.takes_learners
                and event.starts_at <= timezone.now()
            ),
            "page_title": event.title,
        },
    )


@require_POST
@require_write
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    _member_or_403(request)
    membership = request.membership  # type: ignore[attr-defined]
    event = get_object_or_404(events_for(membership), pk=pk)
    if party_of(membership) is None:
        raise PermissionDenied
    try:
        registration = services.register(event=event, organisation=membership.organisation, actor=request.user)
    except services.EventError as error:
        messages.error(request, str(error))
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, f"{membership.organisation.name} has a place at {event.title}.")
        else:
            messages.success(request, f"The places are taken: {membership.organisation.name} is on the waiting list.")
    return redirect("events:detail", pk=event.pk)


@require_POST
@require_write
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _member_or_403(request)
    membership = request.membership  # type: ignore[attr-defined]
    event = get_object_or_404(events_for(membership), pk=pk)
    registration = get_object_or_404(
        registrations_for(membership, event).filter(status__in=ACTIVE_STATUSES),
        pk=request.POST.get("registration"),
    )
    if registration.organisation_id != membership.organisation_id and not can_manage(membership, event):
        raise PermissionDenied
    if party_of(membership) is None and not can_manage(membership, event):
        raise PermissionDenied
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except services.EventError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The registration of {registration.organisation.name} was cancelled.")
    return redirect("events:detail", pk=event.pk)


@require_roles(Role.CAREERS_LEADER)
@require_http_methods(["GET", "POST"])
def event_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    event = get_object_or_404(events_for(membership), pk=pk)
    registration = registrations_for(membership, event).filter(status=RegistrationStatus.CONFIRMED).first()
    institution = learner_institution(membership)
    if registration is None or institution is None or not event.takes_learners:
        raise PermissionDenied
    form = AttendanceForm(request.POST or None)
    unknown: list[str] = []
    if request.method == "POST" and form.is_valid():
        learners = learners_for(membership).filter(left_on__isnull=True)
        if form.cleaned_data["year_group"]:
            chosen = list(learners.filter(year_group=form.cleaned_data["year_group"]))
        else:
            tokens, invalid = parse_identifier_list(form.cleaned_data["upns"])
            chosen, missing = learners_by_identifiers(institution, tokens)
            unknown = invalid + missing
        try:
            result = services.attendance_record(registration=registration, learners=chosen, actor=request.user)
        except services.EventError as error:
            form.add_error(None, str(error))
        else:
            if not unknown:
                messages.success(
                    request, f"{result.added} learners were added to the activity in their careers records."
                )
                return redirect("activities:detail", pk=registration.activity_id)
            messages.success(
                request, f"{result.added} learners were added. Some identifiers were not found: see below."
            )
    return TemplateResponse(
        request,
        "events/attendance.html",
        {
            "event": event,
            "form": form,
            "unknown": unknown,
            "registration": registration,
            "page_title": "Record who attended",
        },
    )


@require_GET
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """The secret address of the current organisation's calendar feed (hubs, schools, colleges, employers)."""
    _member_or_403(request)
    membership = request.membership  # type: ignore[attr-defined]
    if membership.organisation.kind == OrganisationKind.NATIONAL:
        raise PermissionDenied
    feed = services.feed_for(membership.organisation)
    url = request.build_absolute_uri(reverse("events:feed", args=[feed.token]))
    return TemplateResponse(
        request,
        "events/feeds.html",
        {"feed_url": url, "organisation": membership.organisation, "page_title": "Events calendar"},
    )


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feed_events(token)
    if found is None:
        raise Http404
    organisation, events = found
    response = HttpResponse(
        ical.calendar(f"{organisation.name}: hub events", events), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response
