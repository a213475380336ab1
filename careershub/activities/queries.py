"""Who may see activities and guidance meetings: the same people as for learners.

Activities and meetings hold learner-level data (who took part), so only the institution's
careers leaders and senior leaders see them; guidance notes only its careers leaders.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connections
from django.db.models import Count, QuerySet

from careershub.activities import coverage
from careershub.activities.models import CHECKLIST, Activity, Encounter, GuidanceMeeting, Participation
from careershub.institutions.models import Institution
from careershub.learners.models import Learner, SenStatus
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


# Coverage ------------------------------------------------------------------------------------

#: The encounter each benchmark's rules count. An activity counts towards every benchmark it is
#: recorded against (derived from its type, adjustable), as that benchmark's kind of encounter.
BENCHMARK_ENCOUNTERS = {5: Encounter.EMPLOYER, 6: Encounter.WORKPLACE, 7: Encounter.PROVIDER, 8: Encounter.GUIDANCE}
_CHECKLIST_FIELDS = tuple(CHECKLIST)


def _meaningful(encounter: Encounter, flags: dict[str, Any]) -> bool:
    items = [name for name, (_label, encounters) in CHECKLIST.items() if encounter in encounters]
    return bool(items) and all(flags[name] for name in items)


def activity_events(
    day: datetime.date,
    benchmarks: list[Any] | None,
    provider_kind: str,
    flags: dict[str, Any],
    curriculum: bool = False,
) -> list[coverage.Event]:
    """The coverage events of one activity for one participant: one per benchmark it counts towards."""
    events = []
    for benchmark in benchmarks or ():
        encounter = BENCHMARK_ENCOUNTERS.get(int(benchmark))
        if encounter is not None:
            meaningful = encounter == Encounter.GUIDANCE or _meaningful(encounter, flags)
            events.append(coverage.Event(day, str(encounter), provider_kind, meaningful, curriculum))
    return events


def coverage_data(institution: Institution) -> tuple[list[Learner], list[coverage.LearnerFacts]]:
    """The institution's learners on roll and their coverage facts, in four queries whatever the
    numbers: learners, activities, (learner, activity) participations and guidance meetings."""
    return coverage_data_of([institution.pk])


def coverage_data_of(institution_ids: list[int]) -> tuple[list[Learner], list[coverage.LearnerFacts]]:
    """`coverage_data` for several institutions at once (a hub), still in four queries."""
    learners = list(
        Learner.objects.on_roll()
        .filter(institution_id__in=institution_ids)
        .only(
            "pk",
            "institution_id",
            "upn",
            "uln",
            "legal_first_name",
            "legal_last_name",
            "preferred_first_name",
            "preferred_last_name",
            "date_of_birth",
            "year_group",
            "registration_group",
            "disadvantaged",
            "sen_status",
            "looked_after",
            "considering_higher_education",
        )
    )
    events: dict[int, list[coverage.Event]] = {learner.pk: [] for learner in learners}
    # Each activity's events once, then only (learner, activity) pairs: cheaper than joining
    # every participation to its activity.
    per_activity = {
        pk: activity_events(
            day, benchmarks, provider_kind, dict(zip(_CHECKLIST_FIELDS, ticks, strict=True)), curriculum
        )
        for pk, day, benchmarks, provider_kind, curriculum, *ticks in Activity.objects.filter(
            institution_id__in=institution_ids
        ).values_list("pk", "date", "benchmarks", "provider_kind", "through_curriculum", *_CHECKLIST_FIELDS)
    }
    pairs = Participation.objects.filter(
        activity__institution_id__in=institution_ids, learner__left_on__isnull=True
    ).values_list("learner_id", "activity_id")
    # Plain rows from the database cursor: a school has tens of thousands of pairs, and building
    # them through the ORM's row iterator cost more than everything else here.
    sql, params = pairs.query.sql_with_params()
    with connections[pairs.db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(10000):
            for learner_id, activity_id in chunk:
                learner_events = events.get(learner_id)
                if learner_events is not None:
                    learner_events.extend(per_activity.get(activity_id, ()))
    meetings = GuidanceMeeting.objects.filter(
        learner__institution_id__in=institution_ids, learner__left_on__isnull=True
    ).values_list("learner_id", "date")
    for learner_id, day in meetings:
        if learner_id in events:
            events[learner_id].append(coverage.Event(day, str(Encounter.GUIDANCE)))
    facts = [
        coverage.LearnerFacts(
            pk=learner.pk,
            date_of_birth=learner.date_of_birth,
            year_group=learner.year_group,
            disadvantaged=learner.disadvantaged,
            sen=learner.sen_status != SenStatus.NONE,
            looked_after=learner.looked_after,
            events=tuple(events[learner.pk]),
            considering_higher_education=learner.considering_higher_education,
        )
        for learner in learners
    ]
    return learners, facts


def coverage_rules_for(institution: Institution, today: datetime.date) -> tuple[str, tuple[coverage.Rule, ...]]:
    """The framework code whose coverage rules apply to the institution today, and those rules.

    Schools, special schools and colleges each have their own rules file; an institution whose
    framework has none (e.g. the 2014 frameworks, before September 2025) gets the 2024 schools
    rules."""
    from careershub.evaluations.framework_data import NoFrameworkError, framework_for

    try:
        code = framework_for(institution.kind, today).code
        return code, coverage.load_rules(code)
    except (LookupError, NoFrameworkError):
        return DEFAULT_RULES, coverage.load_rules(DEFAULT_RULES)


DEFAULT_RULES = "gatsby-2024-schools"


def gap_list(
    institution: Institution, rule: coverage.Rule, today: datetime.date, year_group: int | None = None
) -> list[tuple[Learner, datetime.date | None]]:
    """Learners on roll who have not yet met `rule` (optionally of one year group), each with the
    date by which they should have (None for a rule of every school year), by year group and name."""
    learners, facts = coverage_data(institution)
    by_pk = {learner.pk: learner for learner in learners}
    gaps = []
    for fact in facts:
        if (year_group is not None and fact.year_group != year_group) or not coverage.applies_to(rule, fact):
            continue
        if not coverage.evaluate(rule, fact, today)[0]:
            deadline = coverage.birthday(fact.date_of_birth, rule.age) if rule.age else None
            gaps.append((by_pk[fact.pk], deadline))
    gaps.sort(key=lambda item: (item[0].year_group, item[0].legal_last_name, item[0].legal_first_name, item[0].pk))
    return gaps


def rule_by_code(rules: tuple[coverage.Rule, ...], code: str) -> coverage.Rule | None:
    return next((rule for rule in rules if rule.code == code), None)


def cohort_for(
    institution: Institution, rules: tuple[coverage.Rule, ...], today: datetime.date
) -> tuple[int, list[dict[str, Any]]]:
    """(learners on roll, `coverage.cohort_figures` for them). Within the institution nothing is
    suppressed: its careers leaders see every learner anyway."""
    _learners, facts = coverage_data(institution)
    return len(facts), coverage.cohort_figures(facts, rules, today)


def hub_coverage(hub_id: int, today: datetime.date) -> list[dict[str, Any]]:
    """Coverage of a hub's current member institutions, for hub and national users: per framework
    of rules, each institution's learners on roll and its `cohort_figures`, and the hub's total,
    with every figure of fewer than `coverage.SUPPRESS_BELOW` learners suppressed. Aggregates
    only: no learner is named. Four queries for the whole hub, plus the institutions."""
    from careershub.hubs.models import HubMembership

    institutions = list(
        Institution.objects.filter(pk__in=HubMembership.objects.current().filter(hub_id=hub_id).values("institution"))
        .only("pk", "name", "kind")
        .order_by("name")
    )
    _learners, facts = coverage_data_of([i.pk for i in institutions])
    learner_institution = {learner.pk: learner.institution_id for learner in _learners}
    by_institution: dict[int, list[coverage.LearnerFacts]] = {}
    for fact in facts:
        by_institution.setdefault(learner_institution[fact.pk], []).append(fact)
    groups: dict[str, dict[str, Any]] = {}
    for institution in institutions:
        mine = by_institution.get(institution.pk, [])
        if not mine:
            continue
        code, rules = coverage_rules_for(institution, today)
        group = groups.setdefault(code, {"code": code, "rules": rules, "rows": [], "facts": []})
        group["rows"].append(
            {
                "institution": institution,
                "learners": len(mine),
                "figures": coverage.cohort_figures(mine, rules, today, suppress=True),
            }
        )
        group["facts"].extend(mine)
    result = []
    for group in groups.values():
        group["total"] = coverage.cohort_figures(group.pop("facts"), group["rules"], today, suppress=True)
        for figures in [group["total"], *(row["figures"] for row in group["rows"])]:
            for figure in figures:
                figure.pop("gap_list")  # learner keys never leave the institution
        result.append(group)
    return result
