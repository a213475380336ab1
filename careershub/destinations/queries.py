"""Who may see which destinations. Views reach leavers, learners, imports and institutions only
through these functions.

- Careers leaders (read and write) and senior leaders (read) see their own institution's
  leavers, learner by learner, and its figures unsuppressed.
- A participation officer (local-authority organisation) sees the learner-level destinations of
  the institutions in its own area (the LA tracks them: it sends the imports), and that area's
  figures with small numbers suppressed. Another area's learner is a 404.
- Hub staff see their hub's institutions' figures, the national team every institution's, both
  suppressed. Nobody else sees anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from careershub.destinations.models import ActivityCode, ActivityRecord, DestinationImport, Leaver
from careershub.destinations.rollups import LeaverFacts, kind_of
from careershub.hubs.models import HubMembership
from careershub.institutions.models import Institution
from careershub.learners.models import Learner, SenStatus
from careershub.learners.queries import learner_institution, learners_for
from careershub.organisations.models import Membership, OrganisationKind, Role

INSTITUTION_ROLES = frozenset({Role.CAREERS_LEADER, Role.SENIOR_LEADER})
SUMMARY_ROLES = frozenset(
    {
        Role.CAREERS_LEADER,
        Role.SENIOR_LEADER,
        Role.PARTICIPATION_OFFICER,
        Role.HUB_LEAD,
        Role.ENTERPRISE_COORDINATOR,
        Role.NATIONAL_ADMIN,
        Role.NATIONAL_ANALYST,
    }
)
IMPORT_ROLES = frozenset({Role.CAREERS_LEADER, Role.PARTICIPATION_OFFICER})


def own_institution(membership: Membership | None) -> Institution | None:
    return learner_institution(membership)


def officer_area_id(membership: Membership | None) -> int | None:
    """The local authority a participation officer tracks, or None."""
    if membership is None or membership.role != Role.PARTICIPATION_OFFICER:
        return None
    if membership.organisation.kind != OrganisationKind.LOCAL_AUTHORITY:
        return None
    return membership.organisation.local_authority_id


def destination_learners_for(membership: Membership | None) -> QuerySet[Learner]:
    """Learners whose destinations this membership may see, learner by learner."""
    area = officer_area_id(membership)
    if area is not None:
        return Learner.objects.filter(institution__local_authority_id=area)
    return learners_for(membership)


def can_record(membership: Membership | None) -> bool:
    """Careers leaders record destinations by hand for their own institution."""
    return membership is not None and membership.role == Role.CAREERS_LEADER and own_institution(membership) is not None


def learners_for_recording(membership: Membership | None) -> QuerySet[Learner]:
    """Learners whose destinations this membership may change: a careers leader's own."""
    if not can_record(membership):
        return Learner.objects.none()
    return learners_for(membership)


def leavers_for(membership: Membership | None) -> QuerySet[Leaver]:
    return Leaver.objects.filter(learner__in=destination_learners_for(membership))


def imports_for(membership: Membership | None) -> QuerySet[DestinationImport]:
    if membership is None or membership.role not in IMPORT_ROLES:
        return DestinationImport.objects.none()
    return DestinationImport.objects.filter(organisation=membership.organisation)


def import_learners_for(membership: Membership | None) -> QuerySet[Learner]:
    """The learners an import by this membership may match: its area's, or its institution's."""
    if membership is None or membership.role not in IMPORT_ROLES:
        return Learner.objects.none()
    return destination_learners_for(membership)


def summary_institutions(membership: Membership | None) -> QuerySet[Institution] | None:
    """Institutions whose destination figures this membership sees (None: no summary at all)."""
    if membership is None or membership.role not in SUMMARY_ROLES:
        return None
    if membership.role in INSTITUTION_ROLES:
        institution = own_institution(membership)
        return Institution.objects.filter(pk=institution.pk if institution else 0)
    area = officer_area_id(membership)
    if membership.role == Role.PARTICIPATION_OFFICER:
        return Institution.objects.filter(local_authority_id=area or 0)
    if membership.organisation.kind == OrganisationKind.NATIONAL:
        return Institution.objects.all()
    if membership.organisation.kind == OrganisationKind.HUB:
        current = HubMembership.objects.current().filter(hub__organisation=membership.organisation)
        return Institution.objects.filter(pk__in=current.values("institution_id"))
    return None


def suppress_for(membership: Membership) -> bool:
    """Whether figures are suppressed: for everyone but the institution's own leaders."""
    return membership.role not in INSTITUTION_ROLES


def leaving_years(leavers: QuerySet[Leaver]) -> list[int]:
    return sorted(set(leavers.values_list("leaving_year", flat=True)), reverse=True)


def leaver_facts(
    institutions: QuerySet[Institution] | Iterable[int], *, leaving_year: int | None = None, stage: str | None = None
) -> list[LeaverFacts]:
    """The roll-up input for the leavers of these institutions: two queries, whatever their number."""
    leavers = Leaver.objects.filter(learner__institution__in=institutions)
    if leaving_year is not None:
        leavers = leavers.filter(leaving_year=leaving_year)
    if stage:
        leavers = leavers.filter(stage=stage)
    groups = dict(ActivityCode.objects.values_list("code", "group"))  # public-reference-data
    activities: dict[int, list[tuple[datetime.date, str]]] = {}
    for leaver_id, recorded_on, code in ActivityRecord.objects.filter(leaver__in=leavers).values_list(
        "leaver_id", "recorded_on", "code_id"
    ):
        activities.setdefault(leaver_id, []).append((recorded_on, kind_of(code, groups[code])))
    rows = leavers.values_list(
        "id",
        "learner__institution_id",
        "leaving_year",
        "stage",
        "learner__disadvantaged",
        "learner__sen_status",
        "learner__looked_after",
        "september_guarantee",
    )
    return [
        LeaverFacts(
            leaver_id=pk,
            institution_id=institution_id,
            leaving_year=year,
            stage=stage_value,
            disadvantaged=disadvantaged,
            sen=sen_status != SenStatus.NONE,
            looked_after=looked_after,
            activities=tuple(activities.get(pk, ())),
            september_guarantee=offer,
        )
        for pk, institution_id, year, stage_value, disadvantaged, sen_status, looked_after, offer in rows
    ]


def filter_leavers(
    leavers: QuerySet[Leaver], *, leaving_year: int | None, stage: str | None, q: str
) -> QuerySet[Leaver]:
    if leaving_year:
        leavers = leavers.filter(leaving_year=leaving_year)
    if stage:
        leavers = leavers.filter(stage=stage)
    text = " ".join(q.split())
    if text:
        condition = Q(learner__upn=text.upper()) | Q(learner__uln=text)
        for word in text.split():
            condition |= Q(learner__legal_last_name__icontains=word) | Q(learner__preferred_last_name__icontains=word)
            condition |= Q(learner__legal_first_name__icontains=word) | Q(learner__preferred_first_name__icontains=word)
        leavers = leavers.filter(condition)
    return leavers


def activities_prefetch() -> Prefetch:
    """Each leaver's activities, newest first, with their codes."""
    return Prefetch(
        "activities",
        queryset=ActivityRecord.objects.select_related("code", "created_by").order_by("-recorded_on", "-id"),
    )


def leaver_records(learner: Learner) -> QuerySet[Leaver]:
    """A learner's leaver records (the learner already reached through a scoped query)."""
    return (
        Leaver.objects.filter(learner=learner).select_related("intended_code").prefetch_related(activities_prefetch())
    )


def recordable_leavers(membership: Membership | None) -> QuerySet[Leaver]:
    return Leaver.objects.filter(learner__in=learners_for_recording(membership))


def recordable_activities(membership: Membership | None) -> QuerySet[ActivityRecord]:
    return ActivityRecord.objects.filter(leaver__learner__in=learners_for_recording(membership))


def summary_leaving_years(institutions: QuerySet[Institution]) -> list[int]:
    return leaving_years(Leaver.objects.filter(learner__institution__in=institutions))
