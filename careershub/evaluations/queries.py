"""Who may see which evaluations. Views reach evaluations only through these functions.

- An institution's own members see all its evaluations; its careers leaders edit drafts.
- A hub's members see the submitted evaluations of its current member institutions.
- The national team sees submitted evaluations everywhere (read only).
- Anyone else sees none: another organisation's evaluation is a 404.
"""

from __future__ import annotations

from django.db.models import QuerySet

from careershub.evaluations.models import Evaluation, EvaluationStatus
from careershub.hubs.models import HubMembership
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind, Role


def own_institution(membership: Membership) -> Institution | None:
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return None
    return Institution.objects.filter(organisation=membership.organisation).first()


def evaluations_for(membership: Membership) -> QuerySet[Evaluation]:
    evaluations = Evaluation.objects.select_related("institution", "framework", "submitted_by", "started_by")
    kind = membership.organisation.kind
    if kind == OrganisationKind.INSTITUTION:
        return evaluations.filter(institution__organisation=membership.organisation)
    if kind == OrganisationKind.HUB:
        members = HubMembership.objects.filter(hub__organisation=membership.organisation, left_on__isnull=True)
        return evaluations.filter(status=EvaluationStatus.SUBMITTED, institution__in=members.values("institution"))
    if kind == OrganisationKind.NATIONAL:
        return evaluations.filter(status=EvaluationStatus.SUBMITTED)
    return evaluations.none()


def can_edit(membership: Membership, evaluation: Evaluation) -> bool:
    return (
        evaluation.is_draft
        and membership.role == Role.CAREERS_LEADER
        and evaluation.institution.organisation_id == membership.organisation_id
    )
