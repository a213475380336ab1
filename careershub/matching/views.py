"""Matching pages. Hub staff (and the national team) read a hub's rounds; hub leads and national
admins run and review them; employers and schools reply to their confirmed matches. Another
hub's round, or another organisation's match, is a 404."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from careershub.employers.sic import section_choices, sections
from careershub.hubs.models import Hub
from careershub.hubs.queries import can_manage_hub, hubs_for
from careershub.matching import queries, services
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import OrganisationKind, Role

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
    hubs = list(hubs_for(request.membership).order_by("name"))  # type: ignore[attr-defined]
    if len(hubs) == 1:
        return redirect("matching:hub", pk=hubs[0].pk)
    return TemplateResponse(request, "matching/index.html", {"hubs": hubs, "page_title": "Employer matching"})


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
            "rounds": queries.rounds_for(membership).filter(hub=hub),
            "priorities": [f"{s}: {sections().get(s, '')}" for s in priorities],
            "can_manage": can_manage_hub(membership, hub),
            "page_title": f"Matching for {hub.name}",
        },
    )


@require_roles(*HUB_READERS)
def hub_priorities(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _hub(request, pk, manage=True)
    form = PrioritiesForm(request.POST or None, initial={"sectors": services.hub_priority_sectors(hub)})
    if request.method == "POST" and form.is_valid():
        services.priorities_set(hub=hub, sectors=form.cleaned_data["sectors"], actor=request.user)
        messages.success(request, "Priority sectors saved.")
        return redirect("matching:hub", pk=hub.pk)
    return TemplateResponse(
        request, "matching/priorities.html", {"hub": hub, "form": form, "page_title": "Priority sectors"}
    )


@require_POST
@require_roles(*HUB_READERS)
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _hub(request, pk, manage=True)
    name = f"Round of {datetime.date.today():%d %B %Y}"
    match_round = services.round_create(hub=hub, name=name, actor=request.user)
    match_round = services.round_solve(match_round=match_round, actor=request.user)
    return redirect("matching:round", pk=match_round.pk)


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = get_object_or_404(queries.rounds_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    matches = match_round.matches.select_related("request__institution", "offer__employer").order_by(
        "status", "-score", "pk"
    )
    return TemplateResponse(
        request,
        "matching/round.html",
        {
            "round": match_round,
            "matches": matches,
            "can_manage": can_manage_hub(request.membership, match_round.hub),  # type: ignore[attr-defined]
            "page_title": str(match_round),
        },
    )


@require_POST
def round_solve(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = get_object_or_404(queries.rounds_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    if not can_manage_hub(request.membership, match_round.hub):  # type: ignore[attr-defined]
        raise PermissionDenied
    services.round_solve(match_round=match_round, actor=request.user)
    messages.success(request, "The round has been solved again. Confirmed and pinned matches were kept.")
    return redirect("matching:round", pk=match_round.pk)


@require_POST
def match_review(request: HttpRequest, pk: int) -> HttpResponse:
    rounds = queries.rounds_for(request.membership)  # type: ignore[attr-defined]
    match_round = get_object_or_404(rounds, matches__pk=pk)
    if not can_manage_hub(request.membership, match_round.hub):  # type: ignore[attr-defined]
        raise PermissionDenied
    match = get_object_or_404(match_round.matches, pk=pk)
    try:
        services.match_review(match=match, action=request.POST.get("action", ""), actor=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
    return redirect("matching:round", pk=match_round.pk)


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
