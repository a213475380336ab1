"""Writes on organisations and memberships. Each records an audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.institutions.models import Institution
from careershub.organisations.models import ROLE_KIND, Membership, Organisation, OrganisationKind, Role


class MembershipError(ValueError):
    """A membership that cannot be made, with a message for the user."""


@transaction.atomic
def organisation_create(*, name: str, kind: OrganisationKind, actor: Any = None) -> Organisation:
    organisation = Organisation.objects.create(name=name, kind=kind)
    record(actor=actor, organisation=organisation, action=AuditAction.CREATE, instance=organisation)
    return organisation


@transaction.atomic
def institution_organisation(*, institution: Institution, actor: Any = None) -> Organisation:
    """The organisation through which an institution's staff use the platform, made on first use."""
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if locked.organisation_id is not None:
        assert locked.organisation is not None
        institution.organisation = locked.organisation
        return locked.organisation
    organisation = organisation_create(name=locked.name, kind=OrganisationKind.INSTITUTION, actor=actor)
    before = snapshot(locked, ["organisation"])
    locked.organisation = organisation
    locked.save(update_fields=["organisation"])
    record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["organisation"]),
    )
    institution.organisation = organisation
    return organisation


@transaction.atomic
def member_add(*, user: Any, organisation: Organisation, role: Role, actor: Any = None) -> Membership:
    """Give a user a role in an organisation. The role must fit the organisation's kind."""
    if ROLE_KIND[role] != organisation.kind:
        raise MembershipError(
            f"A {Role(role).label.lower()} must belong to a {OrganisationKind(ROLE_KIND[role]).label.lower()}, "
            f"not a {OrganisationKind(organisation.kind).label.lower()}."
        )
    existing = Membership.objects.active().filter(user=user, organisation=organisation, role=role).first()
    if existing is not None:
        return existing
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    record(actor=actor, organisation=organisation, action=AuditAction.CREATE, instance=membership)
    return membership


@transaction.atomic
def member_end(*, membership: Membership, actor: Any = None) -> Membership:
    before = snapshot(membership, ["ended_at"])
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    record(
        actor=actor,
        organisation=membership.organisation,
        action=AuditAction.UPDATE,
        instance=membership,
        before=before,
        after=snapshot(membership, ["ended_at"]),
    )
    return membership
