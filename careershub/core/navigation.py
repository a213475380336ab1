"""The service navigation, by the current membership's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from careershub.organisations.models import LEAD_ROLES, Membership, OrganisationKind, Role


def _risk_configuration_item(membership: Membership) -> list[tuple[str, str]]:
    """Hub leads and participation officers configure their risk of NEET indicator."""
    if membership.role in {Role.HUB_LEAD, Role.PARTICIPATION_OFFICER}:
        return [("Risk of NEET indicator", reverse("risk:configuration"))]
    return []


def navigation_items(request: HttpRequest) -> list[dict[str, Any]]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    items: list[tuple[str, str]] = [("Home", reverse("core:home"))]
    items.append(("Schools and colleges", reverse("institutions:list")))
    kind = membership.organisation.kind
    if kind == OrganisationKind.INSTITUTION:
        items.append(("Self-evaluation", reverse("evaluations:list")))
    if kind == OrganisationKind.INSTITUTION and membership.role in {Role.CAREERS_LEADER, Role.SENIOR_LEADER}:
        items.append(("Learners", reverse("learners:list")))
        items.append(("Activities", reverse("activities:list")))
        items.append(("Careers Leader training", reverse("training:list")))
        items.append(("Hub funding", reverse("funds:institution")))
        items.append(("Peer review", reverse("reviews:index")))
        items.append(("Careers programme", reverse("programmes:list")))
    if kind == OrganisationKind.INSTITUTION and membership.role in {Role.CAREERS_LEADER, Role.SENIOR_LEADER}:
        items.append(("Employer encounters", reverse("employers:requests")))
        items.append(("Risk of NEET", reverse("risk:list")))
    items.extend(_risk_configuration_item(membership))
    if kind == OrganisationKind.EMPLOYER:
        items.append(("Offers", reverse("employers:offers")))
        items.append(("Matches", reverse("matching:responses")))
        items.append(("Events", reverse("events:list")))
    if kind in {OrganisationKind.NATIONAL, OrganisationKind.HUB}:
        items.append(("Hubs", reverse("hubs:list")))
        items.append(("Employers", reverse("employers:offers")))
        items.append(("Matching", reverse("matching:index")))
        items.append(("Peer review", reverse("reviews:index")))
        items.append(("Programme templates", reverse("programmes:templates")))
    if kind in {OrganisationKind.NATIONAL, OrganisationKind.HUB, OrganisationKind.INSTITUTION}:
        items.append(("Insight", reverse("insight:index")))
        items.append(("Events", reverse("events:list")))
    items.extend(_destination_items(membership))
    items.extend(_neet_items(kind))
    if membership.role == Role.NATIONAL_ADMIN:
        items.append(("GIAS import", reverse("institutions:gias-import")))
    return _marked(items, request.path)


def organisation_links(request: HttpRequest) -> list[dict[str, Any]]:
    """Links about the organisation one works for (its people, its audit trail, switching to
    another), shown beside its name above the service navigation rather than in it: they are
    used now and then, and every role's service navigation is long enough without them."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    items: list[tuple[str, str]] = [("People", reverse("organisations:team"))]
    if membership.role in LEAD_ROLES:
        items.append(("Audit trail", reverse("audit:list")))
    if Membership.objects.active().of(request.user).count() > 1:
        items.append(("Switch organisation", reverse("organisations:switch")))
    return _marked(items, request.path)


def _marked(items: list[tuple[str, str]], path: str) -> list[dict[str, Any]]:
    result = []
    for text, href in items:
        active = path == href or (href != "/" and path.startswith(href))
        result.append({"href": href, "text": text, "active": active, "current": path == href})
    return result


def _destination_items(membership: Membership) -> list[tuple[str, str]]:
    """Destinations: the leavers list for an institution's leaders, the summary for hubs, the
    national team and local authorities, and imports for participation officers."""
    if membership.role in {Role.CAREERS_LEADER, Role.SENIOR_LEADER}:
        return [("Destinations", reverse("destinations:leavers"))]
    items = []
    if membership.organisation.kind in {
        OrganisationKind.NATIONAL,
        OrganisationKind.HUB,
        OrganisationKind.LOCAL_AUTHORITY,
    }:
        items.append(("Destinations", reverse("destinations:summary")))
    if membership.role == Role.PARTICIPATION_OFFICER:
        items.append(("Destination imports", reverse("destinations:import")))
    return items


def _neet_items(kind: str) -> list[tuple[str, str]]:
    """The area NEET picture (published figures) for national, hub and local-authority staff."""
    if kind in {OrganisationKind.NATIONAL, OrganisationKind.HUB, OrganisationKind.LOCAL_AUTHORITY}:
        return [("NEET and participation", reverse("neet:index"))]
    return []
