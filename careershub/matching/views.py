"""Matching pages. Hub staff (and the national team) read a hub's rounds; hub leads and national
admins run and review them; employers and schools reply to their confirmed matches. Another
hub's round, or another organisation's match, is a 404."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from careershub.activities import services as activity_services
from careershub.core.pagination import pagination_params
from careershub.employers.models import SchoolRequest
from careershub.employers.sic import section_choices, sections
from careershub.hubs.models import Hub
from careershub.hubs.queries import can_manage_hub, hubs_for
from careershub.learners.exports import csv_response
from careershub.learners.queries import filter_learners, learners_for
from careershub.matching import delivery, lmi, queries, services
from careershub.matching.forms import DeliveryForm, EmployerFeedbackForm
from careershub.matching.models import Match, MatchRound, MatchStatus, UnmatchedReason
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import OrganisationKind, Role

#: Learner counts below this are withheld from the hub's summaries.
SMALL_NUMBER = 5
#: Matches (and requests not matched) shown on one page of a round.
ROUND_PAGE_SIZE = 50
HUB_READERS = (Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)


class PrioritiesForm(forms.Form):
    sectors = forms.MultipleChoiceField(
        label="Priority sectors in the local skills plan", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sectors"].choices = section_choices()  # type: ignore[attr-defined]


def _hub(request: HttpRequest, pk: int, *, manage: bool = False) -> Hub:
    hub = get_object_or_404(hubs_for(request.membership).select_related("organisation"), pk=pk)  # type: ignore[attr-defined]
    if manage and not can_manage_hub(request.membership, hub):  # type: ignore[attr-defined]
        raise PermissionDenied
    return hub


@require_roles(*HUB_READERS)
def index(request: HttpRequest) -> HttpResponse:
    """Hub staff go straight to their hub's matching; the national team chooses a hub."""
    membership = request.membership  # type: ignore[attr-defined]
    hubs = list(hubs_for(membership).order_by("name"))
    national = membership.organisation.kind == OrganisationKind.NATIONAL
    if len(hubs) == 1 and not national:
        return redirect("matching:hub", pk=hubs[0].pk)
    return TemplateResponse(
        request,
        "matching/index.html",
        {
            "hubs": hubs,
            "national_rounds": queries.with_round_counts(queries.rounds_for(membership).filter(hub__isnull=True))
            if national
            else [],
            "can_run_national": membership.role == Role.NATIONAL_ADMIN,
            "page_title": "Employer matching",
        },
    )


def _can_manage_round(request: HttpRequest, match_round: MatchRound) -> bool:
    membership = request.membership  # type: ignore[attr-defined]
    if match_round.hub is None:
        return bool(membership.role == Role.NATIONAL_ADMIN)
    return can_manage_hub(membership, match_round.hub)


@require_POST
@require_roles(Role.NATIONAL_ADMIN)
def national_round_create(request: HttpRequest) -> HttpResponse:
    """The national team allocates every hub's open requests to every hub's offers at once."""
    name = f"National round of {datetime.date.today():%d %B %Y}"
    match_round = services.round_create(hub=None, name=name, actor=request.user)
    services.round_queue(match_round=match_round, actor=request.user)
    return redirect("matching:round", pk=match_round.pk)


@require_roles(*HUB_READERS)
def hub_rounds(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _hub(request, pk)
    membership = request.membership  # type: ignore[attr-defined]
    priorities = services.hub_priority_sectors(hub)
    return TemplateResponse(
        request,
        "matching/hub.html",
        {
            "hub": hub,
            "rounds": queries.with_round_counts(queries.rounds_for(membership).filter(hub=hub)),
            "unmatched": queries.requests_without_match(membership, timezone.localdate(), hub),
            "priorities": [f"{s}: {sections().get(s, '')}" for s in priorities],
            "can_manage": can_manage_hub(membership, hub),
            "page_title": f"Matching for {hub.name}",
        },
    )


@require_roles(*HUB_READERS)
def hub_priorities(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _hub(request, pk, manage=True)
    current = services.hub_priority_sectors(hub)
    form = PrioritiesForm(request.POST or None, initial={"sectors": current})
    if request.method == "POST" and form.is_valid():
        services.priorities_set(hub=hub, sectors=form.cleaned_data["sectors"], actor=request.user)
        messages.success(request, "Priority sectors saved.")
        return redirect("matching:hub", pk=hub.pk)
    figures, not_covered = lmi.hub_figures(hub, current)
    return TemplateResponse(
        request,
        "matching/priorities.html",
        {
            "hub": hub,
            "form": form,
            "figures": figures,
            "not_covered": not_covered,
            "year": lmi.YEAR,
            "page_title": "Priority sectors",
        },
    )


@require_POST
@require_roles(*HUB_READERS)
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _hub(request, pk, manage=True)
    name = f"Round of {datetime.date.today():%d %B %Y}"
    match_round = services.round_create(hub=hub, name=name, actor=request.user)
    services.round_queue(match_round=match_round, actor=request.user)
    return redirect("matching:round", pk=match_round.pk)


def _page_of(request: HttpRequest, rows: QuerySet[Any], field: str, values: list[str]) -> tuple[Page[Any], str]:
    """A page of the round's rows (`ROUND_PAGE_SIZE`), only those whose `field` is the value of
    the query parameter of that name when it is one of `values`; and that value ("" for all)."""
    chosen = request.GET.get(field, "")
    if chosen in values:
        rows = rows.filter(**{field: chosen})
    else:
        chosen = ""
    return Paginator(rows, ROUND_PAGE_SIZE).get_page(request.GET.get("page")), chosen


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = get_object_or_404(queries.rounds_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    matches = (
        match_round.matches.select_related("request__institution", "offer__employer")
        .prefetch_related("offer__employer__compliance_facts")
        .order_by("status", "-score", "pk")
    )
    page, status = _page_of(request, matches, "status", MatchStatus.values)
    return TemplateResponse(
        request,
        "matching/round.html",
        {
            "round": match_round,
            "page": page,
            "pagination": pagination_params(request, page),
            "status": status,
            "status_counts": queries.match_counts_by_status(match_round),
            "unmatched": queries.unmatched_by_reason(match_round),
            "can_manage": _can_manage_round(request, match_round),
            "page_title": str(match_round),
        },
    )


@require_GET
def round_unmatched(request: HttpRequest, pk: int) -> HttpResponse:
    """The requests a round left without a match, and why, optionally for one reason."""
    match_round = get_object_or_404(queries.rounds_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    rows = match_round.unmatched.select_related("request__institution")
    page, reason = _page_of(request, rows, "reason", UnmatchedReason.values)
    return TemplateResponse(
        request,
        "matching/unmatched.html",
        {
            "round": match_round,
            "page": page,
            "pagination": pagination_params(request, page),
            "reason": UnmatchedReason(reason) if reason else None,
            "page_title": f"Requests not matched: {match_round}",
        },
    )


ROUND_CSV_HEADER = [
    "School or college",
    "URN",
    "Request",
    "Year group",
    "Learners",
    "Window from",
    "Window to",
    "Result",
    "Employer",
    "Offer",
    "In person or virtual",
    "Travel (km)",
    "Score",
    "Employer's reply",
    "School's reply",
    "Why not matched",
]


def _request_cells(r: SchoolRequest) -> list[object]:
    """The round CSV's first seven columns: the school and its request."""
    return [
        r.institution.name,
        r.institution.urn,
        r.get_kind_display(),
        r.get_year_group_display(),
        r.learners,
        r.window_start.isoformat(),
        r.window_end.isoformat(),
    ]


@require_GET
def round_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The round as a spreadsheet: one row per match (any status), then one per request it left
    unmatched, with why. School-level data only, no learners."""
    match_round = get_object_or_404(queries.rounds_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    matches = match_round.matches.select_related("request__institution", "offer__employer").order_by(
        "request__institution__name", "pk"
    )
    rows: list[list[object]] = []
    for m in matches:
        rows.append(
            [
                *_request_cells(m.request),
                m.get_status_display(),
                m.offer.employer.name,
                m.offer.title,
                m.offer.get_delivery_display(),
                m.terms.get("travel", 0),
                m.score,
                m.get_employer_response_display(),
                m.get_school_response_display(),
                "",
            ]
        )
    for why in match_round.unmatched.select_related("request__institution"):
        explanation = why.explanation() + ("" if why.still_applies else " (The request has changed since.)")
        rows.append([*_request_cells(why.request), "Not matched", *[""] * 7, explanation])
    name = slugify(match_round.name) or "round"
    return csv_response(f"matching-round-{match_round.pk}-{name}.csv", ROUND_CSV_HEADER, rows)


@require_POST
def round_solve(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = get_object_or_404(queries.rounds_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    if not _can_manage_round(request, match_round):
        raise PermissionDenied
    try:
        services.round_queue(match_round=match_round, actor=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
        return redirect("matching:round", pk=match_round.pk)
    messages.success(
        request, "The round is being solved again in the background. Confirmed and pinned matches will be kept."
    )
    return redirect("matching:round", pk=match_round.pk)


@require_POST
def match_review(request: HttpRequest, pk: int) -> HttpResponse:
    rounds = queries.rounds_for(request.membership)  # type: ignore[attr-defined]
    match_round = get_object_or_404(rounds, matches__pk=pk)
    if not _can_manage_round(request, match_round):
        raise PermissionDenied
    match = get_object_or_404(match_round.matches, pk=pk)
    try:
        services.match_review(match=match, action=request.POST.get("action", ""), actor=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
    return redirect(_round_url(match_round, request.POST.get("status", ""), request.POST.get("page", "")))


def _round_url(match_round: MatchRound, status: str, page: str) -> str:
    """The round page, on the filter and page a review was made from (only values it knows)."""
    query = {}
    if status in MatchStatus.values:
        query["status"] = status
    if page.isdigit() and int(page) > 1:
        query["page"] = page
    url = reverse("matching:round", args=[match_round.pk])
    return f"{url}?{urlencode(query)}#matches" if query else url


@require_roles(Role.EMPLOYER_CONTACT, Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def responses(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "matching/responses.html",
        {
            "matches": queries.matches_to_answer(membership).order_by("pk"),
            "side": "employer" if membership.organisation.kind == OrganisationKind.EMPLOYER else "school",
            "can_reply": membership.role in (Role.EMPLOYER_CONTACT, Role.CAREERS_LEADER),
            "page_title": "Matches waiting for your reply",
        },
    )


@require_POST
@require_roles(Role.EMPLOYER_CONTACT, Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    match = get_object_or_404(queries.matches_to_answer(membership), pk=pk)
    if membership.role == Role.SENIOR_LEADER:
        raise PermissionDenied
    side = "employer" if membership.organisation.kind == OrganisationKind.EMPLOYER else "school"
    decision = request.POST.get("decision")
    if decision not in {"accept", "decline"}:
        messages.error(request, "Choose accept or decline.")
        return redirect("matching:responses")
    try:
        services.match_respond(match=match, side=side, accept=decision == "accept", actor=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thank you: your reply has been sent to the Careers Hub.")
    return redirect("matching:responses")


def _answerable(request: HttpRequest, pk: int) -> Match:
    return get_object_or_404(queries.matches_to_answer(request.membership), pk=pk)  # type: ignore[attr-defined]


@require_roles(Role.CAREERS_LEADER)
def deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's careers leader records that an accepted match took place, who took part and
    its feedback; this creates the activity in the school's careers records."""
    membership = request.membership  # type: ignore[attr-defined]
    match = _answerable(request, pk)
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        raise PermissionDenied
    if not delivery.can_deliver(match) or hasattr(match, "delivery"):
        messages.error(request, "This encounter cannot be recorded as delivered (not accepted by both, or done).")
        return redirect("matching:responses")
    form = DeliveryForm(request.POST or None, checklist=delivery.checklist_for(match))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = match.request.institution
        on_roll = learners_for(membership).filter(institution=institution, left_on__isnull=True)
        unknown: list[str] = []
        if data["how"] == "upns":
            tokens, invalid = activity_services.parse_identifier_list(data["upns"])
            chosen, missing = activity_services.learners_by_identifiers(institution, tokens)
            unknown = invalid + missing
        elif data["how"] == "registration_group":
            chosen = list(filter_learners(on_roll, {"registration_group": data["registration_group"]}))
        else:
            chosen = list(on_roll.filter(year_group=int(match.request.year_group)))
        if unknown:
            form.add_error("upns", f"{len(unknown)} could not be found on roll: {', '.join(unknown[:20])}")
        else:
            try:
                done = delivery.delivery_record(
                    match=match,
                    delivered_on=data["delivered_on"],
                    learners=chosen,
                    checklist=data["checklist"],
                    met_criteria=data["met_criteria"] == "yes",
                    rating=data["rating"],
                    comment=data["comment"],
                    actor=request.user,
                )
            except delivery.DeliveryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"Recorded: {done.participant_count} learners now have this encounter in their records."
                )
                if done.activity_id:
                    return redirect("activities:detail", pk=done.activity_id)
                return redirect("matching:responses")
    return TemplateResponse(
        request,
        "matching/deliver.html",
        {"form": form, "match": match, "page_title": "Record that the encounter took place"},
    )


@require_roles(Role.EMPLOYER_CONTACT)
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    match = _answerable(request, pk)
    if not hasattr(match, "delivery"):
        messages.error(request, "You can give feedback once the school has recorded the encounter.")
        return redirect("matching:responses")
    form = EmployerFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery.employer_feedback(
                match=match,
                met_criteria=data["met_criteria"] == "yes",
                would_host_again=data["would_host_again"] == "yes",
                comment=data["comment"],
                actor=request.user,
            )
        except delivery.DeliveryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you for your feedback.")
            return redirect("matching:responses")
    return TemplateResponse(
        request, "matching/feedback.html", {"form": form, "match": match, "page_title": "Feedback on the encounter"}
    )


@require_roles(*HUB_READERS)
def hub_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Delivered encounters and feedback per employer and per offer. Learner counts under 5 are
    withheld."""
    hub = _hub(request, pk)
    deliveries = list(
        queries.deliveries_for(request.membership).filter(  # type: ignore[attr-defined]
            Q(match__round__hub=hub) | Q(match__round__hub__isnull=True, match__offer__employer__hub=hub)
        )
    )
    return TemplateResponse(
        request,
        "matching/hub_feedback.html",
        {
            "hub": hub,
            "by_employer": delivery.summarise(deliveries, by="employer"),
            "by_offer": delivery.summarise(deliveries, by="offer"),
            "small": SMALL_NUMBER,
            "page_title": f"Delivered encounters and feedback: {hub.name}",
        },
    )
