"""School-led peer review of careers provision (the Careers Impact System's review cycle).

A hub lead opens a `ReviewCycle` for some of the hub's institutions; they are grouped into
`Trio`s (three, sometimes four or five) in which each member's provision is reviewed by the
others. Each institution has one `PeerReview` per cycle: the self-evaluation it shares, a
`Judgement` per criterion by its trio partners, its answers to their queries, and the outcome
the trio's facilitator records (strengths, an area of excellence, `ReviewAction`s). Before the
peer review each institution completes an `InternalReview` against a maturity model (YAML data).
National reviewers moderate a stratified sample (`Moderation`).

No pupil data is held here: the records name institutions and the staff who act for them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from careershub.evaluations.models import Evaluation
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution


class Facilitator(models.Model):
    """A person a hub has trained to facilitate trios (an enterprise coordinator, a careers leader...)."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="review_facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    trained_on = models.DateField("training date")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__full_name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["hub", "user"], name="one_facilitator_per_hub_user")]

    def __str__(self) -> str:
        return str(self.user)


class ConflictKind(models.TextChoices):
    SAME_TRUST = "same_trust", "Same trust"
    SAME_ADVISER = "same_adviser", "Same enterprise adviser"
    DECLARED = "declared", "Declared conflict of interest"


class DeclaredConflict(models.Model):
    """Two institutions that must not review each other. Institutions hold no trust field, so the
    hub lead records shared trusts here too; shared enterprise advisers are found automatically."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="review_conflicts")
    first = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ConflictKind.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first__name", "second__name"]
        constraints = [
            models.CheckConstraint(condition=~Q(first=F("second")), name="conflict_between_two"),
            models.UniqueConstraint(fields=["hub", "first", "second"], name="one_conflict_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.first.name} and {self.second.name}: {self.get_kind_display()}"


class CycleStatus(models.TextChoices):
    SETUP = "setup", "Setting up"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"


#: The steps of a cycle, in order: (deadline field, label).
STEPS: tuple[tuple[str, str], ...] = (
    ("internal_review_due", "Internal leadership reviews"),
    ("judgements_due", "Peer judgements"),
    ("answers_due", "Answers to queries"),
    ("outcomes_due", "Facilitated outcomes"),
)


class ReviewCycle(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="review_cycles")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=CycleStatus.choices, default=CycleStatus.SETUP)
    starts_on = models.DateField()
    internal_review_due = models.DateField()
    judgements_due = models.DateField()
    answers_due = models.DateField()
    outcomes_due = models.DateField()
    version = models.PositiveIntegerField(default=1, help_text="Rises with every change to the trios")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(internal_review_due__gte=F("starts_on"))
                & Q(judgements_due__gte=F("internal_review_due"))
                & Q(answers_due__gte=F("judgements_due"))
                & Q(outcomes_due__gte=F("answers_due")),
                name="cycle_steps_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_running(self) -> bool:
        return self.status == CycleStatus.RUNNING

    def deadlines(self) -> list[tuple[str, str, datetime.date]]:
        return [(field, label, getattr(self, field)) for field, label in STEPS]


class Trio(models.Model):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="trios")
    number = models.PositiveSmallIntegerField()
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="facilitated_trios"
    )

    class Meta:
        ordering = ["cycle", "number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="one_trio_number_per_cycle")]

    def __str__(self) -> str:
        return f"Trio {self.number}"


class Participant(models.Model):
    """An institution taking part in a cycle, and its trio once proposed."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="participants")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="review_participations")
    trio = models.ForeignKey(Trio, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")

    class Meta:
        ordering = ["institution__name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "institution"], name="one_participation_per_cycle")]

    def __str__(self) -> str:
        return f"{self.institution.name} in {self.cycle}"


class ReviewStatus(models.TextChoices):
    AWAITING_EVALUATION = "awaiting", "Waiting for a submitted self-evaluation"
    IN_REVIEW = "in_review", "Being reviewed"
    OUTCOME_RECORDED = "outcome", "Outcome recorded"


class PeerReview(models.Model):
    """One institution's review in a cycle. The report is the institution's: the hub lead always
    sees it; the institution chooses whether its trio keeps seeing it and whether the hub may
    publish it (its strengths and area of excellence) to other members."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="review")
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Submitted, shared"
    )
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.AWAITING_EVALUATION)
    strengths = models.TextField(blank=True)
    excellence = models.TextField("area of excellence to share", blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    share_with_trio = models.BooleanField(default=True, help_text="Trio partners keep the report after the cycle")
    publish_to_hub = models.BooleanField(default=False, help_text="Strengths and excellence shown to hub members")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["participant__institution__name"]

    def __str__(self) -> str:
        return f"Peer review of {self.participant.institution.name}"

    @property
    def institution(self) -> Institution:
        return self.participant.institution


class JudgementValue(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    QUERY = "query", "Query"
    NOT_EVIDENCED = "not_evidenced", "Not evidenced"


class Judgement(models.Model):
    """The reviewers' judgement of one criterion of the shared self-evaluation, with the
    institution's answer to a query. `self_achieved` copies what the self-evaluation claimed, so
    agreement statistics read one row. `version` guards against two reviewers overwriting."""

    review = models.ForeignKey(PeerReview, on_delete=models.CASCADE, related_name="judgements")
    criterion_code = models.CharField(max_length=20)
    benchmark = models.PositiveSmallIntegerField()
    self_achieved = models.BooleanField(help_text="The self-evaluation claimed the criterion achieved")
    value = models.CharField(max_length=15, choices=JudgementValue.choices)
    comment = models.TextField(blank=True)
    answer = models.TextField(blank=True, help_text="The institution's answer to a query")
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["benchmark", "criterion_code"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion_code"], name="one_judgement_per_criterion")]
        indexes = [models.Index(fields=["benchmark", "criterion_code"])]

    def __str__(self) -> str:
        return f"{self.criterion_code}: {self.get_value_display()}"

    @property
    def peer_achieved(self) -> bool | None:
        """What the peers found: the claim stands when confirmed, fails when not evidenced,
        and is open (None) while queried."""
        if self.value == JudgementValue.QUERY:
            return None
        return self.self_achieved if self.value == JudgementValue.CONFIRMED else False


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ReviewAction(models.Model):
    """One of the highest-leverage actions agreed at the facilitated outcome. Open actions follow
    the institution into its next cycle."""

    review = models.ForeignKey(PeerReview, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField("action", max_length=500)
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=5, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text


class InternalReview(models.Model):
    """An institution's internal leadership review for a cycle, against a maturity model version."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="internal_review")
    model_code = models.CharField(max_length=60)
    levels = models.JSONField(default=dict, help_text="{theme code: level code}")
    evidence = models.JSONField(default=dict, help_text="{theme code: evidence text}")
    taking_part = models.JSONField(default=list, help_text="Codes of the roles that took part")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Internal review of {self.participant.institution.name}"


class ModerationValue(models.TextChoices):
    AGREE = "agree", "Agree with the peer judgements"
    PARTLY = "partly", "Partly agree"
    DISAGREE = "disagree", "Disagree"


class Moderation(models.Model):
    """A national reviewer's moderation of one completed review drawn in a stratified sample."""

    review = models.OneToOneField(PeerReview, on_delete=models.CASCADE, related_name="moderation")
    sample = models.CharField(max_length=40, help_text="Which draw this review came from")
    drawn_at = models.DateTimeField(auto_now_add=True)
    value = models.CharField(max_length=10, choices=ModerationValue.choices, blank=True)
    comment = models.TextField(blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-drawn_at", "pk"]

    def __str__(self) -> str:
        return f"Moderation of {self.review}"
