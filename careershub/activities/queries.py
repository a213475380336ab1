"""Who may see activities and guidance meetings: the same people as for learners.

Activities and meetings hold learner-level data (who took part), so only the institution's
careers leaders and senior leaders see them; guidance notes only its careers leaders.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import Count, QuerySet

from careershub.activities import coverage, coverage_arrays
from careershub.activities.models import (
    CHECKLIST,
    Activity,
    ActivityImport,
    Encounter,
    GuidanceMeeting,
    Participation,
)
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


def activity_imports_for(membership: Membership | None) -> QuerySet[ActivityImport]:
    """Imports of activity records: the institution's careers leaders only (they record activities)."""
    if not _institution_member(membership):
        return ActivityImport.objects.none()
    assert membership is not None
    if membership.role != Role.CAREERS_LEADER:
        return ActivityImport.objects.none()
    return ActivityImport.objects.filter(institution__organisation=membership.organisation)


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
            "planned_end_date",
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
            planned_end_date=learner.planned_end_date,
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
    institution: Institution,
    rule: coverage.Rule,
    today: datetime.date,
    year_group: int | None = None,
    *,
    this_year: bool = False,
) -> list[tuple[Learner, datetime.date | None]]:
    """Learners on roll who have not yet met `rule` (optionally of one year group; with
    `this_year`, only those who still have to and can before this school year ends:
    `coverage.to_do_this_year`), each with the date by which they should have (None for a rule of
    every school year), by year group and name."""
    learners, facts = coverage_data(institution)
    by_pk = {learner.pk: learner for learner in learners}
    gaps = []
    for fact in facts:
        if (year_group is not None and fact.year_group != year_group) or not coverage.applies_to(rule, fact):
            continue
        if this_year and not coverage.to_do_this_year(rule, fact, today):
            continue
        if not coverage.evaluate(rule, fact, today)[0]:
            deadline = coverage.birthday(fact.date_of_birth, rule.age) if rule.age else None
            gaps.append((by_pk[fact.pk], deadline))
    gaps.sort(key=lambda item: (item[0].year_group, item[0].legal_last_name, item[0].legal_first_name, item[0].pk))
    return gaps


def to_do_this_year(institution: Institution, today: datetime.date) -> tuple[int, list[tuple[coverage.Rule, int]]]:
    """(learners on roll, per coverage rule of the institution's framework how many of them still
    have to meet it before this school year ends: `coverage.to_do_this_year`), for the careers
    leader's home page."""
    _framework_code, rules = coverage_rules_for(institution, today)
    _learners, facts = coverage_data(institution)
    return len(facts), [
        (rule, sum(1 for f in facts if coverage.applies_to(rule, f) and coverage.to_do_this_year(rule, f, today)))
        for rule in rules
    ]


def rule_by_code(rules: tuple[coverage.Rule, ...], code: str) -> coverage.Rule | None:
    return next((rule for rule in rules if rule.code == code), None)


def cohort_for(
    institution: Institution, rules: tuple[coverage.Rule, ...], today: datetime.date
) -> tuple[int, list[dict[str, Any]]]:
    """(learners on roll, `coverage.cohort_figures` for them). Within the institution nothing is
    suppressed: its careers leaders see every learner anyway."""
    _learners, facts = coverage_data(institution)
    return len(facts), coverage.cohort_figures(facts, rules, today)


def _rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A values_list queryset's rows straight from the database cursor (no ORM row building)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _participation_pairs(institution_ids: list[int]) -> tuple[coverage_arrays.IntArray, coverage_arrays.IntArray]:
    """(learner ids, activity ids) of every participation in the institutions' activities. On
    PostgreSQL one binary value read straight into numpy (1.5 million pairs in a fraction of a
    second, where a row each took seconds); elsewhere the cursor's rows."""
    pairs = Participation.objects.filter(activity__institution_id__in=institution_ids).values_list(
        "learner_id", "activity_id"
    )
    connection = connections[pairs.db]
    if connection.vendor == "postgresql" and institution_ids:
        participation, activity = Participation._meta.db_table, Activity._meta.db_table
        ids = ", ".join(str(int(pk)) for pk in institution_ids)  # integers only: safe to inline
        # Every pair as 16 bytes (two big-endian bigints) in one bytea, read in binary.
        sql = (
            "SELECT string_agg(int8send(p.learner_id) || int8send(p.activity_id), ''::bytea) "  # noqa: S608
            f"FROM {participation} p JOIN {activity} a ON a.id = p.activity_id WHERE a.institution_id IN ({ids})"
        )
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as raw:  # Django's cursors bind client-side: text only
            raw.execute(sql, binary=True)
            row = raw.fetchone()
        packed = row[0] if row else None
        found = np.frombuffer(packed or b"", dtype=">i8").astype(np.int64).reshape(-1, 2)
        return found[:, 0].copy(), found[:, 1].copy()
    found = np.array(_rows(pairs), dtype=np.int64).reshape(-1, 2)
    return found[:, 0].copy(), found[:, 1].copy()


def _positions(sorted_keys: coverage_arrays.IntArray, values: coverage_arrays.IntArray) -> coverage_arrays.IntArray:
    """Index of each value in `sorted_keys`, or -1 where it is not there."""
    where = np.searchsorted(sorted_keys, values)
    where[where >= len(sorted_keys)] = 0
    if len(sorted_keys) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    return np.where(sorted_keys[where] == values, where, -1).astype(np.int64)


def cohort_arrays_of(institution_ids: list[int]) -> tuple[coverage_arrays.Cohort, coverage_arrays.IntArray]:
    """The same facts as `coverage_data_of`, as a `coverage_arrays.Cohort`, with each learner's
    institution id: learners on roll, their participations (each activity's events once, then
    only the pairs) and guidance meetings. Four queries whatever the numbers."""
    learners = _rows(
        Learner.objects.on_roll()
        .filter(institution_id__in=institution_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "institution_id",
            "date_of_birth",
            "year_group",
            "disadvantaged",
            "sen_status",
            "looked_after",
            "considering_higher_education",
        )
    )
    columns = list(zip(*learners, strict=True)) or [()] * 8
    pks = np.array(columns[0], dtype=np.int64)
    encounters: dict[str, int] = {}
    providers: dict[str, int] = {"": 0}
    # The events of each activity, once: (activity id, ordinal, academic year, encounter, provider,
    # meaningful, curriculum), in activity order.
    slots: list[tuple[int, int, int, int, int, bool, bool]] = []
    for pk, day, benchmarks, provider_kind, curriculum, *ticks in Activity.objects.filter(
        institution_id__in=institution_ids
    ).values_list("pk", "date", "benchmarks", "provider_kind", "through_curriculum", *_CHECKLIST_FIELDS):
        flags = dict(zip(_CHECKLIST_FIELDS, ticks, strict=True))
        for event in activity_events(day, benchmarks, provider_kind, flags, curriculum):
            slots.append(
                (
                    pk,
                    event.date.toordinal(),
                    coverage.academic_year(event.date),
                    encounters.setdefault(event.encounter, len(encounters)),
                    providers.setdefault(event.provider_kind, len(providers)),
                    event.meaningful,
                    event.curriculum,
                )
            )
    slots.sort(key=lambda slot: slot[0])
    slot = np.array(slots, dtype=np.int64).reshape(-1, 7)
    activity_ids, first_slot, slot_count = np.unique(slot[:, 0], return_index=True, return_counts=True)
    learner_ids, pair_activities = _participation_pairs(institution_ids)
    learner_index = _positions(pks, learner_ids)
    activity_index = _positions(activity_ids, pair_activities)
    known = (learner_index >= 0) & (activity_index >= 0)
    learner_index, activity_index = learner_index[known], activity_index[known]
    # One event per (participation, benchmark of its activity): the k-th slot of each activity.
    parts: list[tuple[coverage_arrays.IntArray, coverage_arrays.IntArray]] = []
    for k in range(int(slot_count.max(initial=0))):
        has = slot_count[activity_index] > k
        parts.append((learner_index[has], first_slot[activity_index[has]] + k))
    event_learner = np.concatenate([p[0] for p in parts] or [np.zeros(0, dtype=np.int64)])
    event_slot = slot[np.concatenate([p[1] for p in parts] or [np.zeros(0, dtype=np.int64)])]
    meetings = _rows(
        GuidanceMeeting.objects.filter(
            learner__institution_id__in=institution_ids, learner__left_on__isnull=True
        ).values_list("learner_id", "date")
    )
    meeting_index = _positions(pks, np.array([m[0] for m in meetings], dtype=np.int64))
    meeting_days = [m[1] for m in meetings]
    guidance = encounters.setdefault(str(Encounter.GUIDANCE), len(encounters))
    n_meetings = len(meetings)
    cohort = coverage_arrays.Cohort(
        pks=pks,
        date_of_birth=np.array([d.toordinal() for d in columns[2]], dtype=np.int64),
        year_group=np.array(columns[3], dtype=np.int64),
        disadvantaged=np.array(columns[4], dtype=bool),
        sen=np.array([status != SenStatus.NONE for status in columns[5]], dtype=bool),
        looked_after=np.array(columns[6], dtype=bool),
        considering_higher_education=np.array(columns[7], dtype=bool),
        event_learner=np.concatenate([event_learner, meeting_index]),
        event_date=np.concatenate([event_slot[:, 1], [d.toordinal() for d in meeting_days]]).astype(np.int64),
        event_year=np.concatenate([event_slot[:, 2], [coverage.academic_year(d) for d in meeting_days]]).astype(
            np.int64
        ),
        event_encounter=np.concatenate([event_slot[:, 3], np.full(n_meetings, guidance)]).astype(np.int64),
        event_provider=np.concatenate([event_slot[:, 4], np.zeros(n_meetings)]).astype(np.int64),
        event_meaningful=np.concatenate([event_slot[:, 5], np.ones(n_meetings)]).astype(bool),
        event_curriculum=np.concatenate([event_slot[:, 6], np.zeros(n_meetings)]).astype(bool),
        encounters=encounters,
        providers=providers,
    )
    return cohort, np.array(columns[1], dtype=np.int64)


def hub_coverage(hub_id: int, today: datetime.date) -> list[dict[str, Any]]:
    """Coverage of a hub's current member institutions, for hub and national users: per framework
    of rules, each institution's learners on roll and its `cohort_figures`, and the hub's total,
    with every figure of fewer than `coverage.SUPPRESS_BELOW` learners suppressed. Aggregates
    only: no learner is named. Four queries for the whole hub, plus the institutions.

    The figures are `coverage.cohort_figures`' own, computed with numpy over the whole hub at
    once (`coverage_arrays`): 40 schools and 1.5 million participations in well under 2 s."""
    from careershub.hubs.models import HubMembership

    institutions = list(
        Institution.objects.filter(pk__in=HubMembership.objects.current().filter(hub_id=hub_id).values("institution"))
        .only("pk", "name", "kind")
        .order_by("name")
    )
    cohort, learner_institution = cohort_arrays_of([i.pk for i in institutions])
    met_by_code: dict[str, dict[str, coverage_arrays.BoolArray]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for institution in institutions:
        mine = np.flatnonzero(learner_institution == institution.pk)
        if not len(mine):
            continue
        code, rules = coverage_rules_for(institution, today)
        if code not in met_by_code:
            met_by_code[code] = {rule.code: coverage_arrays.met(rule, cohort, today) for rule in rules}
        group = groups.setdefault(code, {"code": code, "rules": rules, "rows": [], "select": []})
        group["rows"].append(
            {
                "institution": institution,
                "learners": len(mine),
                "figures": coverage_arrays.cohort_figures(cohort, rules, met_by_code[code], select=mine, suppress=True),
            }
        )
        group["select"].append(mine)
    result = []
    for code, group in groups.items():
        select = np.concatenate(group.pop("select"))
        group["total"] = coverage_arrays.cohort_figures(
            cohort, group["rules"], met_by_code[code], select=select, suppress=True
        )
        for figures in [group["total"], *(row["figures"] for row in group["rows"])]:
            for figure in figures:
                figure.pop("gap_list")  # learner keys never leave the institution
        result.append(group)
    return result
