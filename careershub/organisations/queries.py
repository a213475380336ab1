from __future__ import annotations

from django.db.models import QuerySet

from careershub.organisations.models import ROLE_KIND, Membership, Organisation, Role


def team_of(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.active().select_related("user").order_by("user__full_name", "role")  # type: ignore[attr-defined]


def roles_for(organisation: Organisation) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role if ROLE_KIND[role] == organisation.kind]


def memberships_of(user: object) -> QuerySet[Membership]:
    """A person's own active memberships (the organisations they may switch between)."""
    return Membership.objects.active().with_organisation().of(user)
