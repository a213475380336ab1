"""Hub pages. Hubs are reached only through `hubs_for(membership)`: another hub is a 404.

Hub leads (and national admins) manage membership and coordinator assignments; enterprise
coordinators and national analysts read.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from careershub.hubs import services
from careershub.hubs.forms import AddInstitutionForm, AssignCoordinatorForm, HubCreateForm, RemoveInstitutionForm
from careershub.hubs.models import Hub
from careershub.hubs.queries import can_manage_hub, hub_members, hubs_for
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import OrganisationKind, Role


def _hub_or_404(request: HttpRequest, pk: int) -> Hub:
    return get_object_or_404(hubs_for(request.membership).select_related("organisation"), pk=pk)  # type: ignore[attr-defined]


def _managed_hub_or_404(request: HttpRequest, pk: int) -> Hub:
    hub = _hub_or_404(request, pk)
    if not can_manage_hub(request.membership, hub):  # type: ignore[attr-defined]
        raise PermissionDenied
    return hub


@require_roles(Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST, Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR)
def hub_list(request: HttpRequest) -> HttpResponse:
    hubs = (
        hubs_for(request.membership)  # type: ignore[attr-defined]
        .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        .order_by("name")
    )
    return TemplateResponse(
        request,
        "hubs/list.html",
        {
            "hubs": hubs,
            "can_create": request.membership.role == Role.NATIONAL_ADMIN,  # type: ignore[attr-defined]
            "page_title": "Careers Hubs",
        },
    )


def hub_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _hub_or_404(request, pk)
    members = hub_members(hub)
    return TemplateResponse(
        request,
        "hubs/detail.html",
        {
            "hub": hub,
            "members": members["current"],
            "former_members": members["former"],
            "local_authorities": hub.local_authorities.order_by("name"),
            "can_manage": can_manage_hub(request.membership, hub),  # type: ignore[attr-defined]
            "page_title": hub.name,
        },
    )


def hub_add_institution(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _managed_hub_or_404(request, pk)
    form = AddInstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hub_add_institution(
                hub=hub,
                institution=form.cleaned_data["urn"],
                joined_on=form.cleaned_data["joined_on"],
                actor=request.user,
            )
        except services.HubError as error:
            form.add_error("urn", str(error))
        else:
            messages.success(request, f"{form.cleaned_data['urn'].name} is now a member of {hub.name}.")
            return redirect("hubs:detail", pk=hub.pk)
    return TemplateResponse(
        request, "hubs/add_institution.html", {"hub": hub, "form": form, "page_title": "Add a school or college"}
    )


def hub_remove_institution(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    hub = _managed_hub_or_404(request, pk)
    membership = get_object_or_404(
        hub.memberships.select_related("institution"), pk=membership_pk, left_on__isnull=True
    )
    form = RemoveInstitutionForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.hub_remove_institution(
                membership=membership, left_on=form.cleaned_data["left_on"], actor=request.user
            )
        except services.HubError as error:
            form.add_error("left_on", str(error))
        else:
            messages.success(request, f"{membership.institution.name} has left {hub.name}.")
            return redirect("hubs:detail", pk=hub.pk)
    return TemplateResponse(
        request,
        "hubs/remove_institution.html",
        {"hub": hub, "membership": membership, "form": form, "page_title": "Record that a member left"},
    )


def hub_assign_coordinator(request: HttpRequest, pk: int) -> HttpResponse:
    hub = _managed_hub_or_404(request, pk)
    form = AssignCoordinatorForm(request.POST or None, hub=hub)
    if request.method == "POST" and form.is_valid():
        try:
            services.coordinator_assign(
                hub=hub,
                coordinator=form.cleaned_data["coordinator"].user,
                institution=form.cleaned_data["institution"],
                assigned_on=datetime.date.today(),
                actor=request.user,
            )
        except services.HubError as error:
            form.add_error("coordinator", str(error))
        else:
            messages.success(
                request,
                f"{form.cleaned_data['coordinator'].user} is now the enterprise coordinator for "
                f"{form.cleaned_data['institution'].name}.",
            )
            return redirect("hubs:detail", pk=hub.pk)
    return TemplateResponse(
        request, "hubs/assign_coordinator.html", {"hub": hub, "form": form, "page_title": "Assign a coordinator"}
    )


@require_roles(Role.NATIONAL_ADMIN)
def hub_create(request: HttpRequest) -> HttpResponse:
    assert request.membership.organisation.kind == OrganisationKind.NATIONAL  # type: ignore[attr-defined]
    form = HubCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hub = services.hub_create(
            name=data["name"],
            lead_body=data["lead_body"],
            lead_body_kind=data["lead_body_kind"],
            wave=data["wave"],
            launched_on=data["launched_on"],
            local_authorities=data["local_authorities"],
            actor=request.user,
        )
        messages.success(request, f"{hub.name} has been created.")
        return redirect("hubs:detail", pk=hub.pk)
    return TemplateResponse(request, "hubs/create.html", {"form": form, "page_title": "Add a Careers Hub"})
