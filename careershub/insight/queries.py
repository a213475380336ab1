"""Reads for the insight dashboards, and who may see what.

Access (issue 4): national memberships see everything; hub memberships see their own hub in
full (its members' results) and every other area only in aggregate; institution memberships
see their own institution's results against aggregates; nobody else sees insight at all.
Aggregates are always suppressed (see `suppression.py`), whoever is looking.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.http import Http404

from careershub.evaluations.models import MeasurementResult
from careershub.geography.models import LocalAuthority, LSIPArea, OpportunityArea, Region
from careershub.hubs.models import Hub, HubMembership
from careershub.insight.aggregates import Aggregates, Group
from careershub.insight.models import InsightFact, InsightFactsState
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, OrganisationKind

LEVELS = {
    "national": "England",
    "region": "Region",
    "la": "Local authority",
    "lsip": "LSIP area",
    "oa": "Opportunity Area",
    "hub": "Careers Hub",
}


@dataclass(frozen=True)
class Scope:
    level: str
    pk: int
    name: str

    @property
    def label(self) -> str:
        return self.name if self.level == "national" else f"{self.name} ({LEVELS[self.level].lower()})"


class Access:
    FULL = "full"
    AGGREGATE = "aggregate"


def dashboard_access(membership: Membership | None, scope: Scope) -> str | None:
    """`full`, `aggregate` or None (refused) for a dashboard."""
    if membership is None:
        return None
    kind = membership.organisation.kind
    if kind == OrganisationKind.NATIONAL:
        return Access.FULL
    if kind == OrganisationKind.HUB:
        if scope.level == "hub" and Hub.objects.filter(pk=scope.pk, organisation=membership.organisation).exists():
            return Access.FULL
        return Access.AGGREGATE
    return None


def can_use_insight(membership: Membership | None) -> bool:
    return membership is not None and membership.organisation.kind in {
        OrganisationKind.NATIONAL,
        OrganisationKind.HUB,
        OrganisationKind.INSTITUTION,
    }


def own_hub(membership: Membership) -> Hub | None:
    if membership.organisation.kind != OrganisationKind.HUB:
        return None
    return Hub.objects.filter(organisation=membership.organisation).first()


def institution_for(membership: Membership, urn: int) -> Institution:
    """The institution an institution page may show: one's own, a member of one's own hub, or
    any for national users. Anything else is a 404."""
    institutions = Institution.objects.select_related("local_authority")
    kind = membership.organisation.kind
    if kind == OrganisationKind.NATIONAL:
        found = institutions.filter(urn=urn).first()
    elif kind == OrganisationKind.INSTITUTION:
        found = institutions.filter(urn=urn, organisation=membership.organisation).first()
    elif kind == OrganisationKind.HUB:
        found = (
            institutions.filter(
                urn=urn,
                hub_memberships__hub__organisation=membership.organisation,
                hub_memberships__left_on__isnull=True,
            )
            .distinct()
            .first()
        )
    else:
        found = None
    if found is None:
        raise Http404
    return found


def scope_for(level: str, pk: int) -> Scope:
    models: dict[str, Any] = {
        "region": Region,
        "la": LocalAuthority,
        "lsip": LSIPArea,
        "oa": OpportunityArea,
        "hub": Hub,
    }
    if level == "national":
        return Scope("national", 0, "England")
    if level not in models:
        raise Http404
    found = models[level].objects.filter(pk=pk).values_list("name", flat=True).first()
    if found is None:
        raise Http404
    return Scope(level, pk, found)


def _membership_at(point: datetime.date) -> Q:
    return Q(joined_on__lte=point) & (Q(left_on__isnull=True) | Q(left_on__gt=point))


def _scope_filter(scope: Scope, point: datetime.date | None) -> Q:
    """Filter on MeasurementResult for the institutions in `scope` (a hub: its members at `point`)."""
    if scope.level == "national":
        return Q()
    if scope.level == "region":
        return Q(institution__local_authority__region_id=scope.pk)
    if scope.level == "la":
        return Q(institution__local_authority_id=scope.pk)
    if scope.level == "lsip":
        return Q(institution__local_authority__lsip_area_id=scope.pk)
    if scope.level == "oa":
        las = OpportunityArea.local_authorities.through.objects.filter(opportunityarea_id=scope.pk)
        return Q(institution__local_authority_id__in=las.values("localauthority_id"))
    if scope.level == "hub":
        members = HubMembership.objects.filter(hub_id=scope.pk)
        if point is not None:
            members = members.filter(_membership_at(point))
        return Q(institution_id__in=members.values("institution_id"))
    raise Http404


def results_in(scope: Scope, point: datetime.date | None = None) -> QuerySet[MeasurementResult]:
    queryset = MeasurementResult.objects.filter(_scope_filter(scope, point))
    return queryset.filter(point=point) if point is not None else queryset


def points_with_results() -> list[datetime.date]:
    return list(MeasurementResult.objects.order_by("-point").values_list("point", flat=True).distinct())


def rows_at(scope: Scope, point: datetime.date) -> list[dict[str, Any]]:
    """One row per institution reporting at `point` in `scope`: its result, kind, FSM %, area and
    the hub it was in at that point (with the hub's wave)."""
    hub_at = HubMembership.objects.filter(_membership_at(point), institution_id=OuterRef("institution_id")).order_by(
        "-joined_on"
    )
    return list(
        results_in(scope, point)
        .annotate(hub_id=Subquery(hub_at.values("hub_id")[:1]), hub_wave=Subquery(hub_at.values("hub__wave")[:1]))
        .values(
            "institution_id",
            "benchmarks_fully_achieved",
            "achieved",
            "institution__name",
            "institution__urn",
            "institution__kind",
            "institution__percent_fsm",
            "institution__local_authority_id",
            "institution__local_authority__name",
            "institution__local_authority__region__name",
            "hub_id",
            "hub_wave",
        )
        .order_by("institution__name", "institution__urn")
    )


def national_fsm_values(point: datetime.date) -> list[float]:
    return [
        float(v)  # type: ignore[arg-type]
        for v in MeasurementResult.objects.filter(point=point, institution__percent_fsm__isnull=False).values_list(
            "institution__percent_fsm", flat=True
        )
    ]


def trend(scope: Scope) -> list[dict[str, Any]]:
    """Institutions reporting and average benchmarks at every point (a hub: its members then)."""
    queryset = _hub_trend_queryset(scope.pk) if scope.level == "hub" else results_in(scope)
    return list(
        queryset.values("point").annotate(count=Count("id"), average=Avg("benchmarks_fully_achieved")).order_by("point")
    )


def _hub_trend_queryset(hub_pk: int) -> QuerySet[MeasurementResult]:
    member_then = HubMembership.objects.filter(
        hub_id=hub_pk, institution_id=OuterRef("institution_id"), joined_on__lte=OuterRef("point")
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=OuterRef("point")))
    ever = HubMembership.objects.filter(hub_id=hub_pk).values("institution_id")
    return MeasurementResult.objects.filter(institution_id__in=ever).filter(Exists(member_then))


def data_version() -> tuple[Any, ...]:
    """Changes whenever results or memberships change (for caching computed figures)."""
    results = MeasurementResult.objects.aggregate(n=Count("id"), last=Max("id"))
    members = HubMembership.objects.aggregate(n=Count("id"), last=Max("id"), left=Max("left_on"))
    return (results["n"], results["last"], members["n"], members["last"], members["left"])


def panel_for(scope: Scope, up_to: datetime.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summer (31 July) panel for the Hub vs comparison statistics, and institution
    attributes for matching. For a hub, its members are compared with institutions that were in
    no hub; for an area, the institutions in it."""
    summer = MeasurementResult.objects.filter(point__month=7, point__day=31, point__lte=up_to)
    if scope.level == "hub":
        ever = HubMembership.objects.filter(hub_id=scope.pk).values("institution_id")
        other_hubs = HubMembership.objects.filter(joined_on__lte=up_to).exclude(hub_id=scope.pk)
        summer = summer.filter(Q(institution_id__in=ever) | ~Q(institution_id__in=other_hubs.values("institution_id")))
    else:
        summer = summer.filter(_scope_filter(scope, None))
    panel = pd.DataFrame(
        list(
            summer.order_by("institution__name", "institution_id", "point").values_list(
                "institution_id", "point", "benchmarks_fully_achieved"
            )
        ),
        columns=["institution", "point", "score"],
    )
    ids = panel["institution"].unique().tolist()
    memberships = HubMembership.objects.filter(institution_id__in=ids) if len(ids) < 900 else HubMembership.objects
    if scope.level == "hub":
        memberships = memberships.filter(hub_id=scope.pk)
    spans = pd.DataFrame(
        list(memberships.values_list("institution_id", "joined_on", "left_on")),
        columns=["institution", "joined_on", "left_on"],
    )
    panel["point"] = pd.to_datetime(panel["point"])
    panel["treated"] = 0
    if not spans.empty and not panel.empty:
        merged = panel.reset_index().merge(spans, on="institution")
        joined = pd.to_datetime(merged["joined_on"])
        left = pd.to_datetime(merged["left_on"])
        inside = (joined <= merged["point"]) & (left.isna() | (left > merged["point"]))
        treated_rows = merged.loc[inside, "index"].unique()
        panel.loc[treated_rows, "treated"] = 1
    return panel, _attributes(ids)


def _attributes(ids: list[int]) -> pd.DataFrame:
    """Kind, region and FSM % of the institutions in a panel (for matching)."""
    institutions = Institution.objects.filter(pk__in=ids) if len(ids) < 900 else Institution.objects.all()
    return pd.DataFrame(
        list(institutions.values_list("pk", "kind", "local_authority__region__name", "percent_fsm")),
        columns=["institution", "kind", "region", "percent_fsm"],
    )


def areas_for_index(membership: Membership) -> dict[str, list[Any]]:
    hubs = Hub.objects.order_by("name")
    if membership.organisation.kind == OrganisationKind.HUB:
        hubs = hubs.filter(organisation=membership.organisation)
    return {
        "regions": list(Region.objects.order_by("name")),
        "lsip_areas": list(LSIPArea.objects.order_by("name")),
        "opportunity_areas": list(OpportunityArea.objects.order_by("name")),
        "hubs": list(hubs),
    }


def hub_names(pks: Iterable[int]) -> list[tuple[int, str]]:
    """(pk, name) of these hubs, by name: hubs' names and aggregate pages are open to every
    insight user who may see an area's page."""
    return list(Hub.objects.filter(pk__in=list(pks)).order_by("name").values_list("pk", "name"))


def areas_within(scope: Scope) -> tuple[str, dict[int, str]] | None:
    """The next level down, for the 'by area' table: regions in England, LAs in a region."""
    if scope.level == "national":
        return "region", dict(Region.objects.values_list("pk", "name"))
    if scope.level in {"region", "lsip", "oa"}:
        return "la", dict(LocalAuthority.objects.values_list("pk", "name"))
    return None


def institution_results(institution: Institution) -> list[MeasurementResult]:
    return list(MeasurementResult.objects.filter(institution=institution).order_by("point"))


def current_hub_of(institution: Institution, point: datetime.date) -> Hub | None:
    membership = (
        HubMembership.objects.filter(_membership_at(point), institution=institution).select_related("hub").first()
    )
    return membership.hub if membership else None


SIMILAR = "Similar institutions (same kind, in the same fifth of that kind by FSM %)"


def similar_cell(fsm: float | None, edges: list[float]) -> int:
    """The fifth (0-4) of an institution's kind by FSM % that it falls in, or 5: FSM not known."""
    return 5 if fsm is None else sum(1 for edge in edges if fsm > edge)


def similar_results(institution: Institution, point: datetime.date) -> list[int]:
    """Scores at `point` of the other institutions of the same kind in the same fifth of that
    kind by FSM % (or with FSM not known if its own is not), from the results themselves."""
    from careershub.insight.dashboard import fsm_quintile_edges

    rows = list(
        MeasurementResult.objects.filter(point=point, institution__kind=institution.kind).values_list(
            "institution_id", "institution__percent_fsm", "benchmarks_fully_achieved"
        )
    )
    edges = fsm_quintile_edges([float(fsm) for _, fsm, _ in rows if fsm is not None])
    own = similar_cell(None if institution.percent_fsm is None else float(institution.percent_fsm), edges)
    return [
        score
        for pk, fsm, score in rows
        if pk != institution.pk and similar_cell(None if fsm is None else float(fsm), edges) == own
    ]


# Precomputed facts (models.InsightFact): what the dashboards read ---------------------------


def _facts_filter(scope: Scope) -> Q:
    """Filter on InsightFact for the institutions in `scope` (a hub: its members at each point)."""
    if scope.level == "national":
        return Q()
    if scope.level == "region":
        return Q(region_id=scope.pk)
    if scope.level == "la":
        return Q(local_authority_id=scope.pk)
    if scope.level == "lsip":
        return Q(lsip_area_id=scope.pk)
    if scope.level == "oa":
        las = OpportunityArea.local_authorities.through.objects.filter(opportunityarea_id=scope.pk)
        return Q(local_authority_id__in=list(las.values_list("localauthority_id", flat=True)))
    if scope.level == "hub":
        return Q(hub_id=scope.pk)
    raise Http404


def facts_in(scope: Scope, point: datetime.date | None = None) -> QuerySet[InsightFact]:
    queryset = InsightFact.objects.filter(_facts_filter(scope))
    return queryset.filter(point=point) if point is not None else queryset


def fact_points() -> list[datetime.date]:
    return list(InsightFact.objects.order_by("-point").values_list("point", flat=True).distinct())


def facts_state() -> InsightFactsState | None:
    """The facts' state row, without the stored decision (read only when nothing is cached)."""
    return InsightFactsState.objects.defer("withheld").filter(pk=1).first()


def fsm_edges_at(point: datetime.date) -> list[float]:
    """National FSM quintile edges among the institutions reporting at `point` (computed at
    each refresh, see `national_fsm_edges`)."""
    state = facts_state()
    if state is not None and point.isoformat() in state.fsm_edges:
        return [float(edge) for edge in state.fsm_edges[point.isoformat()]]
    return _fsm_edges_counted(point)


def _fsm_edges_counted(point: datetime.date) -> list[float]:
    from careershub.insight.dashboard import fsm_quintile_edges

    # Read as floats by the database (the same doubles as float(Decimal)), not as Decimals.
    values = InsightFact.objects.filter(point=point, percent_fsm__isnull=False).values_list(
        Cast("percent_fsm", FloatField()), flat=True
    )
    return fsm_quintile_edges(list(values))


def national_fsm_edges() -> dict[str, list[float]]:
    """The FSM quintile edges at every point, from one read of the facts."""
    from careershub.insight.dashboard import fsm_quintile_edges

    values: dict[str, list[float]] = {}
    rows = InsightFact.objects.filter(percent_fsm__isnull=False).values_list("point", Cast("percent_fsm", FloatField()))
    for point, fsm in rows.iterator(chunk_size=5000):
        values.setdefault(point.isoformat(), []).append(fsm)
    return {point: fsm_quintile_edges(found) for point, found in values.items()}


def _groups(queryset: QuerySet[InsightFact], *fields: str, **expressions: Any) -> list[dict[str, Any]]:
    return list(queryset.values(*fields, **expressions).annotate(n=Count("*"), total=Sum("score")).order_by())


def quintile_expression(fsm_edges: list[float]) -> Any:
    """A fact's national FSM quintile at its point (None: FSM not known, or no edges)."""
    if not fsm_edges:
        return Value(None, output_field=IntegerField())
    return Case(
        When(percent_fsm__isnull=True, then=Value(None)),
        *[When(percent_fsm__lte=edge, then=Value(q)) for q, edge in enumerate(fsm_edges, start=1)],
        default=Value(len(fsm_edges) + 1),
        output_field=IntegerField(),
    )


def aggregates_at(
    scope: Scope,
    point: datetime.date,
    *,
    fsm_edges: list[float],
    area_level: str | None,
    members: bool,
) -> Aggregates:
    """Every figure a dashboard shows at `point`, counted by the database over the facts in two
    passes: the headline counts, then institutions and total score for each combination of kind,
    FSM quintile, hub wave and area, rolled up here into each breakdown."""
    facts = facts_in(scope, point)
    quintile = quintile_expression(fsm_edges)
    in_hub = Case(When(hub_id__isnull=True, then=Value(False)), default=Value(True), output_field=BooleanField())
    area_field = {"region": "region_id", "la": "local_authority_id"}.get(area_level or "")
    area: Any = F(area_field) if area_field else Value(None, output_field=IntegerField())
    # One row of counts (distribution 0-8, each benchmark, total score) ...
    headline = facts.aggregate(
        total=Sum("score"),
        **{f"s{n}": Count("pk", filter=Q(score=n)) for n in range(9)},
        **{f"b{n}": Count("pk", filter=Q(**{f"b{n}": True})) for n in range(1, 9)},
    )
    result = Aggregates(
        count=sum(headline[f"s{n}"] for n in range(9)),
        total=headline["total"] or 0,
        all_eight=0,
        benchmarks=[headline[f"b{n}"] for n in range(1, 9)],
        distribution=[headline[f"s{n}"] for n in range(9)],
        by_kind={},
        by_fsm={},
        by_membership={},
        by_wave={},
        by_area={},
    )
    # ... and institutions and total score for each combination of the breakdowns' groups.
    cells = (
        facts.values("kind", "hub_wave", quintile=quintile, in_hub=in_hub, area=area)
        .annotate(n=Count("*"), total=Sum("score"))
        .order_by()
    )
    for cell in cells:
        group = Group(cell["n"], cell["total"])
        _add(result.by_kind, cell["kind"], group)
        _add(result.by_fsm, cell["quintile"], group)
        _add(result.by_membership, cell["in_hub"], group)
        _add(result.by_wave, cell["hub_wave"] if cell["in_hub"] else None, group)
        if area_field and cell["area"] is not None:
            _add(result.by_area, cell["area"], group)
    result.all_eight = result.distribution[8]
    if members:
        result.members = list(
            facts.order_by("institution__name", "institution__urn").values_list(
                "institution__name", "institution__urn", "score"
            )
        )
    return result


def _add(groups: dict[Any, Group], key: Any, group: Group) -> None:
    found = groups.get(key, Group(0, 0))
    groups[key] = Group(found.count + group.count, found.total + group.total)


def facts_trend(scope: Scope) -> list[dict[str, Any]]:
    """Institutions reporting and their total score at every point (a hub: its members then)."""
    return list(facts_in(scope).values("point").annotate(count=Count("*"), total=Sum("score")).order_by("point"))


def trend_for(scope: Scope) -> list[dict[str, Any]]:
    """`facts_trend`, England's read from the figures computed at the last refresh."""
    state = facts_state() if scope.level == "national" else None
    if state is None or not state.refreshed_at:
        return facts_trend(scope)
    return [
        {"point": datetime.date.fromisoformat(point), "count": count, "total": total}
        for point, count, total in state.national_trend
    ]


def facts_scores(scope: Scope, point: datetime.date) -> Group:
    found = facts_in(scope, point).aggregate(n=Count("*"), total=Sum("score"))
    return Group(found["n"], found["total"] or 0)


@dataclass(frozen=True)
class Similar:
    """An institution's similar institutions at a point: the others of its kind in its fifth of
    that kind by FSM % (fixed cells, so that two institutions' groups never differ by a sliver
    of others), with what the withholding decision needs (`dashboard.similar_withheld`)."""

    group: Group  # the institution's cell, without the institution itself
    kind: str
    cells: list[int]  # institutions of the kind in each cell (fifths by FSM %, then FSM not known)
    cell: int  # the institution's cell
    kinds: dict[str, int]  # institutions reporting at the point by kind: England's 'by kind' rows


def similar_at(institution: Institution, point: datetime.date) -> Similar:
    """Two reads of the facts: the kinds at the point, and the institution's kind."""
    kinds = dict(InsightFact.objects.filter(point=point).values_list("kind").annotate(n=Count("*")).order_by())
    rows = list(
        InsightFact.objects.filter(point=point, kind=institution.kind).values_list(
            "institution_id", Cast("percent_fsm", FloatField()), "score"
        )
    )
    from careershub.insight.dashboard import fsm_quintile_edges

    edges = fsm_quintile_edges([fsm for _, fsm, _ in rows if fsm is not None])
    own = similar_cell(None if institution.percent_fsm is None else float(institution.percent_fsm), edges)
    cells = [0] * 6
    count = total = 0
    for pk, fsm, score in rows:
        cell = similar_cell(fsm, edges)
        cells[cell] += 1
        if cell == own and pk != institution.pk:
            count += 1
            total += score
    return Similar(Group(count, total), institution.kind, cells, own, kinds)


def institution_comparisons(institution: Institution, point: datetime.date) -> list[tuple[str, Scope | Similar, Group]]:
    """What an institution's result at `point` is compared with: its hub then, its local
    authority, similar institutions, England (with the scope, or for similar institutions what
    their withholding is decided from)."""
    groups: list[tuple[str, Scope | Similar, Group]] = []
    hub = current_hub_of(institution, point)
    if hub is not None:
        scope = Scope("hub", hub.pk, hub.name)
        groups.append((hub.name, scope, facts_scores(scope, point)))
    if institution.local_authority_id and institution.local_authority is not None:
        la = Scope("la", institution.local_authority_id, institution.local_authority.name)
        groups.append((f"{la.name} (local authority)", la, facts_scores(la, point)))
    similar = similar_at(institution, point)
    groups.append((SIMILAR, similar, similar.group))
    england = Scope("national", 0, "England")
    groups.append(("England", england, facts_scores(england, point)))
    return groups


def facts_panel(scope: Scope, up_to: datetime.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`panel_for` read from the facts: the summer (31 July) panel with `treated` (in a hub at
    that point; for a hub, in that hub) and institution attributes for matching."""
    summers = [datetime.date(year, 7, 31) for year in range(2000, up_to.year + 1)]
    summer = InsightFact.objects.filter(point__in=[day for day in summers if day <= up_to])
    if scope.level == "hub":
        ever = HubMembership.objects.filter(hub_id=scope.pk).values("institution_id")
        other_hubs = HubMembership.objects.filter(joined_on__lte=up_to).exclude(hub_id=scope.pk)
        summer = summer.filter(Q(institution_id__in=ever) | ~Q(institution_id__in=other_hubs.values("institution_id")))
        treated: Any = Case(When(hub_id=scope.pk, then=Value(1)), default=Value(0), output_field=IntegerField())
    else:
        summer = summer.filter(_facts_filter(scope))
        treated = Case(When(hub_id__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    panel = pd.DataFrame(
        list(
            summer.annotate(treated=treated)
            .order_by("institution__name", "institution_id", "point")
            .values_list("institution_id", "point", "score", "treated")
        ),
        columns=["institution", "point", "score", "treated"],
    )
    panel["point"] = pd.to_datetime(panel["point"])
    panel["treated"] = panel["treated"].astype("int64")
    return panel, _attributes(panel["institution"].unique().tolist())


# Every area's panel from one read (for computing the estimates ahead) ------------------------


@dataclass
class PanelSource:
    """Every summer fact up to a follow-up point, read once, with what is needed to cut out the
    panel of any scope exactly as `facts_panel` reads it (same rows, order and types)."""

    facts: pd.DataFrame
    attributes: pd.DataFrame
    oa_las: dict[int, set[int]]
    hub_ever: dict[int, set[int]]
    #: Institutions with a membership of each hub that had started by the follow-up point.
    hub_joined: dict[int, set[int]]

    def panel(self, scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
        facts = self.facts
        if scope.level == "hub":
            ever = self.hub_ever.get(scope.pk, set())
            others = set().union(*(ids for pk, ids in self.hub_joined.items() if pk != scope.pk))
            institution = facts["institution"]
            rows = facts[institution.isin(ever) | ~institution.isin(others)]
            treated = (rows["hub_id"] == scope.pk).astype("int64")
        else:
            if scope.level == "national":
                rows = facts
            elif scope.level == "oa":
                rows = facts[facts["local_authority_id"].isin(self.oa_las.get(scope.pk, set()))]
            else:
                column = {"region": "region_id", "la": "local_authority_id", "lsip": "lsip_area_id"}[scope.level]
                rows = facts[facts[column] == scope.pk]
            treated = rows["hub_id"].notna().astype("int64")
        panel = rows[["institution", "point", "score"]].assign(treated=treated).reset_index(drop=True)
        ids = panel["institution"].unique().tolist()
        attributes = self.attributes[self.attributes["institution"].isin(ids)].reset_index(drop=True)
        return panel, attributes


def panel_source(up_to: datetime.date) -> PanelSource:
    """Read once what `PanelSource.panel` needs for every scope (five queries)."""
    summers = [datetime.date(year, 7, 31) for year in range(2000, up_to.year + 1)]
    columns = ["institution", "point", "score", "hub_id", "local_authority_id", "region_id", "lsip_area_id"]
    facts = pd.DataFrame(
        list(
            InsightFact.objects.filter(point__in=[day for day in summers if day <= up_to])
            .order_by("institution__name", "institution_id", "point")
            .values_list("institution_id", *columns[1:])
        ),
        columns=columns,
    )
    facts["point"] = pd.to_datetime(facts["point"])
    facts["score"] = facts["score"].astype("int64")
    oa_las: dict[int, set[int]] = {}
    links = OpportunityArea.local_authorities.through.objects.values_list("opportunityarea_id", "localauthority_id")
    for oa_pk, la_pk in links:
        oa_las.setdefault(oa_pk, set()).add(la_pk)
    hub_ever: dict[int, set[int]] = {}
    hub_joined: dict[int, set[int]] = {}
    for hub_pk, institution_pk, joined_on in HubMembership.objects.values_list("hub_id", "institution_id", "joined_on"):
        hub_ever.setdefault(hub_pk, set()).add(institution_pk)
        if joined_on <= up_to:
            hub_joined.setdefault(hub_pk, set()).add(institution_pk)
    return PanelSource(facts, _all_attributes(), oa_las, hub_ever, hub_joined)


def _all_attributes() -> pd.DataFrame:
    return pd.DataFrame(
        list(Institution.objects.values_list("pk", "kind", "local_authority__region__name", "percent_fsm")),
        columns=["institution", "kind", "region", "percent_fsm"],
    )
