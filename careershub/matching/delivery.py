"""After a match: the school records the delivered encounter (which becomes an activity in its
careers records, with its participants, through careershub.activities' services), and both sides
leave short feedback, summarised per employer and per offer for the hub."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from careershub.activities import services as activity_services
from careershub.activities.models import ACTIVITY_TYPES, CHECKLIST
from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.learners.models import Learner
from careershub.matching.models import Delivery, Feedback, FeedbackSide, Match, MatchStatus, Response

DATA_FILE = Path(__file__).resolve().parent / "data" / "encounter_activity_types.csv"


class DeliveryError(ValueError):
    """A delivery or feedback that cannot be recorded, with a message for the user."""


@cache
def activity_type_for() -> dict[str, str]:
    """Encounter type of an offer → activity type in the school's records (data file)."""
    with DATA_FILE.open(newline="", encoding="utf-8") as handle:
        mapping = {row["encounter_type"]: row["activity_type"] for row in csv.DictReader(handle)}
    unknown = set(mapping.values()) - set(ACTIVITY_TYPES)
    if unknown:
        raise RuntimeError(f"{DATA_FILE.name} names unknown activity types: {', '.join(sorted(unknown))}")
    return mapping


def checklist_for(match: Match) -> list[tuple[str, str]]:
    """The meaningful-encounter checklist items that apply to this match's kind of encounter."""
    encounter = ACTIVITY_TYPES[activity_type_for()[match.offer.kind]].encounter
    return [(code, label) for code, (label, applies) in CHECKLIST.items() if encounter in applies]


def can_deliver(match: Match) -> bool:
    return (
        match.status == MatchStatus.CONFIRMED
        and match.employer_response == Response.ACCEPTED
        and match.school_response == Response.ACCEPTED
    )


@transaction.atomic
def delivery_record(
    *,
    match: Match,
    delivered_on: datetime.date,
    learners: Iterable[Learner],
    checklist: Iterable[str],
    met_criteria: bool,
    rating: int,
    comment: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> Delivery:
    """The school records that an accepted match took place: creates the activity (type from the
    data file, provider the employer, the checklist ticked) with the learners who took part, and
    the school's feedback. Only once per match."""
    today = today or datetime.date.today()
    locked = (
        Match.objects.select_for_update(of=("self",))
        .select_related("offer__employer", "request__institution__organisation", "round__hub__organisation")
        .get(pk=match.pk)
    )
    if not can_deliver(locked):
        raise DeliveryError("Only a match that both sides have accepted can be recorded as delivered.")
    if Delivery.objects.filter(match=locked).exists():
        raise DeliveryError("This encounter has already been recorded as delivered.")
    if delivered_on > today:
        raise DeliveryError("The date it took place must be today or in the past.")
    if not 1 <= rating <= 5:
        raise DeliveryError("Rate the encounter from 1 to 5.")
    institution = locked.request.institution
    chosen = [learner for learner in learners if learner.institution_id == institution.pk]
    if not chosen:
        raise DeliveryError("Choose the learners who took part.")
    allowed = {code for code, _ in checklist_for(locked)}
    ticked = [code for code in checklist if code in allowed]
    offer = locked.offer
    activity = activity_services.activity_create(
        institution=institution,
        actor=actor,
        activity_type=activity_type_for()[offer.kind],
        title=f"{offer.title} ({offer.employer.name})",
        date=delivered_on,
        provider_name=offer.employer.name,
        provider_kind="employer",
        mode=offer.delivery,
        checklist=ticked,
    )
    added = activity_services.participants_add(activity=activity, learners=chosen, actor=actor)
    delivery = Delivery.objects.create(
        match=locked,
        delivered_on=delivered_on,
        activity=activity,
        participant_count=added.added,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(actor=actor, organisation=institution.organisation, action=AuditAction.CREATE, instance=delivery)
    _feedback(
        match=locked,
        side=FeedbackSide.SCHOOL,
        met_criteria=met_criteria,
        rating=rating,
        would_host_again=None,
        comment=comment,
        actor=actor,
        organisation=institution.organisation,
    )
    return delivery


def _feedback(
    *,
    match: Match,
    side: FeedbackSide,
    met_criteria: bool,
    rating: int | None,
    would_host_again: bool | None,
    comment: str,
    actor: Any,
    organisation: Any,
) -> Feedback:
    if Feedback.objects.filter(match=match, side=side).exists():
        raise DeliveryError("Feedback on this encounter has already been given.")
    feedback = Feedback.objects.create(
        match=match,
        side=side,
        met_criteria=met_criteria,
        rating=rating,
        would_host_again=would_host_again,
        comment=comment.strip()[:500],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(actor=actor, organisation=organisation, action=AuditAction.CREATE, instance=feedback)
    return feedback


@transaction.atomic
def employer_feedback(
    *, match: Match, met_criteria: bool, would_host_again: bool, comment: str = "", actor: Any = None
) -> Feedback:
    """The employer's feedback, once the school has recorded the encounter as delivered."""
    locked = (
        Match.objects.select_for_update(of=("self",)).select_related("offer__employer__organisation").get(pk=match.pk)
    )
    if not Delivery.objects.filter(match=locked).exists():
        raise DeliveryError("Feedback can be given once the school has recorded the encounter as delivered.")
    return _feedback(
        match=locked,
        side=FeedbackSide.EMPLOYER,
        met_criteria=met_criteria,
        rating=None,
        would_host_again=would_host_again,
        comment=comment,
        actor=actor,
        organisation=locked.offer.employer.organisation,
    )


@dataclass(frozen=True)
class FeedbackSummary:
    """One employer's (or offer's) delivered encounters and their feedback, for the hub."""

    name: str
    delivered: int
    learners: int
    school_replies: int
    mean_rating: float | None
    met_criteria_school: int
    employer_replies: int
    would_host_again: int


def summarise(deliveries: Iterable[Delivery], *, by: str = "employer") -> list[FeedbackSummary]:
    """Per employer (`by="employer"`) or per offer (`by="offer"`). The deliveries must come with
    `match__offer__employer` and `match__feedback` loaded (see `queries.deliveries_for`)."""
    groups: dict[tuple[int, str], list[Delivery]] = {}
    for delivery in deliveries:
        offer = delivery.match.offer
        key = (offer.employer_id, offer.employer.name) if by == "employer" else (offer.pk, offer.title)
        groups.setdefault(key, []).append(delivery)
    rows = []
    for (_, name), items in sorted(groups.items(), key=lambda item: item[0][1]):
        school = [f for d in items for f in d.match.feedback.all() if f.side == FeedbackSide.SCHOOL]
        employer = [f for d in items for f in d.match.feedback.all() if f.side == FeedbackSide.EMPLOYER]
        ratings = [f.rating for f in school if f.rating is not None]
        rows.append(
            FeedbackSummary(
                name=name,
                delivered=len(items),
                learners=sum(d.participant_count for d in items),
                school_replies=len(school),
                mean_rating=round(sum(ratings) / len(ratings), 1) if ratings else None,
                met_criteria_school=sum(1 for f in school if f.met_criteria),
                employer_replies=len(employer),
                would_host_again=sum(1 for f in employer if f.would_host_again),
            )
        )
    return rows
