"""The published files, for a national admin: check them (a preview of what would change, or every
problem by file, line and field), then load them on confirmation, all or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from careershub.neet import queries, services
from careershub.neet.forms import LoadForm
from careershub.neet.loading import NeetDataError
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role


@require_roles(Role.NATIONAL_ADMIN)
def data(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"page_title": "Published NEET figures", "loads": queries.recent_loads()}
    if request.method == "POST" and request.POST.get("action") == "check":
        try:
            published = services.check_files()
        except NeetDataError as exc:
            context["problems"] = exc.problems
        else:
            context["preview"] = services.preview(published)
            context["form"] = LoadForm(initial={"fingerprint": published.fingerprint})
    elif request.method == "POST":
        form = LoadForm(request.POST)
        if form.is_valid():
            try:
                published = services.check_files()
            except NeetDataError as exc:
                context["problems"] = exc.problems
            else:
                if published.fingerprint != form.cleaned_data["fingerprint"]:
                    context["stale"] = True
                else:
                    outcome = services.load_figures(published=published, actor=request.user)
                    messages.success(request, f"Loaded: {outcome}.")
                    return redirect("neet:data")
        else:
            context["stale"] = True
    return TemplateResponse(request, "neet/data.html", context)
