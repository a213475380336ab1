from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from careershub.organisations import services
from careershub.organisations.decorators import organisation_not_required
from careershub.organisations.forms import InviteMemberForm, SwitchMembershipForm
from careershub.organisations.middleware import SESSION_KEY
from careershub.organisations.queries import memberships_of, roles_for, team_of


@organisation_not_required
def switch(request: HttpRequest) -> HttpResponse:
    memberships = memberships_of(request.user)
    form = SwitchMembershipForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        request.session[SESSION_KEY] = membership.pk
        messages.success(request, f"You are now working as {membership.organisation.name}.")
        return redirect("core:home")
    return TemplateResponse(request, "organisations/switch.html", {"form": form, "page_title": "Switch organisation"})


def team(request: HttpRequest) -> HttpResponse:
    """Everyone in the current organisation; its leads add and remove people."""
    organisation = request.organisation  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "organisations/team.html",
        {
            "organisation": organisation,
            "members": team_of(organisation),
            "can_manage": request.membership.is_lead,  # type: ignore[attr-defined]
            "page_title": f"People at {organisation.name}",
        },
    )


def team_invite(request: HttpRequest) -> HttpResponse:
    if not request.membership.is_lead:  # type: ignore[attr-defined]
        raise PermissionDenied
    organisation = request.organisation  # type: ignore[attr-defined]
    form = InviteMemberForm(request.POST or None, roles=roles_for(organisation))
    if request.method == "POST" and form.is_valid():
        membership = services.member_invite(
            organisation=organisation,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            actor=request.user,
            site_url=settings.SITE_URL,
        )
        messages.success(request, f"{membership.user} has been added as {membership.get_role_display().lower()}.")
        return redirect("organisations:team")
    return TemplateResponse(
        request, "organisations/invite.html", {"form": form, "organisation": organisation, "page_title": "Add a person"}
    )


def team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.membership.is_lead:  # type: ignore[attr-defined]
        raise PermissionDenied
    organisation = request.organisation  # type: ignore[attr-defined]
    membership = get_object_or_404(team_of(organisation), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, actor=request.user)
        except services.LastLeadError as exc:
            error = str(exc)
        else:
            messages.success(request, f"{membership.user} no longer has access to {organisation.name}.")
            return redirect("organisations:team")
    return TemplateResponse(
        request,
        "organisations/remove.html",
        {"membership": membership, "organisation": organisation, "error": error, "page_title": "Remove access"},
    )
