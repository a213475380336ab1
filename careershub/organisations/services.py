"""Writes on organisations and memberships. Each records an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.core.tasks import send_email
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


class LastLeadError(MembershipError):
    pass


@transaction.atomic
def member_invite(
    *, organisation: Organisation, email: str, full_name: str, role: Role, actor: Any, site_url: str
) -> Membership:
    """Add someone to an organisation by email. A new person gets an account with no usable
    password and an email with a link to set one; an existing account just gains the role."""
    user_model = get_user_model()
    email = email.strip().lower()
    user = user_model.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = user_model.objects.create_user(email=email, password=None, full_name=full_name.strip())
        record(actor=actor, organisation=organisation, action=AuditAction.CREATE, instance=user, after={"email": email})
    membership = member_add(user=user, organisation=organisation, role=role, actor=actor)
    if created:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = site_url.rstrip("/") + reverse("accounts:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
        body = (
            f"Hello {user.get_full_name()},\n\n"
            f"{actor} has added you to Careers Hub Platform as {Role(role).label.lower()} for {organisation.name}.\n"
            f"To choose your password and sign in, open this link:\n\n{link}\n\n"
            "The link works once. If you were not expecting this email, you can ignore it.\n"
        )
    else:
        body = (
            f"Hello {user.get_full_name()},\n\n"
            f"{actor} has added you to {organisation.name} on Careers Hub Platform as {Role(role).label.lower()}.\n"
            f"Sign in as usual and choose 'Switch organisation' to work as {organisation.name}.\n"
        )
    transaction.on_commit(
        lambda: send_email.enqueue(
            subject=f"You have been added to {organisation.name} on Careers Hub Platform",
            body=body,
            recipient_list=[email],
        )
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: Any) -> Membership:
    """End a membership; refuses to remove the organisation's last lead."""
    locked = Membership.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=membership.pk)
    if locked.is_lead:
        other_leads = (
            Membership.objects.active()
            .filter(organisation=locked.organisation, role=locked.role)
            .exclude(pk=locked.pk)
            .exists()
        )
        if not other_leads:
            raise LastLeadError(
                f"{locked.user} is the only {Role(locked.role).label.lower()} of {locked.organisation}. "
                "Add another before removing them."
            )
    return member_end(membership=locked, actor=actor)
