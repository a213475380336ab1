"""Sets `request.membership` and `request.organisation` for every signed-in request.

Every view needs a current membership unless it opts out with `organisation_not_required`
(or is public through Django's `login_not_required`). A signed-in user without one sees a
"no access" page (403) rather than any data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from careershub.organisations.models import Membership

SESSION_KEY = "current_membership_id"


def current_membership(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(Membership.objects.active().with_organisation().of(user))
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0]


class CurrentOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.organisation = membership.organisation if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if getattr(view_func, "organisation_not_required", False):
            return None
        if request.user.is_authenticated and request.membership is None:  # type: ignore[attr-defined]
            return TemplateResponse(request, "organisations/no_access.html", status=403)
        return None
