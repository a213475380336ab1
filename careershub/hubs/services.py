"""Writes on hubs: creating a hub, institutions joining and leaving, coordinator assignments.

Every write is atomic and records an audit event against the hub's organisation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.geography.models import LocalAuthority
from careershub.hubs.models import CoordinatorAssignment, Hub, HubMembership, LeadBodyKind
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind, Role
from careershub.organisations.services import organisation_create


class HubError(ValueError):
    """A hub change that cannot be made, with a message for the user."""


@transaction.atomic
def hub_create(
    *,
    name: str,
    lead_body: str,
    lead_body_kind: LeadBodyKind,
    wave: int,
    launched_on: datetime.date | None = None,
    local_authorities: Iterable[LocalAuthority] = (),
    actor: Any = None,
) -> Hub:
    organisation = organisation_create(name=name, kind=OrganisationKind.HUB, actor=actor)
    hub = Hub.objects.create(
        organisation=organisation,
        name=name,
        lead_body=lead_body,
        lead_body_kind=lead_body_kind,
        wave=wave,
        launched_on=launched_on,
    )
    hub.local_authorities.set(list(local_authorities))
    after = snapshot(hub)
    after["local_authorities"] = sorted(la.dfe_code for la in hub.local_authorities.all())
    record(actor=actor, organisation=organisation, action=AuditAction.CREATE, instance=hub, after=after)
    return hub


@transaction.atomic
def hub_add_institution(
    *, hub: Hub, institution: Institution, joined_on: datetime.date, actor: Any = None
) -> HubMembership:
    """An institution joins a hub. An institution is in at most one hub at a time."""
    Institution.objects.select_for_update().filter(pk=institution.pk).first()  # serialise joins
    current = HubMembership.objects.filter(institution=institution, left_on__isnull=True).select_related("hub").first()
    if current is not None:
        if current.hub_id == hub.pk:
            raise HubError(f"{institution.name} is already a member of {hub.name}.")
        raise HubError(
            f"{institution.name} is a member of {current.hub.name} since {current.joined_on:%d %B %Y}. "
            "It must leave that hub before it can join another."
        )
    last = HubMembership.objects.filter(institution=institution).order_by("-left_on").first()
    if last is not None and last.left_on is not None and joined_on < last.left_on:
        raise HubError(f"{institution.name} left {last.hub} on {last.left_on:%d %B %Y}; it cannot join before that.")
    try:
        with transaction.atomic():
            membership = HubMembership.objects.create(hub=hub, institution=institution, joined_on=joined_on)
    except IntegrityError as exc:  # a concurrent join won the race
        raise HubError(f"{institution.name} has just joined another hub.") from exc
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.CREATE,
        instance=membership,
        label=f"{institution.name} joined {hub.name}",
    )
    return membership


@transaction.atomic
def hub_remove_institution(*, membership: HubMembership, left_on: datetime.date, actor: Any = None) -> HubMembership:
    """An institution leaves its hub. The membership is kept as history."""
    locked = (
        HubMembership.objects.select_for_update(of=("self",)).select_related("hub", "institution").get(pk=membership.pk)
    )
    if locked.left_on is not None:
        raise HubError(f"{locked.institution.name} already left {locked.hub.name} on {locked.left_on:%d %B %Y}.")
    if left_on < locked.joined_on:
        raise HubError(f"The leaving date must be on or after the joining date, {locked.joined_on:%d %B %Y}.")
    before = snapshot(locked, ["left_on"])
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    CoordinatorAssignment.objects.filter(hub=locked.hub, institution=locked.institution, ended_on__isnull=True).update(
        ended_on=left_on
    )
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["left_on"]),
        label=f"{locked.institution.name} left {locked.hub.name}",
    )
    return locked


@transaction.atomic
def coordinator_assign(
    *, hub: Hub, coordinator: Any, institution: Institution, assigned_on: datetime.date, actor: Any = None
) -> CoordinatorAssignment:
    """Make an enterprise coordinator of the hub responsible for one of its member institutions."""
    is_coordinator = (
        Membership.objects.active()
        .filter(user=coordinator, organisation=hub.organisation, role__in=[Role.ENTERPRISE_COORDINATOR, Role.HUB_LEAD])
        .exists()
    )
    if not is_coordinator:
        raise HubError(f"{coordinator} is not an enterprise coordinator of {hub.name}.")
    if not HubMembership.objects.current(assigned_on).filter(hub=hub, institution=institution).exists():
        raise HubError(f"{institution.name} is not a member of {hub.name} on {assigned_on:%d %B %Y}.")
    current = (
        CoordinatorAssignment.objects.select_for_update()
        .filter(hub=hub, institution=institution, ended_on__isnull=True)
        .first()
    )
    if current is not None:
        if current.coordinator_id == coordinator.pk:
            return current
        before = snapshot(current, ["ended_on"])
        current.ended_on = assigned_on
        current.save(update_fields=["ended_on"])
        record(
            actor=actor,
            organisation=hub.organisation,
            action=AuditAction.UPDATE,
            instance=current,
            before=before,
            after=snapshot(current, ["ended_on"]),
        )
    assignment = CoordinatorAssignment.objects.create(
        hub=hub, coordinator=coordinator, institution=institution, assigned_on=assigned_on
    )
    record(actor=actor, organisation=hub.organisation, action=AuditAction.CREATE, instance=assignment)
    return assignment
