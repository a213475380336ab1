"""Reads of institution data for the directory and profile pages."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from careershub.hubs.models import CoordinatorAssignment, Hub, HubMembership
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind


def directory(
    *,
    text: str = "",
    kind: str = "",
    phase: str = "",
    la_code: str = "",
    hub_id: int | None = None,
    include_closed: bool = False,
) -> QuerySet[Institution]:
    """Institutions matching a search, each annotated with its current hub's id and name."""
    current = HubMembership.objects.filter(institution=OuterRef("pk"), left_on__isnull=True)
    institutions = Institution.objects.search(text).annotate(
        current_hub_id=Subquery(current.values("hub_id")[:1]),
        current_hub_name=Subquery(current.values("hub__name")[:1]),
    )
    if not include_closed:
        institutions = institutions.open()
    if kind:
        institutions = institutions.filter(kind=kind)
    if phase:
        institutions = institutions.filter(phase=phase)
    if la_code:
        institutions = institutions.filter(la_code=la_code)
    if hub_id:
        institutions = institutions.filter(hub_memberships__hub_id=hub_id, hub_memberships__left_on__isnull=True)
    return institutions.order_by("name", "urn")


def phase_choices() -> list[tuple[str, str]]:
    phases = Institution.objects.exclude(phase="").values_list("phase", flat=True).distinct().order_by("phase")
    return [(p, p) for p in phases]


def local_authority_choices() -> list[tuple[str, str]]:
    rows = (
        Institution.objects.exclude(la_code="")
        .values_list("la_code", "la_name")
        .distinct()
        .order_by("la_name", "la_code")
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, f"{name} ({code})" if name else code)
    return sorted(seen.items(), key=lambda item: item[1])


def hub_choices() -> list[tuple[str, str]]:
    """Hub names are public, so every member may filter the directory by hub."""
    return [(str(pk), name) for pk, name in Hub.objects.order_by("name").values_list("pk", "name")]


def can_see_partnership_details(membership: Membership, institution: Institution) -> bool:
    """Hub membership history and coordinator assignments belong to the hub and the institution:
    the national team, the institution itself and a hub it has belonged to may see them."""
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.NATIONAL:
        return True
    if institution.organisation_id is not None and organisation.pk == institution.organisation_id:
        return True
    if organisation.kind == OrganisationKind.HUB:
        return institution.hub_memberships.filter(hub__organisation=organisation).exists()
    return False


def partnership_details(institution: Institution) -> dict[str, Any]:
    memberships = institution.hub_memberships.select_related("hub").order_by("-joined_on")
    assignments = (
        CoordinatorAssignment.objects.filter(institution=institution, ended_on__isnull=True)
        .select_related("coordinator", "hub")
        .order_by("hub__name")
    )
    return {"hub_history": list(memberships), "coordinators": list(assignments)}
