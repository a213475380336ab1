"""Writes on activities: recording an activity, adding participants, guidance meetings. Audited."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from careershub.activities.models import ACTIVITY_TYPES, CHECKLIST, Activity, GuidanceMeeting, Participation
from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.institutions.models import Institution
from careershub.learners import identifiers
from careershub.learners.models import Learner


class ActivityError(ValueError):
    """A change that cannot be made, with a message for the user."""


@transaction.atomic
def activity_create(
    *,
    institution: Institution,
    actor: Any,
    activity_type: str,
    title: str,
    date: datetime.date,
    provider_name: str = "",
    provider_kind: str = "employer",
    mode: str = "in_person",
    benchmarks: Iterable[int] | None = None,
    checklist: Iterable[str] = (),
    through_curriculum: bool = False,
) -> Activity:
    """Record an activity; its benchmarks default to those of its type."""
    if activity_type not in ACTIVITY_TYPES:
        raise ActivityError("Choose the type of activity")
    ticked = set(checklist)
    chosen = sorted({int(b) for b in benchmarks}) if benchmarks else list(ACTIVITY_TYPES[activity_type].benchmarks)
    activity = Activity.objects.create(
        institution=institution,
        activity_type=activity_type,
        title=title,
        date=date,
        provider_name=provider_name,
        provider_kind=provider_kind,
        mode=mode,
        benchmarks=chosen,
        through_curriculum=through_curriculum,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{name: name in ticked for name in CHECKLIST},
    )
    record(actor=actor, organisation=institution.organisation, action=AuditAction.CREATE, instance=activity)
    return activity


@dataclass
class ParticipantsResult:
    added: int
    already: int
    unknown: list[str]


def parse_identifier_list(text: str) -> tuple[list[str], list[str]]:
    """(valid UPNs/ULNs, the tokens that are neither) from pasted text, in order, without repeats."""
    valid: list[str] = []
    invalid: list[str] = []
    for token in dict.fromkeys(t for t in re.split(r"[\s,;]+", text.upper()) if t):
        try:
            valid.append(identifiers.validate_upn(token) if not token.isdigit() else identifiers.validate_uln(token))
        except identifiers.IdentifierError:
            invalid.append(token)
    return valid, invalid


@transaction.atomic
def participants_add(*, activity: Activity, learners: Iterable[Learner], actor: Any) -> ParticipantsResult:
    """Add learners (of the activity's institution only) as participants; repeats are ignored."""
    if isinstance(learners, QuerySet):
        # A query set (a year group, a filter): only the keys are needed, not whole learners.
        chosen = set(learners.filter(institution_id=activity.institution_id).values_list("pk", flat=True))
    else:
        chosen = {learner.pk for learner in learners if learner.institution_id == activity.institution_id}
    added = _insert_participations(activity.pk, sorted(chosen))
    already = len(chosen) - added
    if added:
        record(
            actor=actor,
            organisation=activity.institution.organisation,
            action=AuditAction.UPDATE,
            instance=activity,
            before={"participants": already},
            after={"participants": already + added},
        )
    return ParticipantsResult(added=added, already=already, unknown=[])


def _insert_participations(activity_id: int, learner_ids: list[int]) -> int:
    """Insert (activity, learner) pairs in one statement, skipping those already there (the unique
    constraint decides, so two people adding the same learners at once cannot double them);
    returns how many were new. About six times quicker than building model instances for
    `bulk_create` at a year group or more (bench/learner_import.py)."""
    if not learner_ids:
        return 0
    table = connection.ops.quote_name(Participation._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (activity_id, learner_id) SELECT %s, unnest(%s::bigint[]) "
                "ON CONFLICT (activity_id, learner_id) DO NOTHING",
                [activity_id, learner_ids],
            )
            return cursor.rowcount
        if connection.vendor == "sqlite":
            before = Participation.objects.filter(activity_id=activity_id).count()
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (activity_id, learner_id) VALUES (%s, %s)",  # noqa: S608 - the table's own name
                [(activity_id, pk) for pk in learner_ids],
            )
            return Participation.objects.filter(activity_id=activity_id).count() - before
    existing = set(
        Participation.objects.filter(activity_id=activity_id, learner_id__in=learner_ids).values_list(
            "learner_id", flat=True
        )
    )
    new = [pk for pk in learner_ids if pk not in existing]
    Participation.objects.bulk_create([Participation(activity_id=activity_id, learner_id=pk) for pk in new])
    return len(new)


def learners_by_identifiers(institution: Institution, tokens: list[str]) -> tuple[list[Learner], list[str]]:
    """The institution's on-roll learners with these UPNs/ULNs, and the identifiers not found."""
    found = list(Learner.objects.on_roll().filter(institution=institution, upn__in=tokens)) + list(
        Learner.objects.on_roll().filter(institution=institution, uln__in=tokens)
    )
    seen = {learner.upn for learner in found} | {learner.uln for learner in found}
    return found, [token for token in tokens if token not in seen]


@transaction.atomic
def guidance_meeting_create(
    *, learner: Learner, actor: Any, date: datetime.date, adviser_name: str, adviser_level6: bool, notes: str = ""
) -> GuidanceMeeting:
    meeting = GuidanceMeeting.objects.create(
        learner=learner,
        date=date,
        adviser_name=adviser_name,
        adviser_level6=adviser_level6,
        notes=notes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    after = snapshot(meeting)
    after["notes"] = "(recorded)" if notes else ""  # the audit trail never copies the notes
    record(
        actor=actor,
        organisation=learner.institution.organisation,
        action=AuditAction.CREATE,
        instance=meeting,
        after=after,
        label=f"Guidance meeting for learner {learner.identifier}",
    )
    return meeting
