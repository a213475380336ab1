"""Activity pages: list, record, see one and add who took part; guidance meetings.

Reached only through `activities_for` / `meetings_for` / `learners_for`: the institution's careers
leaders write, its senior leaders read, everyone else gets 403 (pages) or 404 (an activity or a
meeting). Guidance notes are shown to careers leaders only, and each reading is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from careershub.activities import services
from careershub.activities.forms import ActivityForm, GuidanceMeetingForm, ParticipantsForm
from careershub.activities.models import Activity
from careershub.activities.queries import (
    activities_for,
    can_read_guidance_notes,
    coverage_rules_for,
    meetings_for,
    rule_by_code,
)
from careershub.activities.views_coverage import Gap
from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.core.pagination import pagination_params
from careershub.institutions.models import Institution
from careershub.learners.models import YEAR_GROUPS, Learner
from careershub.learners.queries import can_manage_learners, filter_learners, learners_for
from careershub.learners.views import institution_or_403

PAGE_SIZE = 50


def _manager_or_403(request: HttpRequest) -> None:
    if not can_manage_learners(request.membership):  # type: ignore[attr-defined]
        raise PermissionDenied


@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    activities = activities_for(request.membership)  # type: ignore[attr-defined]
    page: Page[Activity] = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "activities/list.html",
        {
            "institution": institution,
            "page": page,
            "pagination": pagination_params(request, page),
            "can_manage": can_manage_learners(request.membership),  # type: ignore[attr-defined]
            "page_title": "Careers activities",
        },
    )


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    _manager_or_403(request)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = services.activity_create(
            institution=institution,
            actor=request.user,
            activity_type=data["activity_type"],
            title=data["title"],
            date=data["date"],
            provider_name=data["provider_name"],
            provider_kind=data["provider_kind"],
            mode=data["mode"],
            benchmarks=[int(b) for b in data["benchmarks"]],
            checklist=data["checklist"],
            through_curriculum=data["through_curriculum"],
        )
        messages.success(request, f"{activity.title} was recorded. Now add who took part.")
        target = reverse("activities:participants", args=[activity.pk])
        gap = _gap_from(request, institution)
        return redirect(f"{target}?{gap.query()}" if gap else target)
    return TemplateResponse(
        request,
        "activities/create.html",
        {"form": form, "gap": _gap_from(request, institution), "page_title": "Record an activity"},
    )


def _gap_from(request: HttpRequest, institution: Institution) -> Gap | None:
    """The gap list a careers leader is recording an activity for, if any (`Gap.query`)."""
    code = request.GET.get("gap", "")
    rule = rule_by_code(coverage_rules_for(institution, timezone.localdate())[1], code) if code else None
    if rule is None:
        return None
    year = request.GET.get("gap_year", "")
    year_group = int(year) if year.isdigit() and int(year) in YEAR_GROUPS else None
    return Gap(rule, year_group, request.GET.get("gap_this_year") == "1")


@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution_or_403(request)
    activity = get_object_or_404(activities_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    participants = learners_for(request.membership).filter(participations__activity=activity)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "participants": participants,
            "can_manage": can_manage_learners(request.membership),  # type: ignore[attr-defined]
            "page_title": activity.title,
        },
    )


@require_http_methods(["GET", "POST"])
def activity_participants(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_or_403(request)
    activity = get_object_or_404(activities_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    _manager_or_403(request)
    gap = _gap_from(request, institution)
    initial: dict[str, str] = {}
    if gap is not None and request.method == "GET":
        learners = gap.learners(institution, timezone.localdate())
        initial = {"how": "upns", "upns": "\n".join(learner.identifier for learner, _due in learners)}
    form = ParticipantsForm(request.POST or None, initial=initial)
    unknown: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        on_roll = learners_for(request.membership).filter(left_on__isnull=True)  # type: ignore[attr-defined]
        chosen: list[Learner]
        if data["how"] == "upns":
            tokens, invalid = services.parse_identifier_list(data["upns"])
            chosen, missing = services.learners_by_identifiers(institution, tokens)
            unknown = invalid + missing
        elif data["how"] == "year_group":
            chosen = list(on_roll.filter(year_group=data["year_group"]))
        elif data["how"] == "registration_group":
            chosen = list(filter_learners(on_roll, {"registration_group": data["registration_group"]}))
        else:
            chosen = list(filter_learners(on_roll, data))
        result = services.participants_add(activity=activity, learners=chosen, actor=request.user)
        if not unknown:
            messages.success(request, f"{result.added} learners added ({result.already} were already recorded).")
            return redirect("activities:detail", pk=activity.pk)
        form.add_error("upns", f"{len(unknown)} could not be found on roll: {', '.join(unknown[:20])}")
        messages.success(request, f"{result.added} learners added.")
    return TemplateResponse(
        request,
        "activities/participants.html",
        {"activity": activity, "form": form, "gap": gap, "page_title": f"Who took part in {activity.title}"},
    )


@require_http_methods(["GET", "POST"])
def guidance_create(request: HttpRequest, learner_pk: int) -> HttpResponse:
    learner = get_object_or_404(learners_for(request.membership).select_related("institution"), pk=learner_pk)  # type: ignore[attr-defined]
    _manager_or_403(request)
    form = GuidanceMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.guidance_meeting_create(learner=learner, actor=request.user, **form.cleaned_data)
        messages.success(request, "The guidance meeting was recorded.")
        return redirect("learners:detail", pk=learner.pk)
    return TemplateResponse(
        request,
        "activities/guidance_create.html",
        {"learner": learner, "form": form, "page_title": "Record a guidance meeting"},
    )


@require_GET
def guidance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(meetings_for(request.membership).select_related("learner"), pk=pk)  # type: ignore[attr-defined]
    show_notes = can_read_guidance_notes(request.membership)  # type: ignore[attr-defined]
    if show_notes:
        record(
            actor=request.user,
            organisation=request.organisation,  # type: ignore[attr-defined]
            action=AuditAction.VIEW,
            instance=meeting,
            label=f"Guidance notes of learner {meeting.learner.identifier}",
        )
    return TemplateResponse(
        request,
        "activities/guidance_detail.html",
        {"meeting": meeting, "show_notes": show_notes, "page_title": "Guidance meeting"},
    )
