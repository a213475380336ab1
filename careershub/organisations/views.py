from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from careershub.organisations.decorators import organisation_not_required
from careershub.organisations.forms import SwitchMembershipForm
from careershub.organisations.middleware import SESSION_KEY
from careershub.organisations.models import Membership


@organisation_not_required
def switch(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.active().with_organisation().of(request.user)
    form = SwitchMembershipForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        request.session[SESSION_KEY] = membership.pk
        messages.success(request, f"You are now working as {membership.organisation.name}.")
        return redirect("core:home")
    return TemplateResponse(request, "organisations/switch.html", {"form": form, "page_title": "Switch organisation"})
