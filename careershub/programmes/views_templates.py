"""Plan templates that a hub shares with its member institutions. The hub lead manages them;
enterprise coordinators and the national team read them. Templates are reached only through
`programmes.queries`: another hub's template is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from careershub.activities.coverage import academic_year
from careershub.hubs.queries import hubs_for
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role
from careershub.programmes import feedback, queries, services
from careershub.programmes.forms import ActivityForm, TemplateForm
from careershub.programmes.models import Audience, PlanTemplate, TemplateActivity, academic_year_label
from careershub.programmes.views import _conflict_form, _version

READERS = tuple(queries.TEMPLATE_READERS)


def _template(request: HttpRequest, pk: int, *, edit: bool = False) -> PlanTemplate:
    membership = request.membership  # type: ignore[attr-defined]
    helper = queries.editable_templates_for if edit else queries.templates_for
    return get_object_or_404(helper(membership), pk=pk)


def _example(template: PlanTemplate, pk: int) -> TemplateActivity:
    return get_object_or_404(queries.template_activities(template), pk=pk)


@require_roles(*READERS)
def template_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    templates = list(queries.templates_for(membership).order_by("hub__name", "title"))
    return TemplateResponse(
        request,
        "programmes/template_list.html",
        {
            "templates": templates,
            "hubs": list(hubs_for(membership).order_by("name")),
            "can_edit": membership.role == Role.HUB_LEAD,
            "page_title": "Programme templates",
        },
    )


@require_roles(Role.HUB_LEAD)
def template_create(request: HttpRequest) -> HttpResponse:
    hub = hubs_for(request.membership).first()  # type: ignore[attr-defined]
    if hub is None:
        return redirect("programmes:templates")
    frameworks = services.current_framework_versions()
    form = TemplateForm(
        request.POST or None, frameworks=frameworks, initial={"framework": frameworks[-1] if frameworks else None}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.template_create(
                hub=hub,
                title=data["title"],
                description=data["description"],
                framework=data["framework"],
                is_shared=data["is_shared"],
                actor=request.user,
            )
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The template “{template.title}” has been created. Add its example activities.")
            return redirect("programmes:template", template.pk)
    return TemplateResponse(
        request,
        "programmes/template_form.html",
        {"form": form, "template": None, "theirs": None, "page_title": "New programme template"},
    )


@require_roles(*READERS)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    examples = list(queries.template_activities(template))
    membership = request.membership  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "programmes/template_detail.html",
        {
            "template": template,
            "examples": examples,
            "can_edit": membership.role == Role.HUB_LEAD,
            "page_title": template.title,
        },
    )


@require_roles(Role.HUB_LEAD)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk, edit=True)
    initial = {
        "title": template.title,
        "description": template.description,
        "is_shared": template.is_shared,
        "version": template.version,
    }
    form = TemplateForm(request.POST or None, initial=initial)
    theirs = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.template_update(
                template=template,
                expected_version=data["version"] or 0,
                actor=request.user,
                title=data["title"],
                description=data["description"],
                is_shared=data["is_shared"],
            )
        except services.Conflict as conflict:
            template.refresh_from_db()
            theirs = conflict.theirs
            form = _conflict_form(form, request, template.version, conflict)
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The template has been updated.")
            return redirect("programmes:template", template.pk)
    return TemplateResponse(
        request,
        "programmes/template_form.html",
        {"form": form, "template": template, "theirs": theirs, "page_title": "Change programme template"},
    )


@require_roles(Role.HUB_LEAD)
def example_add(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk, edit=True)
    form = ActivityForm(request.POST or None, framework=template.framework)
    if request.method == "POST" and form.is_valid():
        try:
            example = services.template_activity_create(template=template, actor=request.user, **form.values())
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"“{example.title}” has been added to the template.")
            return redirect("programmes:template", template.pk)
    return TemplateResponse(
        request,
        "programmes/example_form.html",
        {"form": form, "template": template, "theirs": None, "page_title": "Add an example activity"},
    )


@require_roles(Role.HUB_LEAD)
def example_edit(request: HttpRequest, pk: int, example_pk: int) -> HttpResponse:
    template = _template(request, pk, edit=True)
    example = _example(template, example_pk)
    initial = {name: getattr(example, name) for name in services.ACTIVITY_FIELDS} | {"version": example.version}
    form = ActivityForm(request.POST or None, initial=initial, framework=template.framework)
    theirs = None
    if request.method == "POST" and form.is_valid():
        try:
            services.template_activity_update(
                activity=example,
                expected_version=form.cleaned_data["version"] or 0,
                actor=request.user,
                **form.values(),
            )
        except services.Conflict as conflict:
            example.refresh_from_db()
            theirs = example
            form = _conflict_form(form, request, example.version, conflict, framework=template.framework)
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” has been updated.")
            return redirect("programmes:template", template.pk)
    return TemplateResponse(
        request,
        "programmes/example_form.html",
        {"form": form, "template": template, "theirs": theirs, "page_title": "Change example activity"},
    )


@require_roles(Role.HUB_LEAD)
def example_delete(request: HttpRequest, pk: int, example_pk: int) -> HttpResponse:
    template = _template(request, pk, edit=True)
    example = _example(template, example_pk)
    if request.method == "POST":
        try:
            services.template_activity_delete(
                activity=example, actor=request.user, expected_version=_version(request.POST.get("version"))
            )
        except services.Conflict:
            messages.error(
                request, f"“{example.title}” was changed by someone else after you opened it. Check it first."
            )
            return redirect("programmes:template", template.pk)
        messages.success(request, f"“{example.title}” has been removed from the template.")
        return redirect("programmes:template", template.pk)
    return TemplateResponse(
        request,
        "programmes/confirm_delete.html",
        {
            "thing": example.title,
            "version": example.version,
            "back": reverse("programmes:template", args=[template.pk]),
            "page_title": "Remove example activity",
        },
    )


@require_roles(*READERS)
def hub_programmes(request: HttpRequest, hub_pk: int) -> HttpResponse:
    """Which member institutions have planned and published this year's programme, and what the
    hub's feedback says overall, suppressed (the hub is beyond each school)."""
    hub = get_object_or_404(hubs_for(request.membership), pk=hub_pk)  # type: ignore[attr-defined]
    year = academic_year(timezone.localdate())
    rows = queries.hub_programmes(hub.pk, year)
    answers = queries.hub_feedback_answers(hub.pk, year)
    summaries = [
        feedback.summarise(code, str(label), answers[code], suppress=True, with_comments=False)
        for code, label in Audience.choices
        if answers.get(code)
    ]
    return TemplateResponse(
        request,
        "programmes/hub.html",
        {
            "hub": hub,
            "rows": rows,
            "year_label": academic_year_label(year),
            "planned": sum(1 for r in rows if r.plan),
            "published": sum(1 for r in rows if r.plan and r.plan.is_published),
            "summaries": summaries,
            "page_title": f"Careers programmes in {hub.name}",
        },
    )
