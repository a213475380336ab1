"""Who may see activities and guidance meetings: the same people as for learners.

Activities and meetings hold learner-level data (who took part), so only the institution's
careers leaders and senior leaders see them; guidance notes only its careers leaders.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from careershub.activities.models import Activity, GuidanceMeeting
from careershub.learners.queries import LEARNER_ROLES
from careershub.organisations.models import Membership, OrganisationKind, Role


def _institution_member(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.role in LEARNER_ROLES
        and membership.organisation.kind == OrganisationKind.INSTITUTION
    )


def activities_for(membership: Membership | None) -> QuerySet[Activity]:
    if not _institution_member(membership):
        return Activity.objects.none()
    assert membership is not None
    return (
        Activity.objects.filter(institution__organisation=membership.organisation)
        .annotate(participant_count=Count("participations"))
        .order_by("-date", "-id")
    )


def meetings_for(membership: Membership | None) -> QuerySet[GuidanceMeeting]:
    if not _institution_member(membership):
        return GuidanceMeeting.objects.none()
    assert membership is not None
    return GuidanceMeeting.objects.filter(learner__institution__organisation=membership.organisation)


def can_read_guidance_notes(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.CAREERS_LEADER
