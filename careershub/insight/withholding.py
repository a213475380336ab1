"""Which areas and hubs are withheld at each measurement point, the same on every page.

Every area's figures are published twice: on its own dashboard and as a row of its parent's
breakdown (LAs on a region's, LSIP area's or Opportunity Area's page; regions on England's), and
every area's count is the sum of its local authorities'. Hubs likewise: each hub's page, and
England's "in a hub" and per-wave rows, which are sums of hubs. So a figure withheld in one table
could be worked out from the pages of the others. `suppression.withhold_consistently` decides, per
point, the atoms (local authorities; hubs and "in no hub") and groups (England, regions, LSIP
areas, Opportunity Areas; England, "in a hub", waves) to withhold so that no withheld figure can
be; every output (page, chart, CSV, XLSX, PDF, the institution page's comparisons) applies the
same decision. Computed from one grouped read of the facts for every point at once, and cached
until the facts are refreshed (the refresh decides ahead once its facts are committed).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Sum

from careershub.geography.models import LocalAuthority, OpportunityArea
from careershub.hubs.models import Hub
from careershub.insight.models import InsightFact, InsightFactsState
from careershub.insight.queries import Scope, facts_state
from careershub.insight.suppression import threshold, withhold_consistently

NO_HUB = "none"
IN_HUB = "in_hub"
ENGLAND = ("national", 0)


@dataclass(frozen=True)
class PointWithheld:
    """What is withheld at one point: areas as (level, pk), hubs by pk, waves, and whether the
    national "in a hub" and "not in a hub" counts are."""

    areas: frozenset[tuple[str, int]] = frozenset()
    hubs: frozenset[int] = frozenset()
    waves: frozenset[int] = frozenset()
    in_hub: bool = False
    not_in_hub: bool = False

    #: Areas (level, pk) holding institutions of a withheld hub (or, when "not in a hub" is
    #: withheld, institutions in no hub): their membership and wave rows are sums over hubs.
    mixed: frozenset[tuple[str, int]] = frozenset()

    def scope(self, scope: Scope) -> bool:
        if scope.level == "hub":
            return scope.pk in self.hubs
        return (scope.level, scope.pk) in self.areas

    def mixed_scope(self, scope: Scope) -> bool:
        return (scope.level, scope.pk) in self.mixed


@dataclass(frozen=True)
class ScopeWithheld:
    """The decision as one dashboard needs it."""

    scope: bool = False  # this scope's figures at the point
    points: frozenset[datetime.date] = frozenset()  # trend points at which this scope is withheld
    children: frozenset[int] = frozenset()  # pks of the 'by area' rows withheld
    in_hub: bool = False  # national only: the membership and wave rows
    not_in_hub: bool = False
    waves: frozenset[int] = frozenset()
    mixed: bool = False  # an area holding a withheld hub's institutions: its membership and wave rows
    by_point: dict[datetime.date, PointWithheld] = field(default_factory=dict)


def _decide(
    areas: dict[int | None, int],
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
    hubs: dict[int | str, int],
    wave_of: dict[int | str, int | None],
    minimum: int,
) -> PointWithheld:
    area_groups: dict[tuple[str, int], frozenset[int | None]] = {ENGLAND: frozenset(areas)}
    for la in areas:
        region, lsip = area_of.get(la, (None, None))
        for level, pk in (("region", region), ("lsip", lsip)):
            if pk is not None:
                area_groups[(level, pk)] = area_groups.get((level, pk), frozenset()) | {la}
    for oa, las in oas.items():
        if inside := frozenset(la for la in las if la in areas):
            area_groups[("oa", oa)] = inside
    hub_groups: dict[Any, frozenset[int | str]] = {ENGLAND: frozenset(hubs)}
    hub_groups[IN_HUB] = frozenset(h for h in hubs if h != NO_HUB)
    for hub, wave in wave_of.items():
        if hub in hubs and hub != NO_HUB and wave is not None:
            hub_groups[("wave", wave)] = hub_groups.get(("wave", wave), frozenset()) | {hub}
    england: set[Any] = set()
    while True:  # England's count is one figure: withheld by either side, withheld by both
        by_area = withhold_consistently(areas, area_groups, minimum, withheld_groups=england)
        by_hub = withhold_consistently(hubs, hub_groups, minimum, withheld_groups=england)
        found = ({ENGLAND} & by_area.groups) | ({ENGLAND} & by_hub.groups)
        if found <= england:
            break
        england |= found
    return PointWithheld(
        areas=frozenset({("la", la) for la in by_area.atoms if la is not None} | by_area.groups | england),
        hubs=frozenset(hub for hub in by_hub.atoms if isinstance(hub, int)),
        waves=frozenset(group[1] for group in by_hub.groups if isinstance(group, tuple) and group[0] == "wave"),
        in_hub=IN_HUB in by_hub.groups,
        not_in_hub=NO_HUB in by_hub.atoms,
    )


Figures = tuple[int, int]  # institutions reporting, their total score


@dataclass(frozen=True)
class Counted:
    """Institutions and their total score at every point by local authority (None: none) and by
    hub (`NO_HUB`: in none), with the areas and waves they roll up into."""

    by_la: dict[datetime.date, dict[int | None, Figures]]
    by_hub: dict[datetime.date, dict[int | str, Figures]]
    #: The (local authority, hub) pairs holding institutions at each point.
    pairs: dict[datetime.date, set[tuple[int | None, int | str]]]
    area_of: dict[int | None, tuple[int | None, int | None]]
    oas: dict[int, set[int]]
    wave_of: dict[int | str, int | None]

    def trend(self, scope: Scope) -> list[dict[str, Any]]:
        """`queries.facts_trend` rolled up from these figures: no read of the facts."""
        rows = []
        for point in sorted(self.by_la):
            if scope.level == "hub":
                found = [self.by_hub.get(point, {}).get(scope.pk, (0, 0))]
            else:
                found = [figures for la, figures in self.by_la[point].items() if self._in(la, scope)]
            count = sum(n for n, _ in found)
            if count:
                rows.append({"point": point, "count": count, "total": sum(total for _, total in found)})
        return rows

    def _in(self, la: int | None, scope: Scope) -> bool:
        if scope.level == "national":
            return True
        if la is None:
            return False
        region, lsip = self.area_of.get(la, (None, None))
        return {
            "region": region == scope.pk,
            "lsip": lsip == scope.pk,
            "la": la == scope.pk,
            "oa": la in self.oas.get(scope.pk, set()),
        }.get(scope.level, False)


def count() -> Counted:
    """One grouped read of the facts, by point, local authority and hub (which gives the counts
    by LA and by hub, and the (LA, hub) pairs holding institutions), and the areas' and hubs'
    reference rows (which the facts copy)."""
    by_la: dict[datetime.date, dict[int | None, Figures]] = {}
    by_hub: dict[datetime.date, dict[int | str, Figures]] = {}
    pairs: dict[datetime.date, set[tuple[int | None, int | str]]] = {}
    # COUNT(*), not of the key: the index on (point, LA, hub, score) then answers it alone.
    grouped = InsightFact.objects.values_list("point", "local_authority_id", "hub_id").annotate(
        n=Count("*"), t=Sum("score")
    )
    for point, la, hub, n, total in grouped.order_by():
        atom: int | str = NO_HUB if hub is None else hub
        here_la, here_hub = by_la.setdefault(point, {}), by_hub.setdefault(point, {})
        count_la, total_la = here_la.get(la, (0, 0))
        here_la[la] = (count_la + n, total_la + (total or 0))
        count_hub, total_hub = here_hub.get(atom, (0, 0))
        here_hub[atom] = (count_hub + n, total_hub + (total or 0))
        pairs.setdefault(point, set()).add((la, atom))
    oas: dict[int, set[int]] = {}
    for oa, la in OpportunityArea.local_authorities.through.objects.values_list(
        "opportunityarea_id", "localauthority_id"
    ):
        oas.setdefault(oa, set()).add(la)
    return Counted(
        by_la=by_la,
        by_hub=by_hub,
        pairs=pairs,
        area_of={
            pk: (region, lsip)
            for pk, region, lsip in LocalAuthority.objects.values_list("pk", "region_id", "lsip_area_id")
        },
        oas=oas,
        wave_of=dict(Hub.objects.values_list("pk", "wave")),
    )


def _mixed(
    decided: PointWithheld,
    pairs: set[tuple[int | None, int | str]],
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
) -> PointWithheld:
    """`decided` with the areas whose membership and wave rows could give a withheld hub away:
    those holding institutions of a withheld hub (or, when England's "not in a hub" count is
    withheld, institutions in no hub). Such a row is a sum over the hubs' institutions in the
    area; whoever knows where the published hubs' institutions are can subtract them, so no row
    holding a withheld hub's institutions is safe, however many others it holds, and the rows
    left would give the withheld ones from the area's total. So all of them are withheld there.
    The areas are the local authorities holding them and every area containing one of these."""
    bad = set(decided.hubs) | ({NO_HUB} if decided.not_in_hub else set())
    if not bad:
        return decided
    las = {la for la, hub in pairs if hub in bad and la is not None}
    mixed: set[tuple[str, int]] = {("la", la) for la in las}
    for la in las:
        region, lsip = area_of.get(la, (None, None))
        mixed |= {(level, pk) for level, pk in (("region", region), ("lsip", lsip)) if pk is not None}
    mixed |= {("oa", oa) for oa, members in oas.items() if members & las}
    return dataclasses.replace(decided, mixed=frozenset(mixed))


def compute(counted: Counted | None = None) -> dict[datetime.date, PointWithheld]:
    """The decision at every point."""
    minimum = threshold()
    counted = counted or count()
    return {
        point: _mixed(
            _decide(
                {la: n for la, (n, _) in las.items()},
                counted.area_of,
                counted.oas,
                {hub: n for hub, (n, _) in counted.by_hub.get(point, {}).items()},
                counted.wave_of,
                minimum,
            ),
            counted.pairs.get(point, set()),
            counted.area_of,
            counted.oas,
        )
        for point, las in sorted(counted.by_la.items())
    }


def warm() -> None:
    """Decide ahead (the refresh task calls this once the new facts are committed)."""
    decisions()


def load(state: InsightFactsState | bool | None = True) -> tuple[dict[datetime.date, PointWithheld], Counted]:
    """The decisions and the counts they come from, cached until the facts are refreshed (or the
    threshold changes). `state`: the facts' state row if already read (True: read it here)."""
    if state is True:
        state = facts_state()
    assert state is None or isinstance(state, InsightFactsState)
    if state is None or not state.refreshed_at:
        counted = count()
        return compute(counted), counted
    key = f"insight-withheld:{state.source_version}:{state.refreshed_at.timestamp()}:{state.rows}:{threshold()}"
    found = cache.get(key)
    if found is None:
        counted = count()
        found = (compute(counted), counted)
        cache.set(key, found, 24 * 3600)
    return found  # type: ignore[no-any-return]


def decisions(state: InsightFactsState | bool | None = True) -> dict[datetime.date, PointWithheld]:
    """`compute`, cached until the facts are refreshed (or the threshold changes). `state`: the
    facts' state row if already read (True: read it here)."""
    return load(state)[0]


def trend(scope: Scope, state: InsightFactsState | bool | None = True) -> list[dict[str, Any]]:
    """The scope's trend (institutions and total score at every point) from the same cached
    counts as the decisions: pages of every area and hub read no facts for it."""
    return load(state)[1].trend(scope)


def for_scope(scope: Scope, point: datetime.date, found: dict[datetime.date, PointWithheld]) -> ScopeWithheld:
    here = found.get(point, PointWithheld())
    if scope.level == "national":
        children = frozenset(pk for level, pk in here.areas if level == "region")
    elif scope.level in {"region", "lsip", "oa"}:
        children = frozenset(pk for level, pk in here.areas if level == "la")
    else:
        children = frozenset()
    national = scope.level == "national"
    return ScopeWithheld(
        scope=here.scope(scope),
        points=frozenset(p for p, decision in found.items() if decision.scope(scope)),
        children=children,
        in_hub=national and here.in_hub,
        not_in_hub=national and here.not_in_hub,
        waves=here.waves if national else frozenset(),
        mixed=here.mixed_scope(scope),
        by_point=found,
    )
