"""Matching rounds: a hub's allocation of school requests to employer offers, and its matches.

A round is solved (and re-solved) by `services.round_solve`; see `solver.py` for the objective.
A match is proposed by the solver; hub staff pin, remove or confirm it; a confirmed match is
then accepted or declined by the employer and by the school.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

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
    SOLVED = "solved", "Solved"
    EMPTY = "empty", "Nothing to match"
    INFEASIBLE = "infeasible", "No allocation possible"
    TIMEOUT = "timeout", "Not solved in time"


class MatchRound(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="match_rounds")
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

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.hub}: {self.name}"


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
