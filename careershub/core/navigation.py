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
    kind = membership.organisation.kind
    if kind == OrganisationKind.INSTITUTION:
        return _marked_sections(institution_items(), request.path)
    if kind in {OrganisationKind.NATIONAL, OrganisationKind.HUB}:
        return _marked_sections(hub_and_national_items(membership), request.path)
    items: list[tuple[str, str]] = [("Home", reverse("core:home"))]
    items.append(("Schools and colleges", reverse("institutions:list")))
    items.extend(_risk_configuration_item(membership))
    if kind == OrganisationKind.EMPLOYER:
        items.append(("Offers", reverse("employers:offers")))
        items.append(("Matches", reverse("matching:responses")))
        items.append(("Events", reverse("events:list")))
    items.extend(_destination_items(membership))
    items.extend(_neet_items(kind))
    return _marked(items, request.path)


#: The pages hub and national staff reach from "NEET and destinations" (the NEET area page links
#: them): leavers' destinations and the risk of NEET indicator.
NEET_AND_DESTINATIONS_PAGES = ("destinations:summary", "risk:configuration")


def hub_and_national_items(membership: Membership) -> list[tuple[str, str, tuple[str, ...]]]:
    """The service navigation of hub staff and the national team, in nine items (ten with the
    national admin's GIAS import): the area NEET picture, leavers' destinations and the risk of
    NEET indicator are one section, "NEET and destinations", whose first page links the others."""
    items: list[tuple[str, str, tuple[str, ...]]] = [
        ("Home", reverse("core:home"), ()),
        ("Schools and colleges", reverse("institutions:list"), ()),
        ("Hubs", reverse("hubs:list"), ()),
        ("Employers", reverse("employers:offers"), ()),
        ("Matching", reverse("matching:index"), ()),
        ("Peer review", reverse("reviews:index"), ()),
        ("Programme templates", reverse("programmes:templates"), ()),
        ("Insight", reverse("insight:index"), ()),
        ("Events", reverse("events:list"), ()),
        (
            "NEET and destinations",
            reverse("neet:index"),
            (_section("neet:index"), *(_section(name) for name in NEET_AND_DESTINATIONS_PAGES)),
        ),
    ]
    if membership.role == Role.NATIONAL_ADMIN:
        items.append(("GIAS import", reverse("institutions:gias-import"), ()))
    return items


def _section(url_name: str) -> str:
    """The first path segment of a named page, as a prefix: "/risk/" for "risk:list"."""
    return "/" + reverse(url_name).strip("/").split("/")[0] + "/"


#: The pages of a school or college's Careers Hub page (`views.careers_hub`): what the hub offers
#: its members, reached from there rather than each from the service navigation.
CAREERS_HUB_PAGES = ("reviews:index", "training:list", "funds:institution", "events:list", "insight:index")


def institution_items() -> list[tuple[str, str, tuple[str, ...]]]:
    """The service navigation of a school or college's careers and senior leaders (the only roles
    of an institution): their own work, in eight items. Each item is (text, page, and the path
    prefixes of the pages it also stands for): the learner-level pages on risk of NEET and
    leavers' destinations under Learners, replies to employer matches under Employer encounters,
    and peer review, training, funding, events and comparisons under Careers Hub."""
    return [
        ("Home", reverse("core:home"), ()),
        ("Self-evaluation", reverse("evaluations:list"), ()),
        ("Careers programme", reverse("programmes:list"), ()),
        ("Learners", reverse("learners:list"), (_section("risk:list"), _section("destinations:leavers"))),
        ("Activities", reverse("activities:list"), ()),
        ("Employer encounters", reverse("employers:requests"), (_section("matching:responses"),)),
        ("Careers Hub", reverse("core:careers-hub"), tuple(_section(name) for name in CAREERS_HUB_PAGES)),
        ("Schools and colleges", reverse("institutions:list"), ()),
    ]


def _marked_sections(items: list[tuple[str, str, tuple[str, ...]]], path: str) -> list[dict[str, Any]]:
    marked = _marked([(text, href) for text, href, _ in items], path)
    for item, (_, _, prefixes) in zip(marked, items, strict=True):
        item["active"] = item["active"] or any(path.startswith(prefix) for prefix in prefixes)
    return marked


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
    """Destinations: the summary for hubs, the national team and local authorities, and imports
    for participation officers (an institution's leaders reach their leavers list from Learners)."""
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
