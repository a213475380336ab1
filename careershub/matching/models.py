"""Matching rounds: a hub's allocation of school requests to employer offers, and its matches.

A round is solved (and re-solved) by `services.round_solve`; see `solver.py` for the objective.
A match is proposed by the solver; hub staff pin, remove or confirm it; a confirmed match is
then accepted or declined by the employer and by the school.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from careershub.employers.models import Offer, SchoolRequest
from careershub.hubs.models import Hub


class HubSectorPriorities(models.Model):
    """A hub's priority sectors (SIC 2007 section letters) from its local skills plan."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="sector_priorities")
    sectors = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.hub}: {', '.join(self.sectors) or 'none'}"


class RoundStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be solved"
    SOLVING = "solving", "Being solved"
    SOLVED = "solved", "Solved"
    EMPTY = "empty", "Nothing to match"
    INFEASIBLE = "infeasible", "No allocation possible"
    TIMEOUT = "timeout", "Best found in the time (not proven optimal)"
    FAILED = "failed", "Could not be solved"


#: How long past the solver's time limit a round may wait or be solved before it counts as stalled.
STALLED_AFTER = datetime.timedelta(minutes=10)


class MatchRound(models.Model):
    #: The hub whose requests and offers it allocates; empty for a national round across hubs.
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="match_rounds", null=True, blank=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=12, choices=RoundStatus.choices, default=RoundStatus.EMPTY)
    message = models.TextField(blank=True)
    objective = models.IntegerField(default=0)
    solve_ms = models.PositiveIntegerField(default=0)
    request_count = models.PositiveIntegerField(default=0)
    offer_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    #: When it was last asked to be solved (`services.round_queue`).
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.hub or 'National'}: {self.name}"

    @property
    def is_national(self) -> bool:
        return self.hub_id is None

    @property
    def in_progress(self) -> bool:
        """Queued or being solved in the background: its matches cannot be reviewed meanwhile."""
        return self.status in (RoundStatus.QUEUED, RoundStatus.SOLVING)

    @property
    def stalled(self) -> bool:
        """Still waiting or being solved long after any solve should have ended (the solver's time
        limit plus `STALLED_AFTER`): its task was lost (a worker stopped, or none is running), so
        it may be asked for again."""
        if not self.in_progress or self.queued_at is None:
            return False
        limit = datetime.timedelta(seconds=settings.MATCHING_TIME_LIMIT_S) + STALLED_AFTER
        return timezone.now() - self.queued_at > limit


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PINNED = "pinned", "Pinned"
    CONFIRMED = "confirmed", "Confirmed"
    REMOVED = "removed", "Removed"


class Response(models.TextChoices):
    PENDING = "pending", "Waiting for a reply"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Match(models.Model):
    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="matches")
    request = models.ForeignKey(SchoolRequest, on_delete=models.CASCADE, related_name="matches")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="matches")
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    score = models.IntegerField(default=0)
    terms = models.JSONField(default=dict, help_text="The objective terms this match scored on")
    employer_response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    school_response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request__institution__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "request", "offer"], name="one_match_per_pair_per_round"),
            models.UniqueConstraint(
                fields=["round", "request"],
                condition=~Q(status="removed"),
                name="one_live_match_per_request_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} ↔ {self.offer}"

    @property
    def is_declined(self) -> bool:
        return Response.DECLINED in (self.employer_response, self.school_response)

    def explanation(self) -> list[str]:
        """The objective terms, in words."""
        t = self.terms
        lines = [f"Request served: +{t.get('served', 0)}"]
        if t.get("fsm"):
            lines.append(f"Free school meals ({t['fsm']}% of pupils): +{t['fsm']}")
        if t.get("opportunity_area"):
            lines.append(f"In an Opportunity Area: +{t['opportunity_area']}")
        if t.get("benchmark5_gap"):
            lines.append(f"Benchmark 5 gap: +{t['benchmark5_gap']}")
        if t.get("benchmark6_gap"):
            lines.append(f"Benchmark 6 gap: +{t['benchmark6_gap']}")
        if t.get("priority_sector"):
            lines.append(f"Hub priority sector: +{t['priority_sector']}")
        if t.get("requested_sector"):
            lines.append(f"A sector the school asked for: +{t['requested_sector']}")
        if t.get("travel"):
            lines.append(f"Travel ({t['travel']} km): −{t['travel']}")
        return lines


class UnmatchedReason(models.TextChoices):
    """Why a round left a request unmatched (`matching.unmatched`, where each is defined)."""

    NO_OFFER = "no_offer", "No offer of its type"
    YEAR_GROUP = "year_group", "No offer for its year group"
    WINDOW = "window", "No offer in its window"
    DELIVERY = "delivery", "No offer delivered as it asked"
    SESSIONS = "sessions", "No offer large enough"
    NO_LOCATION = "no_location", "Distance unknown"
    TOO_FAR = "too_far", "Offers beyond its travel limit"
    EXCLUDED = "excluded", "Removed by hub staff"
    NOT_CHOSEN = "not_chosen", "Its offers went to other requests"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


class UnmatchedRequest(models.Model):
    """A request a round considered and left without a match, and why, as it stood when the
    round was solved (`services.round_solve`; replaced by each solve). `request_version` is the
    request's version then: once the school edits it, the reason may no longer hold."""

    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="unmatched")
    request = models.ForeignKey(SchoolRequest, on_delete=models.CASCADE, related_name="unmatched")
    request_version = models.PositiveIntegerField()
    reason = models.CharField(max_length=12, choices=UnmatchedReason.choices)
    #: NOT_CHOSEN: the offers it could take; how many had too few sessions left after the round's
    #: matches; how many had room but an employer already at its cap.
    offers = models.PositiveIntegerField(default=0)
    full = models.PositiveIntegerField(default=0)
    capped = models.PositiveIntegerField(default=0)
    #: TOO_FAR: the nearest offer that passed every other test, and the request's limit then.
    nearest_km = models.PositiveIntegerField(null=True, blank=True)
    travel_limit_km = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["request__institution__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "request"], name="one_unmatched_per_request_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.request} not matched in {self.round}: {self.get_reason_display()}"

    @property
    def still_applies(self) -> bool:
        """False once the request has been edited after the round was solved."""
        return self.request.version == self.request_version

    def explanation(self, *, now: bool = False) -> str:
        """Why, in words, with what the school could change: of the round (past tense), or with
        `now` of the hub's offers as they stand (`services.request_outlook`, present tense)."""
        r = self.request
        kind = r.get_kind_display().lower()
        year = r.get_year_group_display()
        reason = self.reason

        def verb(past: str, present: str) -> str:
            return present if now else past

        if reason == UnmatchedReason.NO_OFFER:
            if now:
                return f"No employer in your Careers Hub offers a {kind} at the moment."
            return f"No employer in the round offered a {kind}."
        if reason == UnmatchedReason.YEAR_GROUP:
            return f"No {kind} on offer {verb('was', 'is')} for {year}."
        if reason == UnmatchedReason.WINDOW:
            return (
                f"No {kind} for {year} {verb('was', 'is')} available between {r.window_start:%-d %B %Y} and "
                f"{r.window_end:%-d %B %Y}: a wider window would let more offers in."
            )
        if reason == UnmatchedReason.DELIVERY:
            asked, other = ("in person", "virtual") if r.delivery == "in_person" else ("virtual", "in-person")
            return (
                f"Every {kind} that {verb('suited', 'suits')} it {verb('was', 'is')} {other}, "
                f"and it {verb('asked', 'asks')} for {asked} only."
            )
        if reason == UnmatchedReason.SESSIONS:
            return (
                f"No {kind} that {verb('suited', 'suits')} it {verb('had', 'has')} sessions enough "
                f"left for {r.learners} learners: a smaller group would fit more offers."
            )
        if reason == UnmatchedReason.NO_LOCATION:
            return (
                f"Only in-person offers {verb('suited', 'suit')} it, and the distance to them "
                f"{verb('could', 'can')} not be worked out: the school's location is not recorded."
            )
        if reason == UnmatchedReason.TOO_FAR:
            return (
                f"The nearest {kind} that {verb('suited', 'suits')} it {verb('was', 'is')} {self.nearest_km} km away, "
                f"beyond its limit of {self.travel_limit_km} km."
            )
        if reason == UnmatchedReason.EXCLUDED:
            return "Hub staff removed every match it could have had in this round."
        return self._went_to_others()

    def _went_to_others(self) -> str:
        parts = []
        if self.full:
            parts.append(f"{self.full} had no sessions left for it")
        if self.capped:
            parts.append(f"{self.capped} belonged to an employer already at its limit of requests this term")
        rest = self.offers - self.full - self.capped
        if rest:
            parts.append(
                f"{rest} {'was' if rest == 1 else 'were'} given to other requests in the allocation with the "
                "highest total score found"
            )
        return f"{_count(self.offers, 'offer', 'offers')} could take it, but {'; '.join(parts)}."


class Delivery(models.Model):
    """A confirmed match that took place, recorded by the school. It creates the school's activity
    (careershub.activities), whose participants are the learners who took part; the learners
    themselves are kept there, not here. Only the count is copied, for the hub's summaries."""

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="delivery")
    delivered_on = models.DateField()
    activity = models.OneToOneField(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="employer_delivery"
    )
    participant_count = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "pk"]

    def __str__(self) -> str:
        return f"{self.match} on {self.delivered_on}"


class FeedbackSide(models.TextChoices):
    EMPLOYER = "employer", "Employer"
    SCHOOL = "school", "School or college"


class Feedback(models.Model):
    """Short, structured feedback after delivery: one per side. `would_host_again` is the
    employer's answer, `rating` the school's (1 to 5)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="feedback")
    side = models.CharField(max_length=10, choices=FeedbackSide.choices)
    met_criteria = models.BooleanField("met the meaningful-encounter criteria")
    would_host_again = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["match", "side"]
        constraints = [
            models.UniqueConstraint(fields=["match", "side"], name="one_feedback_per_side"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} feedback on {self.match}"
