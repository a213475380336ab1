"""Writes on review cycles, trios, peer reviews, internal reviews and moderation. Each is atomic
and audited against the organisation that owns the record (the hub for cycles and trios, the
reviewed institution for its review).

Deadlines never lock or delete anything: work saved after a deadline is kept and shown as late.
Judgements, the outcome and internal reviews carry a version, so two people editing at once
never silently overwrite each other.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.core.tasks import send_email
from careershub.employers.models import EmployerContact
from careershub.evaluations import services as evaluation_services
from careershub.evaluations.models import Evaluation, Evidence
from careershub.evaluations.scoring import CriterionStatus
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, Role
from careershub.reviews import maturity, trios
from careershub.reviews.models import (
    STEPS,
    ActionStatus,
    ConflictKind,
    CycleStatus,
    DeclaredConflict,
    Facilitator,
    InternalReview,
    Judgement,
    JudgementValue,
    Moderation,
    ModerationValue,
    Participant,
    PeerReview,
    ReviewAction,
    ReviewCycle,
    ReviewStatus,
    Trio,
)
from careershub.reviews.queries import latest_submitted_evaluation


class ReviewError(ValueError):
    """A change that cannot be made, with a message for the user."""


@dataclass(frozen=True)
class Conflict:
    """Someone else saved this item after the user loaded the page."""

    key: str
    yours: Any
    theirs: Any
    by: str


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# Cycles -----------------------------------------------------------------------------------


def _check_dates(starts_on: datetime.date, deadlines: Mapping[str, datetime.date]) -> None:
    previous, previous_label = starts_on, "the start"
    for field, label in STEPS:
        due = deadlines[field]
        if due < previous:
            raise ReviewError(f"The deadline for {label.lower()} must be on or after {previous_label}.")
        previous, previous_label = due, f"the deadline for {label.lower()}"


@transaction.atomic
def cycle_create(
    *,
    hub: Hub,
    name: str,
    starts_on: datetime.date,
    deadlines: Mapping[str, datetime.date],
    institutions: Sequence[Institution],
    actor: Any,
) -> ReviewCycle:
    _check_dates(starts_on, deadlines)
    if len(set(institutions)) < trios.MIN_GROUP:
        raise ReviewError(f"Choose at least {trios.MIN_GROUP} schools or colleges: a trio needs three.")
    members = set(HubMembership.objects.current().filter(hub=hub).values_list("institution_id", flat=True))
    outside = [i.name for i in institutions if i.pk not in members]
    if outside:
        raise ReviewError(f"Not a current member of {hub.name}: {', '.join(outside)}.")
    cycle = ReviewCycle.objects.create(
        hub=hub, name=name.strip(), starts_on=starts_on, created_by=_user(actor), **dict(deadlines)
    )
    Participant.objects.bulk_create(Participant(cycle=cycle, institution=i) for i in set(institutions))
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.CREATE,
        instance=cycle,
        after={
            **snapshot(cycle, ["name", "starts_on", *dict(STEPS)]),
            "institutions": sorted(i.pk for i in institutions),
        },
    )
    return cycle


def _locked_cycle(cycle: ReviewCycle, *, statuses: Iterable[str] = (CycleStatus.SETUP,)) -> ReviewCycle:
    locked = ReviewCycle.objects.select_for_update(of=("self",)).select_related("hub").get(pk=cycle.pk)
    if locked.status not in set(statuses):
        raise ReviewError(f"This cycle is {locked.get_status_display().lower()}, so that cannot be changed.")
    return locked


def conflict_pairs(cycle: ReviewCycle) -> dict[frozenset[int], str]:
    """Every conflicting pair of the cycle's institutions, with the reason."""
    ids = set(cycle.participants.values_list("institution_id", flat=True))
    names = dict(Institution.objects.filter(pk__in=ids).values_list("pk", "name"))
    pairs: dict[frozenset[int], str] = {}
    for conflict in DeclaredConflict.objects.filter(hub=cycle.hub, first_id__in=ids, second_id__in=ids):
        pairs[frozenset((conflict.first_id, conflict.second_id))] = conflict.get_kind_display()
    advisers: dict[str, set[int]] = defaultdict(set)
    contacts = EmployerContact.objects.filter(is_enterprise_adviser=True, adviser_institution_id__in=ids)
    for email, institution_id in contacts.values_list("email", "adviser_institution_id"):
        advisers[email.lower()].add(institution_id)
    for shared in advisers.values():
        for a in shared:
            for b in shared:
                if a < b:
                    pairs.setdefault(frozenset((a, b)), str(ConflictKind.SAME_ADVISER.label))
    return {pair: reason for pair, reason in pairs.items() if all(i in names for i in pair)}


def candidates(cycle: ReviewCycle) -> list[trios.Candidate]:
    participants = list(cycle.participants.select_related("institution"))
    latest: dict[int, int | None] = {}
    for institution_id, achieved in (
        Evaluation.objects.submitted()
        .filter(institution__in=[p.institution for p in participants])
        .order_by("institution_id", "submitted_at")
        .values_list("institution_id", "benchmarks_fully_achieved")
    ):
        latest[institution_id] = achieved  # ordered by date: the last one wins
    return [
        trios.Candidate(p.institution_id, p.institution.name, p.institution.kind, latest.get(p.institution_id))
        for p in participants
    ]


def _save_groups(cycle: ReviewCycle, groups: Sequence[Sequence[int]], actor: Any, how: str) -> None:
    before = {p.institution_id: p.trio.number if p.trio else None for p in cycle.participants.select_related("trio")}
    facilitators = dict(cycle.trios.values_list("number", "facilitator_id"))
    cycle.participants.update(trio=None)
    cycle.trios.all().delete()
    for number, group in enumerate(groups, start=1):
        trio = Trio.objects.create(cycle=cycle, number=number, facilitator_id=facilitators.get(number))
        cycle.participants.filter(institution_id__in=list(group)).update(trio=trio)
    cycle.version += 1
    cycle.save(update_fields=["version"])
    after = {i: n for n, group in enumerate(groups, start=1) for i in group}
    record(
        actor=actor,
        organisation=cycle.hub.organisation,
        action=AuditAction.UPDATE,
        instance=cycle,
        before={"trios": {str(k): v for k, v in sorted(before.items())}},
        after={"trios": {str(k): v for k, v in sorted(after.items())}},
        label=f"Trios of {cycle.name} ({how})",
    )


@transaction.atomic
def trios_propose(*, cycle: ReviewCycle, actor: Any, seconds: float = 10.0) -> list[list[int]]:
    locked = _locked_cycle(cycle)
    groups = trios.propose_trios(candidates(locked), set(conflict_pairs(locked)), seconds=seconds)
    keys = [[int(k) for k in group] for group in groups]  # type: ignore[call-overload]
    _save_groups(locked, keys, actor, "proposed")
    return keys


@transaction.atomic
def trios_save(*, cycle: ReviewCycle, assignment: Mapping[int, int], version: int, actor: Any) -> None:
    """The hub lead's adjustment: {institution id: trio number}. Refused with the reason when it
    breaks a rule, and refused when someone changed the trios since the page was loaded."""
    locked = _locked_cycle(cycle)
    if locked.version != version:
        raise ReviewError("Someone changed these trios after you opened the page. Check the trios below and try again.")
    groups: dict[int, list[int]] = defaultdict(list)
    for institution_id, number in assignment.items():
        groups[number].append(institution_id)
    ordered = [groups[n] for n in sorted(groups)]
    conflicts = conflict_pairs(locked)
    try:
        trios.check_groups(candidates(locked), ordered, set(conflicts))
    except trios.TrioError as error:
        raise ReviewError(str(error)) from error
    _save_groups(locked, ordered, actor, "adjusted")


@transaction.atomic
def facilitator_assign(*, trio: Trio, user: Any, actor: Any) -> Trio:
    cycle = _locked_cycle(trio.cycle, statuses=(CycleStatus.SETUP, CycleStatus.RUNNING))
    if user is not None:
        if not Facilitator.objects.filter(hub=cycle.hub, user=user, active=True).exists():
            raise ReviewError(f"{user} is not a trained facilitator of {cycle.hub.name}.")
        members = Participant.objects.filter(trio=trio).values("institution__organisation")
        if Membership.objects.active().filter(user=user, organisation__in=members).exists():
            raise ReviewError(f"{user} works at a school or college in trio {trio.number}, so cannot facilitate it.")
    before = snapshot(trio, ["facilitator"])
    trio.facilitator = user
    trio.save(update_fields=["facilitator"])
    record(
        actor=actor,
        organisation=cycle.hub.organisation,
        action=AuditAction.UPDATE,
        instance=trio,
        before=before,
        after=snapshot(trio, ["facilitator"]),
        label=f"{trio} of {cycle.name}",
    )
    return trio


@transaction.atomic
def facilitator_add(*, hub: Hub, user: Any, trained_on: datetime.date, actor: Any) -> Facilitator:
    if trained_on > timezone.localdate():
        raise ReviewError("The training date must be today or in the past.")
    facilitator, created = Facilitator.objects.update_or_create(
        hub=hub, user=user, defaults={"trained_on": trained_on, "active": True}
    )
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=facilitator,
        after=snapshot(facilitator, ["user", "trained_on", "active"]),
    )
    return facilitator


@transaction.atomic
def conflict_declare(
    *, hub: Hub, first: Institution, second: Institution, kind: str, note: str, actor: Any
) -> DeclaredConflict:
    if first.pk == second.pk:
        raise ReviewError("Choose two different schools or colleges.")
    a, b = sorted((first, second), key=lambda i: i.pk)
    conflict, _ = DeclaredConflict.objects.update_or_create(
        hub=hub, first=a, second=b, defaults={"kind": kind, "note": note.strip()}
    )
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.CREATE,
        instance=conflict,
        after=snapshot(conflict, ["first", "second", "kind", "note"]),
    )
    return conflict


def _careers_leader_emails(institutions: Iterable[Institution]) -> list[str]:
    organisations = [i.organisation_id for i in institutions if i.organisation_id]
    return sorted(
        set(
            Membership.objects.active()
            .filter(organisation_id__in=organisations, role=Role.CAREERS_LEADER)
            .values_list("user__email", flat=True)
        )
    )


@transaction.atomic
def cycle_start(*, cycle: ReviewCycle, actor: Any) -> ReviewCycle:
    """Start the cycle: every participant in a valid trio with a facilitator; each gets its review,
    sharing its latest submitted self-evaluation when it has one."""
    locked = _locked_cycle(cycle)
    participants = list(locked.participants.select_related("institution", "trio"))
    if len(participants) < trios.MIN_GROUP:
        raise ReviewError(
            f"A cycle needs at least {trios.MIN_GROUP} schools or colleges to start; it has {len(participants)}."
        )
    groups: dict[int, list[int]] = defaultdict(list)
    for p in participants:
        if p.trio is None:
            raise ReviewError(f"{p.institution.name} is not in a trio yet. Propose or arrange the trios first.")
        groups[p.trio.number].append(p.institution_id)
    try:
        trios.check_groups(candidates(locked), list(groups.values()), set(conflict_pairs(locked)))
    except trios.TrioError as error:
        raise ReviewError(str(error)) from error
    missing = [str(t) for t in locked.trios.filter(facilitator__isnull=True)]
    if missing:
        raise ReviewError(f"Give every trio a facilitator first: {', '.join(missing)} has none.")
    for p in participants:
        evaluation = latest_submitted_evaluation(p.institution)
        PeerReview.objects.get_or_create(
            participant=p,
            defaults={
                "evaluation": evaluation,
                "status": ReviewStatus.IN_REVIEW if evaluation else ReviewStatus.AWAITING_EVALUATION,
            },
        )
    locked.status = CycleStatus.RUNNING
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at"])
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before={"status": CycleStatus.SETUP},
        after={"status": CycleStatus.RUNNING},
    )
    facilitators = sorted({t.facilitator.email for t in locked.trios.select_related("facilitator") if t.facilitator})
    recipients = _careers_leader_emails(p.institution for p in participants) + facilitators
    body = (
        f"{locked.hub.name} has started the peer review cycle “{locked.name}”.\n\n"
        + "\n".join(f"{label}: by {due:%-d %B %Y}" for _, label, due in locked.deadlines())
        + "\n\nSign in to the Careers Hub service and choose “Peer review” to see your trio."
    )
    transaction.on_commit(
        lambda: send_email.enqueue(
            subject=f"Peer review: {locked.name} has started", body=body, recipient_list=recipients
        )
    )
    return locked


@transaction.atomic
def cycle_complete(*, cycle: ReviewCycle, actor: Any) -> ReviewCycle:
    locked = _locked_cycle(cycle, statuses=(CycleStatus.RUNNING,))
    waiting = list(
        PeerReview.objects.filter(participant__cycle=locked)
        .exclude(status=ReviewStatus.OUTCOME_RECORDED)
        .values_list("participant__institution__name", flat=True)
    )
    if waiting:
        raise ReviewError(f"No outcome has been recorded yet for {', '.join(sorted(waiting))}.")
    locked.status = CycleStatus.COMPLETED
    locked.completed_at = timezone.now()
    locked.save(update_fields=["status", "completed_at"])
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before={"status": CycleStatus.RUNNING},
        after={"status": CycleStatus.COMPLETED},
    )
    return locked


# Progress and reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class StepProgress:
    field: str
    label: str
    due: datetime.date
    done: int
    total: int
    waiting: list[str]  # institutions not done

    @property
    def complete(self) -> bool:
        return self.done == self.total

    def late(self, today: datetime.date) -> bool:
        return not self.complete and today > self.due


def cycle_progress(cycle: ReviewCycle) -> list[StepProgress]:
    """For each step: how many institutions have done it, and which have not (a fixed number of queries)."""
    participants = list(cycle.participants.select_related("institution"))
    names = {p.pk: p.institution.name for p in participants}
    reviews = {r.participant_id: r for r in PeerReview.objects.filter(participant__cycle=cycle)}
    internal = set(
        InternalReview.objects.filter(participant__cycle=cycle, submitted_at__isnull=False).values_list(
            "participant_id", flat=True
        )
    )
    spec_sizes: dict[int, int] = {}
    for review in PeerReview.objects.filter(participant__cycle=cycle, evaluation__isnull=False).select_related(
        "evaluation__framework"
    ):
        spec = review.evaluation.spec() if review.evaluation else None
        spec_sizes[review.participant_id] = sum(len(b.criteria) for b in spec.benchmarks) if spec else 0
    judged: dict[int, int] = defaultdict(int)
    open_queries: dict[int, int] = defaultdict(int)
    for participant_id, value, answer in Judgement.objects.filter(review__participant__cycle=cycle).values_list(
        "review__participant_id", "value", "answer"
    ):
        judged[participant_id] += 1
        if value == JudgementValue.QUERY and not answer:
            open_queries[participant_id] += 1
    done = {
        "internal_review_due": internal,
        "judgements_due": {p for p, size in spec_sizes.items() if size and judged[p] >= size},
        "answers_due": {p for p in spec_sizes if judged[p] and not open_queries[p]},
        "outcomes_due": {p for p, r in reviews.items() if r.status == ReviewStatus.OUTCOME_RECORDED},
    }
    steps = []
    for field, label in STEPS:
        finished = done[field]
        steps.append(
            StepProgress(
                field,
                label,
                getattr(cycle, field),
                sum(1 for p in names if p in finished),
                len(names),
                sorted(name for pk, name in names.items() if pk not in finished),
            )
        )
    return steps


def cycle_send_reminders(*, cycle: ReviewCycle, today: datetime.date, actor: Any = None, within_days: int = 7) -> int:
    """Email the careers leaders of institutions behind on a step due within `within_days` (or
    overdue), through the task queue. Returns how many emails were queued."""
    if cycle.status != CycleStatus.RUNNING:
        return 0
    by_name = {p.institution.name: p.institution for p in cycle.participants.select_related("institution")}
    sent = 0
    for step in cycle_progress(cycle):
        if step.complete or (step.due - today).days > within_days:
            continue
        when = "was due" if today > step.due else "is due"
        for name in step.waiting:
            recipients = _careers_leader_emails([by_name[name]])
            if not recipients:
                continue
            send_email.enqueue(
                subject=f"Peer review reminder: {step.label.lower()} {when} {step.due:%-d %B %Y}",
                body=(
                    f"{cycle.hub.name}'s peer review cycle “{cycle.name}”: {step.label.lower()} for {name} "
                    f"{when} on {step.due:%-d %B %Y}. Anything you have saved is kept.\n\n"
                    "Sign in to the Careers Hub service and choose “Peer review”."
                ),
                recipient_list=recipients,
            )
            sent += 1
    record(
        actor=actor,
        organisation=cycle.hub.organisation,
        action=AuditAction.UPDATE,
        instance=cycle,
        after={"reminders_sent": sent, "on": today.isoformat()},
        label=f"Reminders for {cycle.name}",
    )
    return sent


def reminders_for_running_cycles(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return sum(
        cycle_send_reminders(cycle=cycle, today=today)
        for cycle in ReviewCycle.objects.filter(status=CycleStatus.RUNNING).select_related("hub__organisation")
    )


# Peer reviews -----------------------------------------------------------------------------


def _locked_review(review: PeerReview) -> PeerReview:
    locked = (
        PeerReview.objects.select_for_update(of=("self",))
        .select_related("participant__cycle__hub", "participant__institution__organisation", "evaluation")
        .get(pk=review.pk)
    )
    if locked.participant.cycle.status != CycleStatus.RUNNING:
        raise ReviewError("This cycle is not running, so its reviews cannot change.")
    return locked


def criteria_claims(evaluation: Evaluation) -> dict[str, tuple[int, bool]]:
    """{criterion code: (benchmark number, claimed achieved)} from a submitted self-evaluation."""
    result = evaluation_services.score_of(evaluation)
    return {c.code: (b.number, c.status == CriterionStatus.ACHIEVED) for b in result.benchmarks for c in b.criteria}


@transaction.atomic
def review_share_evaluation(*, review: PeerReview, actor: Any) -> PeerReview:
    """The institution shares its latest submitted self-evaluation (when it had none at the start)."""
    locked = _locked_review(review)
    evaluation = latest_submitted_evaluation(locked.institution)
    if evaluation is None:
        raise ReviewError("Submit a self-evaluation first: your trio reviews your latest submitted one.")
    if locked.judgements.exists():
        raise ReviewError("Your trio has started reviewing the self-evaluation you shared, so it cannot change.")
    before = snapshot(locked, ["evaluation", "status"])
    locked.evaluation = evaluation
    locked.status = ReviewStatus.IN_REVIEW
    locked.save(update_fields=["evaluation", "status"])
    record(
        actor=actor,
        organisation=locked.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["evaluation", "status"]),
    )
    return locked


@transaction.atomic
def judgements_save(
    *, review: PeerReview, judgements: Mapping[str, tuple[str, str, int]], actor: Any
) -> list[Conflict]:
    """Save {criterion code: (value, comment, version the user loaded)} (version 0: none seen).
    Stale items come back as conflicts and are not saved; the others are."""
    locked = _locked_review(review)
    if locked.evaluation is None or locked.status != ReviewStatus.IN_REVIEW:
        raise ReviewError("This review is not open for judgements.")
    claims = criteria_claims(locked.evaluation)
    existing = {
        j.criterion_code: j for j in locked.judgements.select_for_update(of=("self",)).select_related("updated_by")
    }
    user = _user(actor)
    conflicts: list[Conflict] = []
    changes: dict[str, list[Any]] = {}
    for code, (value, comment, version) in judgements.items():
        if code not in claims:
            raise ReviewError(f"The self-evaluation has no criterion {code}.")
        if value not in JudgementValue.values:
            raise ReviewError(f"{value!r} is not a judgement.")
        current = existing.get(code)
        comment = comment.strip()
        if current is not None and (current.value, current.comment) == (value, comment):
            continue
        if (current.version if current else 0) != version:
            conflicts.append(
                Conflict(
                    code,
                    (value, comment),
                    (current.value, current.comment) if current else None,
                    str(current.updated_by) if current and current.updated_by else "someone else",
                )
            )
            continue
        benchmark, claimed = claims[code]
        if current is None:
            Judgement.objects.create(
                review=locked,
                criterion_code=code,
                benchmark=benchmark,
                self_achieved=claimed,
                value=value,
                comment=comment,
                updated_by=user,
            )
            changes[code] = [None, value]
        else:
            changes[code] = [current.value, value]
            current.value, current.comment, current.updated_by = value, comment, user
            current.version += 1
            current.save(update_fields=["value", "comment", "updated_by", "version", "updated_at"])
    if changes:
        record(
            actor=actor,
            organisation=locked.institution.organisation,
            action=AuditAction.UPDATE,
            instance=locked,
            before={k: v[0] for k, v in changes.items()},
            after={k: v[1] for k, v in changes.items()},
            label=f"Judgements in {locked}",
        )
    return conflicts


@transaction.atomic
def query_answer(*, judgement: Judgement, answer: str, actor: Any) -> Judgement:
    _locked_review(judgement.review)
    locked = Judgement.objects.select_for_update().get(pk=judgement.pk)
    if locked.value != JudgementValue.QUERY:
        raise ReviewError("Only a query can be answered.")
    if not answer.strip():
        raise ReviewError("Enter your answer to the query.")
    before = snapshot(locked, ["answer"])
    locked.answer = answer.strip()
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "answered_at", "updated_at"])
    record(
        actor=actor,
        organisation=judgement.review.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["answer"]),
        label=f"Answer to the query on {locked.criterion_code}",
    )
    return locked


@dataclass(frozen=True)
class ActionInput:
    text: str
    owner: str
    due_on: datetime.date


@transaction.atomic
def outcome_record(
    *, review: PeerReview, strengths: str, excellence: str, actions: Sequence[ActionInput], version: int, actor: Any
) -> PeerReview:
    """The facilitator records the agreed outcome. Every criterion must have a judgement."""
    locked = _locked_review(review)
    if locked.version != version:
        raise ReviewError("Someone saved this outcome after you opened the page. Check it below and try again.")
    if locked.evaluation is None:
        raise ReviewError("There is no shared self-evaluation to record an outcome for.")
    claims = criteria_claims(locked.evaluation)
    judged = set(locked.judgements.values_list("criterion_code", flat=True))
    missing = sorted(set(claims) - judged)
    if missing:
        raise ReviewError(f"Every criterion needs a judgement first: {len(missing)} to go ({', '.join(missing[:5])}…).")
    if not strengths.strip():
        raise ReviewError("Enter the strengths the trio agreed.")
    if not actions:
        raise ReviewError("Record at least one action, with an owner and a date.")
    before = snapshot(locked, ["strengths", "excellence", "status"])
    locked.strengths, locked.excellence = strengths.strip(), excellence.strip()
    locked.status = ReviewStatus.OUTCOME_RECORDED
    locked.outcome_by, locked.outcome_at = _user(actor), timezone.now()
    locked.version += 1
    locked.save()
    locked.actions.all().delete()
    ReviewAction.objects.bulk_create(
        ReviewAction(review=locked, text=a.text.strip(), owner=a.owner.strip(), due_on=a.due_on) for a in actions
    )
    record(
        actor=actor,
        organisation=locked.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after={**snapshot(locked, ["strengths", "excellence", "status"]), "actions": [a.text for a in actions]},
    )
    return locked


@transaction.atomic
def sharing_save(*, review: PeerReview, share_with_trio: bool, publish_to_hub: bool, actor: Any) -> PeerReview:
    locked = (
        PeerReview.objects.select_for_update(of=("self",)).select_related("participant__institution").get(pk=review.pk)
    )
    before = snapshot(locked, ["share_with_trio", "publish_to_hub"])
    locked.share_with_trio, locked.publish_to_hub = share_with_trio, publish_to_hub
    locked.save(update_fields=["share_with_trio", "publish_to_hub"])
    record(
        actor=actor,
        organisation=locked.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["share_with_trio", "publish_to_hub"]),
    )
    return locked


@transaction.atomic
def action_set_status(*, action: ReviewAction, done: bool, actor: Any) -> ReviewAction:
    locked = (
        ReviewAction.objects.select_for_update(of=("self",))
        .select_related("review__participant__institution")
        .get(pk=action.pk)
    )
    before = snapshot(locked, ["status", "done_on"])
    locked.status = ActionStatus.DONE if done else ActionStatus.OPEN
    locked.done_on = timezone.localdate() if done else None
    locked.save(update_fields=["status", "done_on"])
    record(
        actor=actor,
        organisation=locked.review.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["status", "done_on"]),
    )
    return locked


def evidence_viewed(*, review: PeerReview, evidence: Evidence, actor: Any) -> None:
    """Audit that someone opened a reviewed institution's evidence."""
    record(
        actor=actor,
        organisation=review.institution.organisation,
        action=AuditAction.VIEW,
        instance=evidence,
        label=f"Evidence “{evidence.title}” viewed in {review}",
    )


# Internal leadership review ---------------------------------------------------------------


@transaction.atomic
def internal_review_save(
    *,
    participant: Participant,
    levels: Mapping[str, str],
    evidence: Mapping[str, str],
    taking_part: Sequence[str],
    submit: bool,
    version: int,
    actor: Any,
) -> InternalReview:
    if participant.cycle.status == CycleStatus.COMPLETED:
        raise ReviewError("This cycle has been completed, so its internal review cannot change.")
    model = maturity.model_for(participant.cycle.starts_on)
    internal, _ = InternalReview.objects.select_for_update().get_or_create(
        participant=participant, defaults={"model_code": model.code}
    )
    if internal.version != version:
        raise ReviewError("Someone saved this internal review after you opened the page. Check it below and try again.")
    model = maturity.get_model(internal.model_code)
    themes = {t.code for t in model.themes}
    level_codes = {level.code for level in model.levels}
    if set(levels) - themes or any(v and v not in level_codes for v in levels.values()):
        raise ReviewError("Choose a level from the model for each theme.")
    if set(taking_part) - {c.code for c in model.taking_part}:
        raise ReviewError("Choose who took part from the list.")
    if submit:
        missing = [t.label for t in model.themes if not levels.get(t.code)]
        if missing:
            raise ReviewError(f"Choose a level for every theme before submitting: {', '.join(missing)}.")
        if not taking_part:
            raise ReviewError("Say who took part before submitting.")
    before = snapshot(internal, ["levels", "evidence", "taking_part", "submitted_at"])
    internal.levels = {k: v for k, v in levels.items() if v}
    internal.evidence = {k: v.strip() for k, v in evidence.items() if v.strip()}
    internal.taking_part = list(taking_part)
    if submit and internal.submitted_at is None:
        internal.submitted_at, internal.submitted_by = timezone.now(), _user(actor)
    internal.version += 1
    internal.save()
    record(
        actor=actor,
        organisation=participant.institution.organisation,
        action=AuditAction.UPDATE,
        instance=internal,
        before=before,
        after=snapshot(internal, ["levels", "evidence", "taking_part", "submitted_at"]),
    )
    return internal


# Moderation -------------------------------------------------------------------------------


@transaction.atomic
def moderation_draw(*, per_hub: int, actor: Any, seed: int | None = None) -> list[Moderation]:
    """Draw up to `per_hub` completed reviews from each hub (a stratified random sample) that
    have not been drawn before."""
    if per_hub < 1:
        raise ReviewError("Draw at least one review from each hub.")
    pool = (
        PeerReview.objects.filter(participant__cycle__status=CycleStatus.COMPLETED, moderation__isnull=True)
        .select_related("participant__cycle__hub")
        .order_by("pk")
    )
    by_hub: dict[int, list[PeerReview]] = defaultdict(list)
    for review in pool:
        by_hub[review.participant.cycle.hub_id].append(review)
    if not by_hub:
        raise ReviewError("There are no completed reviews left to draw.")
    rng = random.Random(seed)  # noqa: S311 - a sample for moderation, not security
    label = f"Sample {timezone.localdate():%Y-%m-%d}"
    drawn = []
    for hub_id in sorted(by_hub):
        reviews = by_hub[hub_id]
        for review in rng.sample(reviews, min(per_hub, len(reviews))):
            drawn.append(Moderation.objects.create(review=review, sample=label))
    for moderation in drawn:
        record(actor=actor, organisation=None, action=AuditAction.CREATE, instance=moderation)
    return drawn


@transaction.atomic
def moderation_record(*, moderation: Moderation, value: str, comment: str, actor: Any) -> Moderation:
    if value not in ModerationValue.values:
        raise ReviewError("Choose a moderation judgement.")
    locked = Moderation.objects.select_for_update().get(pk=moderation.pk)
    before = snapshot(locked, ["value", "comment"])
    locked.value, locked.comment = value, comment.strip()
    locked.moderator, locked.moderated_at = _user(actor), timezone.now()
    locked.save()
    record(
        actor=actor,
        organisation=None,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["value", "comment"]),
    )
    return locked
