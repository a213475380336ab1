"""Who may see learner-level data. Views reach learners and imports only through these functions.

Only the institution's own careers leaders (read and write) and senior leaders (read) see
learners. Everyone else — other institutions, hubs, the national team, employers — sees none:
a learner page is a 404 for them and the learner pages as a whole a 403.
"""

from __future__ import annotations

from django.db.models import QuerySet

from careershub.institutions.models import Institution
from careershub.learners.models import ColumnMapping, Learner, LearnerImport
from careershub.organisations.models import Membership, OrganisationKind, Role

LEARNER_ROLES = frozenset({Role.CAREERS_LEADER, Role.SENIOR_LEADER})


def learner_institution(membership: Membership | None) -> Institution | None:
    """The institution whose learners this membership may see, or None."""
    if membership is None or membership.role not in LEARNER_ROLES:
        return None
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return None
    return Institution.objects.filter(organisation=membership.organisation).first()


def can_manage_learners(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.CAREERS_LEADER


def learners_for(membership: Membership | None) -> QuerySet[Learner]:
    if membership is None or membership.role not in LEARNER_ROLES:
        return Learner.objects.none()
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return Learner.objects.none()
    return Learner.objects.filter(institution__organisation=membership.organisation)


def imports_for(membership: Membership | None) -> QuerySet[LearnerImport]:
    if membership is None or membership.role not in LEARNER_ROLES:
        return LearnerImport.objects.none()
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return LearnerImport.objects.none()
    return LearnerImport.objects.filter(institution__organisation=membership.organisation)


def remembered_mapping(institution: Institution) -> dict[str, str]:
    mapping = ColumnMapping.objects.filter(institution=institution).first()
    return dict(mapping.columns) if mapping else {}


def filter_learners(learners: QuerySet[Learner], criteria: dict[str, object]) -> QuerySet[Learner]:
    """Apply the cleaned `LearnerFilterForm` criteria (also used to choose activity participants)."""
    from django.db.models import Q

    if not criteria.get("include_left"):
        learners = learners.filter(left_on__isnull=True)
    text = " ".join(str(criteria.get("q") or "").split())
    if text:
        condition = Q(upn=text.upper()) | Q(uln=text)
        for word in text.split():
            condition |= (
                Q(legal_last_name__icontains=word)
                | Q(legal_first_name__icontains=word)
                | Q(preferred_first_name__icontains=word)
                | Q(preferred_last_name__icontains=word)
            )
        learners = learners.filter(condition)
    if criteria.get("year_group"):
        learners = learners.filter(year_group=int(str(criteria["year_group"])))
    if criteria.get("registration_group"):
        learners = learners.filter(registration_group__iexact=str(criteria["registration_group"]).strip())
    for flag in ("disadvantaged", "fsm", "looked_after"):
        if criteria.get(flag) in {"yes", "no"}:
            learners = learners.filter(**{flag: criteria[flag] == "yes"})
    if criteria.get("sen_status"):
        learners = learners.filter(sen_status=criteria["sen_status"])
    return learners
