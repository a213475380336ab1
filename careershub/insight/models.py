"""Precomputed facts for the insight dashboards.

`InsightFact` holds one row per institution and formal measurement point: the institution's
result then (from `evaluations.MeasurementResult`) with, copied beside it, everything the
dashboards group or filter by (kind, FSM %, local authority, region, LSIP area, and the hub it
was in at that point with the hub's wave). Dashboards then aggregate one indexed table in the
database instead of joining results, institutions, areas and hub memberships and counting in
Python. The rows are derived data only: `services.facts_refresh` rebuilds them from the
source tables (after a submission, a hub membership change, a generator run, or
`manage.py refresh_insight_facts`), and tests check every figure against a computation from
the source tables.

No pupil data is held here: only institution-level results and public attributes of the
institution (GIAS kind, FSM %, area) and of its hub.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from careershub.institutions.models import Institution


class InsightFact(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    point = models.DateField()
    #: Benchmarks fully achieved (0-8) and, for each benchmark, whether it was fully achieved.
    score = models.PositiveSmallIntegerField()
    b1 = models.BooleanField(default=False)
    b2 = models.BooleanField(default=False)
    b3 = models.BooleanField(default=False)
    b4 = models.BooleanField(default=False)
    b5 = models.BooleanField(default=False)
    b6 = models.BooleanField(default=False)
    b7 = models.BooleanField(default=False)
    b8 = models.BooleanField(default=False)
    #: Copies of the institution's attributes, for the breakdowns (kept in step by the refresh).
    kind = models.CharField(max_length=30)
    percent_fsm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    #: Area identifiers (geography pks), plain integers: filters and groups, never joined.
    local_authority_id = models.PositiveIntegerField(null=True, blank=True)
    region_id = models.PositiveIntegerField(null=True, blank=True)
    lsip_area_id = models.PositiveIntegerField(null=True, blank=True)
    #: The hub the institution was in at `point` (None: in no hub then) and that hub's wave.
    hub_id = models.PositiveIntegerField(null=True, blank=True)
    hub_wave = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "point"], name="one_fact_per_point")]
        # Few indexes: each one slows the refresh. National and area figures read one point
        # (about 5,000 rows nationally) through the first; hub and LA pages their own. The first
        # also holds the LA, hub and kind so that it covers the withholding decision's grouped
        # read (by point, LA and hub: `withholding.count`), the trend and a point's kinds: each
        # is read from the index alone (at national size, SQLite: decision 110 -> 18 ms, kinds
        # 8 -> 1 ms; PostgreSQL: decision 45 -> 22 ms).
        indexes = [
            models.Index(
                fields=["point", "local_authority_id", "hub_id", "kind", "score"], name="insight_fact_point_la_hub"
            ),
            models.Index(fields=["hub_id", "point", "score"], name="insight_fact_hub"),
            models.Index(fields=["local_authority_id", "point", "score"], name="insight_fact_la"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} at {self.point}: {self.score}"

    @staticmethod
    def benchmark_field(number: int) -> str:
        return f"b{number}"


class InsightFactsState(models.Model):
    """When the facts were last rebuilt, and from which version of the source data (one row)."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    source_version = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    #: Small national figures every page needs, computed at each refresh: England's trend
    #: ([point, institutions, total score] per point) and the FSM quintile edges at each point.
    national_trend = models.JSONField(default=list)
    fsm_edges = models.JSONField(default=dict)
    #: What is withheld across pages at every point (`withholding.compute`), decided once the
    #: facts are committed and stored here so that no web process decides it again:
    #: {"key": the facts' version and threshold it was decided for, "points": {date: decision}}.
    withheld = models.JSONField(default=dict)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_facts_state")]

    def __str__(self) -> str:
        return f"Insight facts refreshed at {self.refreshed_at}"


class InsightComparison(models.Model):
    """A stored Hub vs comparison estimate (both methods and the membership trend table) for a
    scope and follow-up point, computed from the facts as they were at `source_version`. The
    refresh task computes ahead those of every dashboard at the latest summer point; a page
    computes (and stores) one only when none is stored for the current facts."""

    level = models.CharField(max_length=10)
    scope_pk = models.PositiveIntegerField()
    follow_up = models.DateField()
    source_version = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now=True)
    content = models.JSONField(help_text="The estimates and the table, as `services.comparison_for` returns them")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "scope_pk", "follow_up"], name="one_comparison_per_scope")
        ]

    def __str__(self) -> str:
        return f"Comparison for {self.level} {self.scope_pk} at {self.follow_up}"
