"""Careers programme pages for an institution's careers leaders (who change the plan) and senior
leaders (who read it). Plans are reached only through `programmes.queries`: another
organisation's plan is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from careershub.evaluations.queries import own_institution
from careershub.funds.money import format_pence
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role
from careershub.programmes import feedback, queries, services
from careershub.programmes.forms import (
    ActivityForm,
    CopyForm,
    FeedbackLinkForm,
    PlanCreateForm,
    PublishForm,
    default_years,
)
from careershub.programmes.models import Audience, Plan, PlannedActivity
from careershub.reviews.queries import open_actions_of

READERS = (Role.CAREERS_LEADER, Role.SENIOR_LEADER)


def _plan(request: HttpRequest, pk: int, *, edit: bool = False) -> Plan:
    membership = request.membership  # type: ignore[attr-defined]
    helper = queries.editable_plans_for if edit else queries.plans_for
    return get_object_or_404(helper(membership), pk=pk)


def _activity(plan: Plan, pk: int) -> PlannedActivity:
    return get_object_or_404(queries.planned_activities(plan), pk=pk)


def _conflict_form(form: Any, request: HttpRequest, version: int, error: services.Conflict, **kwargs: Any) -> Any:
    """The form again with what the person typed, now based on the saved version, and the error."""
    data = request.POST.copy()
    data["version"] = str(version)
    again = type(form)(data, **kwargs)
    again.is_valid()
    who = f" ({error.by})" if error.by else ""
    again.add_error(
        None,
        f"Someone else{who} changed this after you opened it. Their saved version is shown beside the form; "
        "your changes are still in the form. Save again to replace their version with yours.",
    )
    return again


def _version(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_roles(*READERS)
def plan_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    institution = own_institution(membership)
    plans = list(queries.plans_for(membership).order_by("-academic_year"))
    existing = {p.academic_year for p in plans}
    years = [y for y in default_years(timezone.localdate()) if y not in existing]
    can_edit = membership.role == Role.CAREERS_LEADER
    form = PlanCreateForm(years=years) if can_edit and years else None
    return TemplateResponse(
        request,
        "programmes/plan_list.html",
        {
            "institution": institution,
            "plans": plans,
            "form": form,
            "can_edit": can_edit,
            "page_title": "Careers programme",
        },
    )


@require_roles(Role.CAREERS_LEADER)
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    institution = own_institution(membership)
    if institution is None:
        return redirect("programmes:list")
    existing = set(queries.plans_for(membership).values_list("academic_year", flat=True))
    form = PlanCreateForm(request.POST, years=[y for y in default_years(timezone.localdate()) if y not in existing])
    if form.is_valid():
        try:
            plan = services.plan_create(
                institution=institution, academic_year=form.cleaned_data["academic_year"], actor=request.user
            )
        except services.ProgrammeError as error:
            messages.error(request, str(error))
            return redirect("programmes:list")
        messages.success(request, f"Your careers programme plan for {plan.year_label} has been started.")
        return redirect("programmes:plan", plan.pk)
    messages.error(request, "Choose the academic year")
    return redirect("programmes:list")


@require_roles(*READERS)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    activities = list(queries.planned_activities(plan))
    rows = queries.coverage(plan.framework.spec(), activities)
    uncovered = sum(len(b.uncovered) for b in rows)
    total = sum(len(b.criteria) for b in rows)
    return TemplateResponse(
        request,
        "programmes/plan_detail.html",
        {
            "plan": plan,
            "activities": activities,
            "uncovered": uncovered,
            "criteria_total": total,
            "total_budget": format_pence(sum(a.budget_pence for a in activities)),
            "year_names": {y.code: y.label for y in plan.framework.spec().year_groups},
            "can_edit": request.membership.role == Role.CAREERS_LEADER,  # type: ignore[attr-defined]
            "public_url": request.build_absolute_uri(reverse("programmes:public", args=[plan.public_token])),
            # Open actions agreed at the institution's completed peer reviews carry into its programme.
            "review_actions": list(open_actions_of(plan.institution)),
            "today": timezone.localdate(),
            "page_title": f"Careers programme {plan.year_label}",
        },
    )


@require_roles(*READERS)
def plan_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    rows = queries.coverage(plan.framework.spec(), list(queries.planned_activities(plan)))
    return TemplateResponse(
        request,
        "programmes/coverage.html",
        {
            "plan": plan,
            "rows": rows,
            "uncovered": sum(len(b.uncovered) for b in rows),
            "page_title": f"Plan by benchmark {plan.year_label}",
        },
    )


@require_roles(Role.CAREERS_LEADER)
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    kwargs: dict[str, Any] = {"framework": plan.framework, "with_publish": True}
    form = ActivityForm(request.POST or None, initial={"is_published": True}, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.planned_activity_create(plan=plan, actor=request.user, **form.values())
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"“{activity.title}” has been added to the plan.")
            return redirect("programmes:plan", plan.pk)
    return TemplateResponse(
        request,
        "programmes/activity_form.html",
        {"form": form, "plan": plan, "activity": None, "theirs": None, "page_title": "Add a planned activity"},
    )


@require_roles(Role.CAREERS_LEADER)
def activity_edit(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    activity = _activity(plan, activity_pk)
    kwargs: dict[str, Any] = {"framework": plan.framework, "with_publish": True}
    initial = {name: getattr(activity, name) for name in services.PLANNED_FIELDS} | {"version": activity.version}
    form = ActivityForm(request.POST or None, initial=initial, **kwargs)
    theirs = None
    if request.method == "POST" and form.is_valid():
        try:
            services.planned_activity_update(
                activity=activity,
                expected_version=form.cleaned_data["version"] or 0,
                actor=request.user,
                **form.values(),
            )
        except services.Conflict as conflict:
            activity.refresh_from_db()
            theirs = activity
            form = _conflict_form(form, request, activity.version, conflict, **kwargs)
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” has been updated.")
            return redirect("programmes:plan", plan.pk)
    return TemplateResponse(
        request,
        "programmes/activity_form.html",
        {"form": form, "plan": plan, "activity": activity, "theirs": theirs, "page_title": "Change planned activity"},
    )


@require_roles(Role.CAREERS_LEADER)
def activity_delete(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    activity = _activity(plan, activity_pk)
    if request.method == "POST":
        try:
            services.planned_activity_delete(
                activity=activity, actor=request.user, expected_version=_version(request.POST.get("version"))
            )
        except services.Conflict:
            messages.error(
                request, f"“{activity.title}” was changed by someone else after you opened it. Check it first."
            )
            return redirect("programmes:plan", plan.pk)
        messages.success(request, f"“{activity.title}” has been removed from the plan.")
        return redirect("programmes:plan", plan.pk)
    return TemplateResponse(
        request,
        "programmes/confirm_delete.html",
        {
            "thing": activity.title,
            "version": activity.version,
            "back": reverse("programmes:plan", args=[plan.pk]),
            "page_title": "Remove planned activity",
        },
    )


@require_roles(Role.CAREERS_LEADER)
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    activities = list(queries.planned_activities(plan))
    kwargs = {"activity_choices": [(a.pk, a.title) for a in activities]}
    shown = [
        name
        for name in ("show_outcomes", "show_timing", "show_benchmarks", "show_owner", "show_budget", "show_feedback")
        if getattr(plan, name)
    ]
    initial = {
        "is_published": plan.is_published,
        "introduction": plan.introduction,
        "fields_shown": shown,
        "activities": [a.pk for a in activities if a.is_published],
        "version": plan.version,
    }
    form = PublishForm(request.POST or None, initial=initial, **kwargs)
    theirs = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["fields_shown"])
        try:
            services.plan_publish_settings(
                plan=plan,
                expected_version=data["version"],
                actor=request.user,
                introduction=data["introduction"],
                is_published=data["is_published"],
                published_ids={int(v) for v in data["activities"]},
                shown_ids=form.shown_ids(),
                **{name: name in chosen for name, _label in form.fields["fields_shown"].choices},  # type: ignore[attr-defined]
            )
        except services.Conflict as conflict:
            plan.refresh_from_db()
            theirs = conflict.theirs
            form = _conflict_form(form, request, plan.version, conflict, **kwargs)
        else:
            messages.success(
                request,
                "Your plan is published." if data["is_published"] else "Your publishing choices have been saved.",
            )
            return redirect("programmes:plan", plan.pk)
    return TemplateResponse(
        request,
        "programmes/publish.html",
        {
            "form": form,
            "plan": plan,
            "theirs": theirs,
            "public_url": request.build_absolute_uri(reverse("programmes:public", args=[plan.public_token])),
            "page_title": "Publish your plan",
        },
    )


@require_roles(Role.CAREERS_LEADER)
@require_POST
def plan_new_address(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    services.plan_new_address(plan=plan, actor=request.user)
    messages.success(request, "The published page has a new address. The old one no longer works.")
    return redirect("programmes:publish", plan.pk)


@require_roles(*READERS)
def plan_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    result = queries.delivery(request.membership, plan, timezone.localdate())  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "programmes/delivery.html",
        {
            "plan": plan,
            "delivery": result,
            "statuses": list(queries.STATUS_TAGS),
            "page_title": f"Plan against delivery {plan.year_label}",
        },
    )


@require_roles(*READERS)
def plan_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    membership = request.membership  # type: ignore[attr-defined]
    is_leader = membership.role == Role.CAREERS_LEADER
    answers = queries.feedback_answers(plan)
    summaries = [
        feedback.summarise(code, str(label), answers.get(code, []), suppress=False, with_comments=is_leader)
        for code, label in Audience.choices
        if answers.get(code)
    ]
    links = list(queries.feedback_links(plan))
    return TemplateResponse(
        request,
        "programmes/feedback.html",
        {
            "plan": plan,
            "links": [
                (link, request.build_absolute_uri(reverse("programmes:feedback-form", args=[link.token])))
                for link in links
            ],
            "summaries": summaries,
            "form": FeedbackLinkForm() if is_leader else None,
            "can_edit": is_leader,
            "page_title": f"Feedback on your careers programme {plan.year_label}",
        },
    )


@require_roles(Role.CAREERS_LEADER)
@require_POST
def feedback_link_open(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    form = FeedbackLinkForm(request.POST)
    if form.is_valid():
        link = services.feedback_link_open(plan=plan, audience=form.cleaned_data["audience"], actor=request.user)
        messages.success(request, f"The feedback link for {link.get_audience_display().lower()} is open.")
    else:
        messages.error(request, "Choose who the feedback is from")
    return redirect("programmes:feedback", plan.pk)


@require_roles(Role.CAREERS_LEADER)
@require_POST
def feedback_link_close(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    link = get_object_or_404(queries.feedback_links(plan), pk=link_pk)
    services.feedback_link_close(link=link, actor=request.user)
    messages.success(request, f"The feedback link for {link.get_audience_display().lower()} is closed.")
    return redirect("programmes:feedback", plan.pk)


@require_roles(*READERS)
def template_choose(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    templates = list(queries.templates_for(request.membership).order_by("title"))  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "programmes/template_choose.html",
        {"plan": plan, "templates": templates, "page_title": "Start from a hub template"},
    )


@require_roles(Role.CAREERS_LEADER)
def template_copy(request: HttpRequest, pk: int, template_pk: int) -> HttpResponse:
    plan = _plan(request, pk, edit=True)
    template = get_object_or_404(queries.templates_for(request.membership), pk=template_pk)  # type: ignore[attr-defined]
    examples = list(queries.template_activities(template))
    form = CopyForm(
        request.POST or None,
        initial={"activities": [a.pk for a in examples]},
        activity_choices=[(a.pk, a.title) for a in examples],
    )
    if request.method == "POST" and form.is_valid():
        chosen = {int(v) for v in form.cleaned_data["activities"]}
        try:
            result = services.copy_from_template(
                plan=plan, template=template, activities=[a for a in examples if a.pk in chosen], actor=request.user
            )
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            text = f"{len(result.copied)} activities copied from “{template.title}”."
            if result.dropped_criteria or result.dropped_year_groups:
                text += " Some criteria or year groups are not in your framework and were left out: check them."
            messages.success(request, text)
            return redirect("programmes:plan", plan.pk)
    return TemplateResponse(
        request,
        "programmes/template_copy.html",
        {"plan": plan, "template": template, "examples": examples, "form": form, "page_title": template.title},
    )
