"""Who may see which training records, the hub's view of who is trained, and the answer the
self-evaluation can pre-fill for "Does your school have a trained Careers Leader?".

- An institution's own members see its records; only its careers leaders change them.
- A hub's members see the records of its current member institutions.
- The national team sees every record (read only).
- Anyone else sees none: another organisation's record is a 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet

from careershub.evaluations.framework_data import AnswerType
from careershub.evaluations.models import Evaluation
from careershub.hubs.models import Hub, HubMembership
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind, Role
from careershub.training.models import TrainingRecord, TrainingStatus

#: The self-evaluation question this module can answer.
TRAINED_CAREERS_LEADER_QUESTION = "1.1a"


def training_records_for(membership: Membership) -> QuerySet[TrainingRecord]:
    records = TrainingRecord.objects.select_related("institution")
    kind = membership.organisation.kind
    if kind == OrganisationKind.INSTITUTION:
        return records.filter(institution__organisation=membership.organisation)
    if kind == OrganisationKind.HUB:
        members = HubMembership.objects.filter(hub__organisation=membership.organisation, left_on__isnull=True)
        return records.filter(institution__in=members.values("institution"))
    if kind == OrganisationKind.NATIONAL:
        return records
    return records.none()


def editable_records_for(membership: Membership) -> QuerySet[TrainingRecord]:
    """The records this membership may change: its own institution's, for a careers leader."""
    if membership.role != Role.CAREERS_LEADER:
        return TrainingRecord.objects.none()
    return TrainingRecord.objects.select_related("institution").filter(
        institution__organisation=membership.organisation
    )


def status_of(records: list[TrainingRecord], on: datetime.date | None = None) -> TrainingStatus:
    """Trained when a current careers leader completed a course; in training when one started."""
    on = on or datetime.date.today()
    current = [r for r in records if r.is_current_leader]
    if any(r.is_complete(on) for r in current):
        return TrainingStatus.TRAINED
    if any(r.started_on <= on for r in current):
        return TrainingStatus.IN_TRAINING
    return TrainingStatus.NOT_TRAINED


@dataclass
class InstitutionTraining:
    institution: Institution
    status: TrainingStatus
    records: list[TrainingRecord] = field(default_factory=list)

    @property
    def current_records(self) -> list[TrainingRecord]:
        return [r for r in self.records if r.is_current_leader]


def hub_training(hub: Hub, on: datetime.date | None = None) -> list[InstitutionTraining]:
    """Each current member institution of `hub` with its training status (two queries)."""
    on = on or datetime.date.today()
    institutions = list(
        Institution.objects.filter(hub_memberships__hub=hub, hub_memberships__left_on__isnull=True)
        .distinct()
        .order_by("name")
    )
    by_institution: dict[int, list[TrainingRecord]] = {i.pk: [] for i in institutions}
    for record in TrainingRecord.objects.filter(institution__in=institutions).order_by("-started_on"):
        by_institution[record.institution_id].append(record)
    return [InstitutionTraining(i, status_of(by_institution[i.pk], on), by_institution[i.pk]) for i in institutions]


@dataclass(frozen=True)
class PrefilledAnswer:
    """A suggested answer for a self-evaluation question and where it came from."""

    question_code: str
    value: str  # "yes" or "no", as the evaluation stores answers
    source: str  # a sentence for the page, e.g. "From the training record: J Smith completed …"
    record: TrainingRecord | None


def trained_careers_leader_prefill(institution: Institution, on: datetime.date | None = None) -> PrefilledAnswer | None:
    """The answer to "Does your school have a trained Careers Leader?" from the training records.

    "yes" when a current careers leader completed a course on or before `on`; "no" when current
    leaders are recorded but none has completed one. None when nothing is recorded: the absence
    of a record is not evidence, so the question is then left for the careers leader to answer.
    """
    on = on or datetime.date.today()
    records = list(
        TrainingRecord.objects.filter(institution=institution, is_current_leader=True).order_by(
            "-completed_on", "-started_on"
        )
    )
    if not records:
        return None
    completed = [r for r in records if r.is_complete(on)]
    if completed:
        record = max(completed, key=lambda r: r.completed_on or r.started_on)
        assert record.completed_on is not None
        return PrefilledAnswer(
            TRAINED_CAREERS_LEADER_QUESTION,
            "yes",
            f"From the Careers Leader training record: {record.leader_name} completed {record.course} "
            f"({record.provider}) on {record.completed_on:%-d %B %Y}.",
            record,
        )
    record = records[0]
    return PrefilledAnswer(
        TRAINED_CAREERS_LEADER_QUESTION,
        "no",
        f"From the Careers Leader training record: {record.leader_name} started {record.course} "
        f"({record.provider}) on {record.started_on:%-d %B %Y} and has not completed it yet.",
        record,
    )


def evaluation_prefills(evaluation: Evaluation) -> dict[str, PrefilledAnswer]:
    """Suggested answers for an evaluation, by question code, for questions it leaves unanswered.

    Only a framework that asks the trained-Careers-Leader question as a yes/no question gets a
    suggestion, and an answer already given is never overridden. A submitted evaluation is
    judged on its submission date, a draft on today.
    """
    spec = evaluation.spec()
    try:
        question = spec.question(TRAINED_CAREERS_LEADER_QUESTION)
    except KeyError:
        return {}
    if question.answer_type != AnswerType.YES_NO or "trained careers leader" not in question.text.lower():
        return {}
    if evaluation.answers.filter(question_code=TRAINED_CAREERS_LEADER_QUESTION).exists():
        return {}
    on = evaluation.submitted_at.date() if evaluation.submitted_at else None
    prefill = trained_careers_leader_prefill(evaluation.institution, on)
    return {prefill.question_code: prefill} if prefill else {}
