"""Reads for the area NEET picture, and who may see what.

The published figures are public statistics: every membership may read the England, region,
local authority and Opportunity Area pages. A hub area page (the local authorities of a hub's
member schools and colleges) is for national and hub staff, like the hub pages themselves.

Beside the figures, the benchmark progress of the area's institutions follows the insight rules
(`careershub/insight/queries.py`): only aggregates, suppressed below the threshold, and only for
those insight lets see them: national and hub staff for any area; a school or college for its
own local authority and England (as on its insight page); a local authority's participation
officer for its own authority, its region and England (the area's institutions in aggregate).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.http import Http404

from careershub.evaluations.models import MeasurementResult
from careershub.geography.models import LocalAuthority, OpportunityArea, OpportunityAreaDistrict, Region
from careershub.hubs.models import Hub, HubMembership
from careershub.insight import queries as insight
from careershub.neet.loading import ENGLAND
from careershub.neet.models import Figure, FigureLoad, Level
from careershub.organisations.models import Membership, OrganisationKind

LEVEL_NAMES = {
    "national": "England",
    "region": "Region",
    "la": "Local authority",
    "hub": "Careers Hub area",
    "oa": "Opportunity Area",
}


@dataclass
class Area:
    level: str
    key: str
    name: str
    #: DfE LA codes whose published figures make up the area (empty for England and a region).
    la_codes: list[str] = field(default_factory=list)
    la_names: dict[str, str] = field(default_factory=dict)
    #: For a hub: current member institutions in each LA.
    members_by_la: dict[str, int] = field(default_factory=dict)
    #: District (LAD) GSS codes, for an Opportunity Area (defined by districts).
    district_codes: list[str] = field(default_factory=list)
    district_notes: list[str] = field(default_factory=list)
    region: Region | None = None
    local_authority: LocalAuthority | None = None
    insight_scope: insight.Scope | None = None

    @property
    def label(self) -> str:
        return self.name if self.level == "national" else f"{self.name} ({LEVEL_NAMES[self.level].lower()})"

    @property
    def figure_code(self) -> str:
        """The code of the area's own published figures (England, region or LA)."""
        if self.level == "national":
            return ENGLAND[0]
        if self.level == "region":
            return self.key
        if self.level == "la":
            return self.key
        return ""


def can_read(membership: Membership | None) -> bool:
    return membership is not None


def can_read_hub_areas(membership: Membership | None) -> bool:
    return membership is not None and membership.organisation.kind in {OrganisationKind.NATIONAL, OrganisationKind.HUB}


def can_compare(membership: Membership | None) -> bool:
    """The comparison across every local authority rests on insight aggregates for every area."""
    return can_read_hub_areas(membership)


def landing(membership: Membership) -> tuple[str, str]:
    """The page a membership starts on: its own local authority, its hub's area, or England."""
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.LOCAL_AUTHORITY and organisation.local_authority_id:
        return "la", LocalAuthority.objects.get(pk=organisation.local_authority_id).dfe_code
    if organisation.kind == OrganisationKind.HUB:
        hub = Hub.objects.filter(organisation=organisation).first()
        if hub is not None:
            return "hub", str(hub.pk)
    if organisation.kind == OrganisationKind.INSTITUTION:
        institution = getattr(organisation, "institution", None)
        if institution is not None and institution.local_authority_id:
            return "la", LocalAuthority.objects.get(pk=institution.local_authority_id).dfe_code
    return "national", "england"


def area_for(level: str, key: str) -> Area:
    """The area a URL names; a 404 when there is none."""
    if level == "national":
        return Area("national", "england", "England", insight_scope=insight.Scope("national", 0, "England"))
    if level == "region":
        region = Region.objects.filter(gss_code=key).first()
        if region is None:
            raise Http404
        return Area(
            "region", key, region.name, region=region, insight_scope=insight.Scope("region", region.pk, region.name)
        )
    if level == "la":
        la = LocalAuthority.objects.select_related("region").filter(dfe_code=key).first()
        if la is None:
            raise Http404
        return Area(
            "la",
            key,
            la.name,
            la_codes=[la.dfe_code],
            la_names={la.dfe_code: la.name},
            region=la.region,
            local_authority=la,
            insight_scope=insight.Scope("la", la.pk, la.name),
        )
    if level == "hub" and key.isdigit():
        return _hub_area(key)
    if level == "oa" and key.isdigit():
        return _oa_area(key)
    raise Http404


def _hub_area(key: str) -> Area:
    hub = Hub.objects.filter(pk=int(key)).first()
    if hub is None:
        raise Http404
    members = (
        HubMembership.objects.filter(hub=hub, left_on__isnull=True, institution__local_authority__isnull=False)
        .values("institution__local_authority__dfe_code", "institution__local_authority__name")
        .annotate(n=Count("id"))
        .order_by("institution__local_authority__name")
    )
    area = Area("hub", key, hub.name, insight_scope=insight.Scope("hub", hub.pk, hub.name))
    for row in members:
        code = row["institution__local_authority__dfe_code"]
        area.la_codes.append(code)
        area.la_names[code] = row["institution__local_authority__name"]
        area.members_by_la[code] = row["n"]
    return area


def _oa_area(key: str) -> Area:
    oa = OpportunityArea.objects.filter(pk=int(key)).first()
    if oa is None:
        raise Http404
    area = Area("oa", key, oa.name, insight_scope=insight.Scope("oa", oa.pk, oa.name))
    for la in oa.local_authorities.order_by("name"):
        area.la_codes.append(la.dfe_code)
        area.la_names[la.dfe_code] = la.name
    for district in OpportunityAreaDistrict.objects.filter(opportunity_area=oa).order_by("name"):
        area.district_codes.append(district.gss_code)
        if district.successor_gss_code:
            area.district_notes.append(f"{district.name} ({district.gss_code}): {district.note}")
    return area


def benchmarks_visible(membership: Membership | None, area: Area) -> bool:
    """Whether the membership may see the aggregate benchmark progress of the area's institutions."""
    if membership is None:
        return False
    organisation = membership.organisation
    if organisation.kind in {OrganisationKind.NATIONAL, OrganisationKind.HUB}:
        return True
    if area.level == "national":
        return organisation.kind in {OrganisationKind.INSTITUTION, OrganisationKind.LOCAL_AUTHORITY}
    if organisation.kind == OrganisationKind.INSTITUTION:
        institution = getattr(organisation, "institution", None)
        own_la = institution.local_authority_id if institution is not None else None
        return area.level == "la" and area.local_authority is not None and area.local_authority.pk == own_la
    if organisation.kind == OrganisationKind.LOCAL_AUTHORITY and organisation.local_authority_id:
        if area.level == "la":
            return area.local_authority is not None and area.local_authority.pk == organisation.local_authority_id
        if area.level == "region":
            own = LocalAuthority.objects.filter(pk=organisation.local_authority_id).values_list("region_id", flat=True)
            return area.region is not None and area.region.pk in list(own)
    return False


def benchmark_trend(area: Area) -> list[dict[str, Any]]:
    """Institutions reporting and average benchmarks fully achieved at every point (unsuppressed:
    the caller suppresses), from the insight queries."""
    assert area.insight_scope is not None
    return insight.trend(area.insight_scope)


def figures(level: str, codes: Iterable[str], measures: Iterable[str]) -> list[Figure]:
    return list(
        Figure.objects.filter(level=level, area_code__in=list(codes), measure__code__in=list(measures))
        .select_related("measure")
        .order_by("year", "period")
    )


def figures_for_areas(pairs: Iterable[tuple[str, str]], measures: Iterable[str]) -> list[Figure]:
    """Figures of several (level, area code) pairs in one query."""
    condition = Q()
    for level, code in pairs:
        condition |= Q(level=level, area_code=code)
    return list(
        Figure.objects.filter(condition, measure__code__in=list(measures))
        .select_related("measure")
        .order_by("year", "period")
    )


def district_figures(*, district_codes: Iterable[str] = (), la_codes: Iterable[str] = ()) -> list[Figure]:
    """KS4 destination counts for districts: by code (an Opportunity Area) or by the LA they
    belonged to in each year (a hub area)."""
    condition = Q(area_code__in=list(district_codes)) | Q(la_code__in=list(la_codes))
    return list(
        Figure.objects.filter(condition, level=Level.DISTRICT, measure__source="ks4_lad").select_related("measure")
    )


def national_district_totals() -> dict[tuple[str, str], int]:
    """KS4 counts summed over every district, by (measure, period): England computed the same way."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    rows = Figure.objects.filter(level=Level.DISTRICT, measure__source="ks4_lad", value__isnull=False).values_list(
        "measure__code", "period", "value"
    )
    for code, period, value in rows:
        totals[(code, period)] += int(value or 0)
    return totals


def regions() -> list[Region]:
    return list(Region.objects.order_by("name"))


def local_authorities(region: Region | None = None) -> list[LocalAuthority]:
    queryset = LocalAuthority.objects.filter(is_current=True).order_by("name")
    if region is not None:
        queryset = queryset.filter(region=region)
    return list(queryset)


def opportunity_areas() -> list[OpportunityArea]:
    return list(OpportunityArea.objects.order_by("name"))


def hubs() -> list[Hub]:
    return list(Hub.objects.order_by("name"))


def latest_load() -> FigureLoad | None:
    return FigureLoad.objects.first()


def recent_loads() -> list[FigureLoad]:
    return list(FigureLoad.objects.select_related("loaded_by")[:10])


def la_benchmark_changes(start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    """Per local authority: institutions reporting at both points and their average benchmarks
    fully achieved at each (the same institutions at both points, so the change is within them)."""
    results = MeasurementResult.objects.filter(point__in=[start, end], institution__local_authority__isnull=False)
    scores: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    la_of: dict[int, int] = {}
    for institution, la, point, score in results.values_list(
        "institution_id", "institution__local_authority_id", "point", "benchmarks_fully_achieved"
    ):
        scores[institution][point] = score
        la_of[institution] = la
    by_la: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for institution, points in scores.items():
        if start in points and end in points:
            by_la[la_of[institution]].append((points[start], points[end]))
    names = dict(LocalAuthority.objects.filter(pk__in=list(by_la)).values_list("pk", "dfe_code"))
    rows = []
    for la, pairs in by_la.items():
        rows.append(
            {
                "la_code": names[la],
                "count": len(pairs),
                "before": sum(p[0] for p in pairs) / len(pairs),
                "after": sum(p[1] for p in pairs) / len(pairs),
            }
        )
    return rows


def summer_points() -> list[datetime.date]:
    return [p for p in insight.points_with_results() if p.month == 7 and p.day == 31]


def la_names() -> dict[str, tuple[str, str]]:
    """DfE code -> (name, region name) of every local authority."""
    return {
        code: (name, region)
        for code, name, region in LocalAuthority.objects.values_list("dfe_code", "name", "region__name")
    }


def series_years(measure: str) -> list[str]:
    """The periods a measure is published for at local authority level, oldest first."""
    return sorted(
        Figure.objects.filter(measure__code=measure, level=Level.LOCAL_AUTHORITY)
        .values_list("period", flat=True)
        .distinct()
    )


def la_series_values(measure: str, periods: list[str]) -> dict[tuple[str, str], tuple[str, float | None]]:
    """(LA code, period) -> (published text, value) for a measure."""
    rows = Figure.objects.filter(measure__code=measure, level=Level.LOCAL_AUTHORITY, period__in=periods)
    return {
        (code, period): (published, None if value is None else float(value))
        for code, period, published, value in rows.values_list("area_code", "period", "published", "value")
    }
