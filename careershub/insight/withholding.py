"""Which areas and hubs are withheld at each measurement point, the same on every page.

Every area's figures are published twice: on its own dashboard and as a row of its parent's
breakdown (LAs on a region's, LSIP area's or Opportunity Area's page; regions on England's), and
every area's count is the sum of its local authorities'. Hubs likewise: each hub's page, and
England's "in a hub" and per-wave rows, which are sums of hubs. So a figure withheld in one table
could be worked out from the pages of the others. `suppression.withhold_consistently` decides, per
point, the atoms (local authorities; hubs and "in no hub") and groups (England, regions, LSIP
areas, Opportunity Areas; England, "in a hub", waves) to withhold on each hierarchy; then
`suppression.withhold_jointly` makes that good over the (LA, hub) cells, where every published
count is a sum of cells (areas' totals; England's and regions' membership and wave rows, those
under the threshold withheld to start with; hubs' counts): each withheld count gets a move of
institutions between cells that changes no published count, withholding whatever such a move
would change (ADR 0014, joint addendum); the institutions in no hub of the LAs that hubs fill
but for a few are such a count too (`remainders`), and no class of withheld areas may be
uniform on a benchmark (`mixed_classes`). Points are decided in order, and no page's figures
may differ from those of the last point it was published at by an institution's arrival or
departure among fewer than the threshold of changes (`entrants`). Pages below a region publish
no membership or wave rows (`BREAKDOWN_LEVELS`; ADR 0014, limit 8 addendum). Every output
(page, chart, CSV, XLSX, PDF, the institution page's comparisons) applies the same decision.
Computed from a few grouped reads of the facts for every point at once, and cached until the
facts are refreshed (the refresh decides ahead once its facts are committed).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from careershub.geography.models import LocalAuthority, OpportunityArea
from careershub.hubs.models import Hub
from careershub.insight.models import InsightFact, InsightFactsState
from careershub.insight.queries import Scope, facts_state, national_fsm_edges
from careershub.insight.suppression import JointTable, primary, threshold, withhold_consistently, withhold_jointly

NO_HUB = "none"
IN_HUB = "in_hub"
ENGLAND = ("national", 0)
#: The levels whose pages publish breakdowns by hub membership and hub wave (tables and the
#: membership trend). Below a region (local authorities, LSIP areas, Opportunity Areas) the
#: institutions in no hub are mostly under the threshold, and an area's "not in a hub" figures are
#: its total less the hubs lying inside it: protecting those rows would withhold most hubs' pages
#: at recent points (ADR 0014, limit 8 addendum), so they are not published there.
BREAKDOWN_LEVELS = frozenset({"national", "region"})


Part = Any  # a membership or wave row of an area's page: IN_HUB, NOT_IN_HUB or ("wave", wave or None)
NOT_IN_HUB = "not_in_hub"


@dataclass(frozen=True)
class PointWithheld:
    """What is withheld at one point: areas as (level, pk), hubs by pk, and the membership and
    wave rows of areas' pages as (level, pk, part); England's rows also as `in_hub`,
    `not_in_hub` (England's "not in a hub" count) and `waves`."""

    areas: frozenset[tuple[str, int]] = frozenset()
    hubs: frozenset[int] = frozenset()
    waves: frozenset[int] = frozenset()
    in_hub: bool = False
    not_in_hub: bool = False
    #: Rows of the membership and wave tables (and the membership trend) withheld on pages
    #: whose figures are otherwise published: (level, pk, part), `Part` as above.
    parts: frozenset[tuple[str, int, Part]] = frozenset()
    #: Rows of the breakdowns by kind, by FSM quintile and by score (the distribution) withheld
    #: on pages whose figures are otherwise published, as JSON (`rows_text`; read as `rows`):
    #: a page reads those of its point only, so a web process reading the stored decision parses
    #: a point's thousands of rows only when a page shows that point.
    rows_text: str = "[]"

    @cached_property
    def rows(self) -> frozenset[tuple[str, str, int, Any]]:
        """(family, level, pk, group), `FAMILIES`; level "hub" for a hub's page."""
        return self.rows_parsed()

    def rows_parsed(self) -> frozenset[tuple[str, str, int, Any]]:
        """`rows`, parsed again and not kept on the decision (which is cached pickled, so parsed
        rows kept on it would be unpickled on every page's read)."""
        return frozenset((family, level, pk, group) for family, level, pk, group in json.loads(self.rows_text))

    def rows_of(self, family: str, scope: Scope) -> frozenset[Any]:
        """The groups of a breakdown (`FAMILIES`) withheld on the scope's page."""
        return frozenset(
            group for found, level, pk, group in self.rows if found == family and (level, pk) == (scope.level, scope.pk)
        )

    def scope(self, scope: Scope) -> bool:
        if scope.level == "hub":
            return scope.pk in self.hubs
        return (scope.level, scope.pk) in self.areas

    def parts_of(self, scope: Scope) -> frozenset[Part]:
        """The membership and wave rows withheld on the scope's page (none for a hub)."""
        return frozenset(part for level, pk, part in self.parts if (level, pk) == (scope.level, scope.pk))


def as_rows_text(rows: Iterable[tuple[str, str, int, Any]]) -> str:
    """`PointWithheld.rows_text` for these rows (one order, so equal rows give equal text)."""
    return json.dumps(sorted((list(row) for row in rows), key=repr), separators=(",", ":"))


@dataclass(frozen=True)
class ScopeWithheld:
    """The decision as one dashboard needs it."""

    scope: bool = False  # this scope's figures at the point
    points: frozenset[datetime.date] = frozenset()  # trend points at which this scope is withheld
    children: frozenset[int] = frozenset()  # pks of the 'by area' rows withheld
    #: The membership and wave rows withheld (an area's or England's page; `Part`).
    parts: frozenset[Part] = frozenset()
    #: The breakdown rows withheld, by family (`FAMILIES`): the groups.
    rows: dict[str, frozenset[Any]] = field(default_factory=dict)
    by_point: dict[datetime.date, PointWithheld] = field(default_factory=dict)


Cell = tuple[int | None, int | str]  # (local authority or None, hub or NO_HUB)


def figures_at(
    cells: dict[Cell, int],
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
    wave_of: dict[int | str, int | None],
) -> tuple[dict[Any, set[Cell]], dict[Any, list[Any]]]:
    """Every count published at a point as the (LA, hub) cells it sums: each area's total
    ("total", level, pk) and, at `BREAKDOWN_LEVELS`, its membership and wave rows ("part",
    level, pk, part); each hub's count ("hub", pk). And what an area's total brings with it when
    withheld: its page."""
    areas: dict[tuple[str, int], set[int | None]] = {ENGLAND: {la for la, _ in cells}}
    for la in areas[ENGLAND]:
        if la is None:
            continue
        areas[("la", la)] = {la}
        region, lsip = area_of.get(la, (None, None))
        for level, pk in (("region", region), ("lsip", lsip)):
            if pk is not None:
                areas.setdefault((level, pk), set()).add(la)
    for oa, linked in oas.items():
        if found := linked & areas[ENGLAND]:
            areas[("oa", oa)] = set(found)
    by_la: dict[int | None, list[Cell]] = {}
    for cell in cells:
        by_la.setdefault(cell[0], []).append(cell)
    figures: dict[Any, set[Cell]] = {}
    implies: dict[Any, list[Any]] = {}
    for (level, pk), las in areas.items():
        inside = [cell for la in las for cell in by_la.get(la, [])]
        figures[("total", level, pk)] = set(inside)
        implies[("total", level, pk)] = []
        if level in BREAKDOWN_LEVELS:
            parts = _parts(inside, wave_of)
            for part, members in parts.items():
                figures[("part", level, pk, part)] = members
            implies[("total", level, pk)] = [("part", level, pk, part) for part in parts]
    for hub in {hub for _, hub in cells if hub != NO_HUB}:
        figures[("hub", hub)] = {cell for cell in cells if cell[1] == hub}
    return figures, implies


def _parts(inside: list[Cell], wave_of: dict[int | str, int | None]) -> dict[Part, set[Cell]]:
    """An area's membership and wave rows as the cells each sums."""
    parts: dict[Part, set[Cell]] = {IN_HUB: set(), NOT_IN_HUB: set()}
    for cell in inside:
        hub = cell[1]
        parts[NOT_IN_HUB if hub == NO_HUB else IN_HUB].add(cell)
        # The wave table's "Not in a hub" row (None) also holds hubs of no wave, as its rows do.
        parts.setdefault(("wave", None if hub == NO_HUB else wave_of.get(hub)), set()).add(cell)
    return parts


def _by_hierarchy(
    areas: dict[int | None, int],
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
    hubs: dict[int | str, int],
    wave_of: dict[int | str, int | None],
    minimum: int,
    more_las: frozenset[int] = frozenset(),
    forced: frozenset[tuple[str, int]] = frozenset(),
) -> set[Any]:
    """The decision on the two hierarchies apart (`suppression.withhold_consistently`): areas
    over local authorities, hubs (and \"in no hub\") over England, \"in a hub\" and waves; as keys of
    `figures_at`. `more_las`: local authorities withheld from the start (`mixed_classes`);
    `forced`: pages withheld from the start, as (level, pk) (`entrants`)."""
    area_groups = _area_groups(areas, area_of, oas)
    hub_groups: dict[Any, frozenset[int | str]] = {ENGLAND: frozenset(hubs)}
    hub_groups[IN_HUB] = frozenset(h for h in hubs if h != NO_HUB)
    for hub, wave in wave_of.items():
        if hub in hubs and hub != NO_HUB and wave is not None:
            hub_groups[("wave", wave)] = hub_groups.get(("wave", wave), frozenset()) | {hub}
    more_las = more_las | {pk for level, pk in forced if level == "la"}
    more_hubs = {pk for level, pk in forced if level == "hub"}
    more_areas = {page for page in forced if page[0] not in ("la", "hub") and page in area_groups}
    england: set[Any] = {ENGLAND} & more_areas
    while True:  # England's count is one figure: withheld by either side, withheld by both
        by_area = withhold_consistently(
            areas, area_groups, minimum, withheld_groups=england | more_areas, withheld_atoms=more_las
        )
        by_hub = withhold_consistently(hubs, hub_groups, minimum, withheld_groups=england, withheld_atoms=more_hubs)
        found = ({ENGLAND} & by_area.groups) | ({ENGLAND} & by_hub.groups)
        if found <= england:
            break
        england |= found
    keys: set[Any] = {("total", "la", la) for la in by_area.atoms if la is not None}
    keys |= {("total", *group) for group in by_area.groups | england}
    keys |= {("hub", hub) for hub in by_hub.atoms if isinstance(hub, int)}
    keys |= {("part", *ENGLAND, NOT_IN_HUB) for hub in by_hub.atoms if hub == NO_HUB}
    keys |= {("part", *ENGLAND, IN_HUB) for group in by_hub.groups if group == IN_HUB}
    keys |= {("part", *ENGLAND, group) for group in by_hub.groups if isinstance(group, tuple) and group[0] == "wave"}
    return keys


def _area_groups(
    las: Iterable[int | None], area_of: dict[int | None, tuple[int | None, int | None]], oas: dict[int, set[int]]
) -> dict[tuple[str, int], frozenset[int | None]]:
    """Every area above a local authority (England, regions, LSIP areas, Opportunity Areas) as
    the local authorities it holds, of those given."""
    las = frozenset(las)
    groups: dict[tuple[str, int], frozenset[int | None]] = {ENGLAND: las}
    for la in las:
        region, lsip = area_of.get(la, (None, None))
        for level, pk in (("region", region), ("lsip", lsip)):
            if pk is not None:
                groups[(level, pk)] = groups.get((level, pk), frozenset()) | {la}
    for oa, linked in oas.items():
        if inside := frozenset(la for la in linked if la in las):
            groups[("oa", oa)] = inside
    return groups


#: How much dearer a hub's page is to withhold than an area's of as many institutions: hubs'
#: pages are what hubs live by, and an area holding a few institutions in no hub beside a hub is
#: better withheld than the hub (ADR 0014, sixth addendum).
HUB_WEIGHT = 10.0


def _dearness(key: Any) -> bool | float:
    """`withhold_jointly`'s `dear` for counts: a page (an area's total, a hub) dearer than a
    membership or wave row, a hub's page dearer still (`HUB_WEIGHT`)."""
    if key[0] == "hub":
        return HUB_WEIGHT
    return key[0] != "part"


def _decide(
    cells: dict[Cell, int],
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
    wave_of: dict[int | str, int | None],
    minimum: int,
    tables: dict[Any, JointTable],
    sensitive: dict[Any, set[Cell]] | None = None,
    more_las: frozenset[int] = frozenset(),
    forced: frozenset[tuple[str, int]] = frozenset(),
) -> PointWithheld:
    """The decision at one point: the two hierarchies' (`_by_hierarchy`), then made good jointly
    over the (LA, hub) cells (`suppression.withhold_jointly`): every withheld count (area, hub,
    England's rows, and the rows of a withheld area's page) gets a move of institutions between
    cells that changes it and no published count, the membership and wave rows of England and the
    regions included (those under the threshold withheld to start with); any published count such
    a move would change is withheld too. `sensitive`: sums of cells published no other way than
    as a breakdown row (`pinned_rows`), withheld and protected here too. `more_las`: local
    authorities withheld from the start (`mixed_classes`); `forced`: pages, as (level, pk)
    (`entrants`)."""
    las: dict[int | None, int] = {}
    hubs: dict[int | str, int] = {}
    for (la, hub), n in cells.items():
        las[la] = las.get(la, 0) + n
        hubs[hub] = hubs.get(hub, 0) + n
    start = _by_hierarchy(las, area_of, oas, hubs, wave_of, minimum, more_las, forced)
    sensitive = sensitive or {}
    shape = (frozenset(cells), frozenset(sensitive))
    if shape not in tables:  # points alike (the same cells holding institutions) share it
        figures, implies = figures_at(cells, area_of, oas, wave_of)
        tables.clear()
        tables[shape] = JointTable(cells, figures | sensitive, implies)
    withheld = withhold_jointly(
        cells,
        {},
        minimum,
        # Withholding an area's or a hub's count withholds its page: dearer than one of its rows.
        dear=_dearness,
        start=start,
        # Areas and hubs come decided on their hierarchies (`start`); the membership and wave
        # rows under the threshold are withheld and protected here, as one table's rows can be
        # worked out from another's (a region's from England's less the other regions').
        primary_for=lambda key: key[0] in ("part", "pinned", "remainder"),
        table=tables[shape],
    )
    parts = frozenset((key[1], key[2], key[3]) for key in withheld if key[0] == "part")
    national = {part for level, _, part in parts if level == "national"}
    return PointWithheld(
        areas=frozenset((key[1], key[2]) for key in withheld if key[0] == "total"),
        hubs=frozenset(key[1] for key in withheld if key[0] == "hub"),
        waves=frozenset(part[1] for part in national if isinstance(part, tuple) and part[1] is not None),
        in_hub=IN_HUB in national,
        not_in_hub=NOT_IN_HUB in national,
        parts=parts,
    )


#: The breakdowns whose rows are decided jointly over ((LA, hub), group) cells: the kind of
#: institution, the national FSM quintile (None: FSM not known) and the score (benchmarks fully
#: achieved, 0-8: the distribution). Every page but an institution's publishes them, so a row
#: withheld on one page could otherwise be worked out from others.
FAMILIES = ("kind", "fsm", "score")
Pair = tuple[int | None, int | str]  # (local authority, hub or NO_HUB)
Grouped = dict[tuple[Pair, Any], int]  # institutions by ((LA, hub), group) at a point


def category_figures(
    grouped: Grouped,
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
    wave_of: dict[int | str, int | None],
) -> tuple[dict[Any, set[Any]], dict[Any, list[Any]]]:
    """Every count published at a point as the ((LA, hub), group) cells it sums: the counts of
    `figures_at` (areas' and hubs' totals, membership and wave rows), and each area's and hub's
    breakdown rows ("row", level, pk, group), level "hub" for a hub. A total withheld brings its
    page's rows with it."""
    by_pair: dict[Pair, list[tuple[Pair, Any]]] = {}
    for cell in grouped:
        by_pair.setdefault(cell[0], []).append(cell)
    pairs = {pair: 1 for pair in by_pair}
    base, implies = figures_at(pairs, area_of, oas, wave_of)
    figures: dict[Any, set[Any]] = {}
    for key, members in base.items():
        inside = {cell for pair in members for cell in by_pair.get(pair, [])}
        figures[key] = inside
        if key[0] in ("total", "hub"):
            level, pk = ("hub", key[1]) if key[0] == "hub" else (key[1], key[2])
            rows: dict[Any, set[Any]] = {}
            for cell in inside:
                rows.setdefault(cell[1], set()).add(cell)
            for group, found in rows.items():
                figures[("row", level, pk, group)] = found
            implies[key] = list(implies.get(key, [])) + [("row", level, pk, group) for group in rows]
    return figures, implies


def decide_categories(
    grouped: Grouped,
    area_of: dict[int | None, tuple[int | None, int | None]],
    oas: dict[int, set[int]],
    wave_of: dict[int | str, int | None],
    minimum: int,
    decided: PointWithheld,
    *,
    family: str = "kind",
    forced: frozenset[Any] = frozenset(),
) -> frozenset[Any]:
    """What to withhold of one breakdown (`FAMILIES`) at a point: rows under the threshold, and
    rows a move protecting a withheld one changes (`suppression.withhold_jointly` over ((LA,
    hub), group) cells), and rows that keep every class of withheld rows at the threshold or
    above (`small_classes`, protected by the same search).
    An institution moved between groups inside its (LA, hub) cell, or two swapped between two
    cells, changes no area's or hub's count, membership or wave row: only breakdown rows. For
    scores, only moves keeping each cell's score sum. `decided`: the decision on the counts at
    the point, whose withheld figures start withheld. Returns the
    keys of `category_figures` withheld: rows, and any count that protecting a row needed (a
    row whose cells are alone in their (LA, hub) cells has no such move: `pinned_rows`).
    `forced`: rows withheld from the start and protected, ("row", level, pk, group) (`entrants`)."""
    balanced = family == "score"
    if balanced:  # every score is possible in every (LA, hub) cell: nobody outside knows them
        grouped = grouped | {
            (pair, score): 0
            for pair in {pair for pair, _ in grouped}
            for score in range(9)
            if (pair, score) not in grouped
        }
    figures, implies = category_figures(grouped, area_of, oas, wave_of)
    start: set[Any] = {("total", level, pk) for level, pk in decided.areas}
    start |= {("hub", hub) for hub in decided.hubs}
    start |= {("part", level, pk, part) for level, pk, part in decided.parts}
    # A row that is the whole of its (LA, hub) cells is protected as those cells' counts are
    # (`_decide`, with `pinned_rows`), not by moving groups: withheld, not searched for.
    groups = _groups_per_pair(grouped)
    start |= {
        key for key, members in figures.items() if key[0] == "row" and _whole_cells(grouped, members, minimum, groups)
    }
    start |= forced
    return withhold_jointly(
        grouped,
        figures,
        minimum,
        implies=implies,
        # Withholding a count withholds a page or a membership row: dearer than a breakdown row.
        dear=lambda key: _dearness(key) if key[0] != "row" else False,
        start=start & set(figures),
        primary_for=lambda key: key[0] == "row",
        swaps=True,
        # Scores: every page publishes its score sum (the average), so only moves keeping each
        # (LA, hub) cell's count and score sum (`suppression._Joint._balanced`).
        balanced=balanced,
        floor=0 if balanced else 1,
        # The counts' decision protects what it withholds with moves of institutions between
        # (LA, hub) cells; every breakdown row such a move changes lies on a withheld page.
        settled=True,
        # A row with no move at all (few institutions, each alone in its group): this
        # breakdown is withheld on every page at the point; nothing of it can then be worked out.
        fallback=[key for key in figures if key[0] == "row"],
        # Then no class of withheld rows under the threshold (ADR 0014, limit 1).
        more=lambda withheld: small_classes(grouped, figures, withheld, decided, minimum, family=family),
    )


def _whole_cells(grouped: Grouped, members: set[Any], minimum: int, groups: dict[Pair, int]) -> bool:
    """Whether a breakdown row is under the threshold and each of its cells is the only group
    of its (LA, hub) cell (one institution in no hub in an LA, say, a college). `groups`: how
    many groups each (LA, hub) cell holds (`_groups_per_pair`)."""
    return primary(sum(grouped[c] for c in members), minimum) and all(groups[pair] == 1 for pair, _ in members)


def _groups_per_pair(grouped: Grouped) -> dict[Pair, int]:
    groups: dict[Pair, int] = {}
    for pair, _ in grouped:
        groups[pair] = groups.get(pair, 0) + 1
    return groups


def small_classes(
    grouped: Grouped,
    figures: dict[Any, set[Any]],
    withheld: frozenset[Any],
    decided: PointWithheld,
    minimum: int,
    *,
    family: str,
) -> set[Any]:
    """Breakdown rows to withhold more so that no *class* of withheld rows is under the
    threshold (ADR 0014, limit 1). A parent's row (England's, a region's, an LSIP area's or an
    Opportunity Area's) less its children's rows shown (its local authorities', or England's
    regions') is the sum of the children's rows not shown (withheld rows, or whole pages) and of
    any of its institutions on no child's page (in no local authority). Each withheld row is
    protected by a move, but their sum is known: two withheld rows of 1 and 2 special schools
    would give away the 3's average. So, as a table's own withheld rows must
    (`suppress_partition`), every such sum is none or at least the threshold: for each that is
    not, the smallest row shown beside them that brings it there (else the largest) is returned,
    to be withheld and protected too. Pages are taken as they will show their rows: those
    withheld across pages (`withheld`, keys of `category_figures`; whole pages too, with
    `decided`) and each table's own (`_hidden_rows`)."""
    pages: dict[tuple[str, Any], dict[Any, int]] = {}
    for key, members in figures.items():
        if key[0] == "row":
            pages.setdefault((key[1], key[2]), {})[key[3]] = sum(grouped.get(cell, 0) for cell in members)

    def whole(page: tuple[str, Any]) -> bool:
        if page[0] == "hub":
            return page[1] in decided.hubs or ("hub", page[1]) in withheld
        return page in decided.areas or ("total", *page) in withheld

    hidden = {
        page: set(counts)
        if whole(page)
        else _hidden_rows(family, counts, frozenset(g for g in counts if ("row", *page, g) in withheld))
        for page, counts in pages.items()
    }
    las_of = {
        (key[1], key[2]): {cell[0][0] for cell in members} for key, members in figures.items() if key[0] == "total"
    }
    more: set[Any] = set()
    for parent, counts in pages.items():
        if parent[0] not in ("national", "region", "lsip", "oa") or whole(parent):
            continue
        families = [[("la", la) for la in las_of.get(parent, set()) if la is not None and ("la", la) in pages]]
        if parent[0] == "national":
            families.append([page for page in pages if page[0] == "region"])
        for children in families:
            for group, n in counts.items():
                if n and group not in hidden[parent]:
                    shown = [(pages[c].get(group, 0), c) for c in children if group not in hidden[c]]
                    if page := _to_withhold(n, shown, minimum, parent):
                        more.add(("row", *page, group))
    return more


def _hidden_rows(family: str, counts: dict[Any, int], decided: frozenset[Any]) -> set[Any]:
    """The groups a page not withheld hides of a breakdown: `decided` across pages, and the
    table's own (`dashboard.breakdown_decided`, `dashboard.distribution_decided`)."""
    from careershub.insight import dashboard  # pages' rule for their own rows (imports this module)

    if family == "score":
        values = [counts.get(score, 0) for score in range(9)]
        rows = dashboard.distribution_decided(values, small=False, across=False, decided=decided).rows
        return {score for score in range(9) if score in rows}
    if family == "kind":
        order = dashboard.kind_order(list(counts))
    else:  # FSM quintiles 1-5, then not known
        order = sorted(counts, key=lambda q: (q is None, q or 0))
    values = [counts[group] for group in order]
    rows = dashboard.breakdown_decided(order, values, small=False, across=False, decided=decided).rows
    return {order[i] for i in rows}


def _to_withhold(total: int, shown: list[tuple[int, Any]], minimum: int, parent: Any) -> Any:
    """The page whose row to withhold when a parent's row of `total` less its children's rows
    shown (`shown`: (count, child)) is above none and under `minimum`: the smallest child's
    that brings it there, else the largest, else (none shown: never, as a parent's row shown
    is at least the threshold) the parent's; None if nothing is needed."""
    rest = total - sum(m for m, _ in shown)
    if not 0 < rest < minimum:
        return None
    ordered = sorted((m, repr(child), child) for m, child in shown if m > 0)
    if not ordered:
        return parent
    enough = [item for item in ordered if rest + item[0] >= minimum]
    return (enough[0] if enough else ordered[-1])[2]


def pinned_rows(grouped: Grouped, figures: dict[Any, set[Any]], minimum: int) -> dict[Any, set[Pair]]:
    """Breakdown rows under the threshold that are the whole of their (LA, hub) cells
    (`_whole_cells`): such a row is a sum of (LA, hub) cells, as counts are, and is withheld and
    protected with them (`_decide`), by moves between those cells."""
    groups = _groups_per_pair(grouped)
    return {
        ("pinned", *sorted(map(repr, {pair for pair, _ in members}))): {pair for pair, _ in members}
        for key, members in figures.items()
        if key[0] == "row" and _whole_cells(grouped, members, minimum, groups)
    }


Figures = tuple[int, int]  # institutions reporting, their total score


@dataclass(frozen=True)
class Counted:
    """Institutions and their total score at every point by local authority (None: none) and by
    hub (`NO_HUB`: in none), with the areas and waves they roll up into."""

    by_la: dict[datetime.date, dict[int | None, Figures]]
    by_hub: dict[datetime.date, dict[int | str, Figures]]
    #: Institutions in each (local authority, hub) cell holding any at each point.
    cells: dict[datetime.date, dict[Cell, int]]
    area_of: dict[int | None, tuple[int | None, int | None]]
    oas: dict[int, set[int]]
    wave_of: dict[int | str, int | None]

    def trend(self, scope: Scope) -> list[dict[str, Any]]:
        """`queries.facts_trend` rolled up from these figures: no read of the facts."""
        rows = []
        # Which local authorities the scope holds, decided once (not at every point).
        inside: dict[int | None, bool] = {}
        for point in sorted(self.by_la):
            if scope.level == "hub":
                found = [self.by_hub.get(point, {}).get(scope.pk, (0, 0))]
            else:
                here = self.by_la[point]
                for la in here.keys() - inside.keys():
                    inside[la] = self._in(la, scope)
                found = [figures for la, figures in here.items() if inside[la]]
            count = sum(n for n, _ in found)
            if count:
                rows.append({"point": point, "count": count, "total": sum(total for _, total in found)})
        return rows

    def hubs_in(self, scope: Scope, point: datetime.date) -> set[int]:
        """The hubs holding institutions of an area at a point."""
        return {
            hub
            for la, hub in self.cells.get(point, {})
            if isinstance(hub, int) and la is not None and self._in(la, scope)
        }

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
    by LA, by hub and by (LA, hub) cell), and the areas' and hubs'
    reference rows (which the facts copy)."""
    by_la: dict[datetime.date, dict[int | None, Figures]] = {}
    by_hub: dict[datetime.date, dict[int | str, Figures]] = {}
    cells: dict[datetime.date, dict[Cell, int]] = {}
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
        here = cells.setdefault(point, {})
        here[(la, atom)] = here.get((la, atom), 0) + n
    oas: dict[int, set[int]] = {}
    for oa, la in OpportunityArea.local_authorities.through.objects.values_list(
        "opportunityarea_id", "localauthority_id"
    ):
        oas.setdefault(oa, set()).add(la)
    return Counted(
        by_la=by_la,
        by_hub=by_hub,
        cells=cells,
        area_of={
            pk: (region, lsip)
            for pk, region, lsip in LocalAuthority.objects.values_list("pk", "region_id", "lsip_area_id")
        },
        oas=oas,
        wave_of=dict(Hub.objects.values_list("pk", "wave")),
    )


def _quintile(points: list[datetime.date]) -> Case:
    """A fact's national FSM quintile at its point (each point's own edges; None: not known)."""
    state = facts_state()
    edges = state.fsm_edges if state is not None and state.fsm_edges else national_fsm_edges()
    whens = [
        When(point=point, percent_fsm__lte=edge, then=Value(q))
        for point in points
        for q, edge in enumerate(edges.get(point.isoformat(), []), start=1)
    ]
    last = [
        When(point=point, then=Value(len(edges[point.isoformat()]) + 1))
        for point in points
        if edges.get(point.isoformat())
    ]
    return Case(
        When(percent_fsm__isnull=True, then=Value(None)),
        *whens,
        *last,
        default=Value(None),
        output_field=IntegerField(),
    )


def count_groups(points: list[datetime.date]) -> dict[datetime.date, dict[str, Grouped]]:
    """Institutions by ((LA, hub), group) at each point for each family (`FAMILIES`), from one
    grouped read of the facts (each point's FSM quintiles with its own national edges)."""
    found: dict[datetime.date, dict[str, Grouped]] = {point: {family: {} for family in FAMILIES} for point in points}
    rows = (
        InsightFact.objects.filter(point__in=points)
        .values_list("point", "local_authority_id", "hub_id", "kind", _quintile(points), "score")
        .annotate(n=Count("*"))
        .order_by()
    )
    for point, la, hub, kind, group, score, n in rows:
        pair: Pair = (la, NO_HUB if hub is None else hub)
        for family, key in (("kind", kind), ("fsm", group), ("score", score)):
            here = found[point][family]
            here[(pair, key)] = here.get((pair, key), 0) + n
    return found


def remainders(cells: dict[Cell, int]) -> dict[Any, set[Cell]]:
    """The institutions in no hub of each set of local authorities that the hubs lying in them
    fill otherwise (a connected part of the graph of LAs and the hubs holding their
    institutions): its LAs' counts less its hubs' (ADR 0014, limit 9). Never published as a row,
    but a sum of (LA, "in no hub") cells, so protected as counts are."""
    parent: dict[Any, Any] = {}

    def find(node: Any) -> Any:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for la, hub in cells:
        if la is not None and hub != NO_HUB:
            parent[find(("la", la))] = find(("hub", hub))
    parts: dict[Any, set[Cell]] = {}
    for la, hub in cells:
        if la is not None and hub == NO_HUB and ("la", la) in parent:
            parts.setdefault(find(("la", la)), set()).add((la, hub))
    return {("remainder", *sorted(map(repr, members))): members for members in parts.values()}


Achieved = tuple[int, tuple[int, ...]]  # institutions, and how many fully achieve each benchmark


def count_achieved() -> dict[datetime.date, dict[int | None, Achieved]]:
    """Institutions by point and local authority, and how many of them fully achieve each
    benchmark (the counts every page's shares give): one grouped read."""
    names = [f"b{number}" for number in range(1, 9)]
    rows = (
        InsightFact.objects.values_list("point", "local_authority_id")
        .annotate(n=Count("*"), **{f"achieved_{name}": Count("pk", filter=Q(**{name: True})) for name in names})
        .order_by()
    )
    found: dict[datetime.date, dict[int | None, Achieved]] = {}
    for point, la, n, *achieved in rows:
        found.setdefault(point, {})[la] = (n, tuple(achieved))
    return found


def mixed_classes(
    achieved: dict[int | None, Achieved], areas: frozenset[tuple[str, int]], counted: Counted
) -> frozenset[int]:
    """Local authorities to withhold more so that no class of withheld ones gives away a share
    of theirs (ADR 0014, limit 10). An area's page publishes the share of its institutions
    fully achieving each benchmark, which gives how many do (exactly, to a thousand
    institutions); its local authorities' pages give theirs. So an area's count less those of
    its local authorities shown is that of the institutions on pages withheld (and in no local
    authority): if none or all of them fully achieve a benchmark, so do none or all of each
    withheld page's, whose share (0 % or 100 %) is then known. For each such class, the
    published local authority of the area holding institutions of the other kind for the most
    such benchmarks (then the smallest) is returned, to be withheld and protected as the
    others are; the class then holds both. `areas`: the pages withheld, (level, pk)."""
    more: set[int] = set()
    groups = _area_groups(achieved, counted.area_of, counted.oas)
    for parent, las in groups.items():
        if parent in areas:
            continue
        shown = [la for la in las if la is not None and ("la", la) not in areas]
        n = sum(achieved[la][0] for la in las) - sum(achieved[la][0] for la in shown)
        if n == 0:
            continue
        rest = [sum(achieved[la][1][b] for la in las) - sum(achieved[la][1][b] for la in shown) for b in range(8)]
        if not any(rest[b] in (0, n) for b in range(8)):
            continue
        candidates = sorted((-_mixes(achieved[la], rest, n), achieved[la][0], la) for la in shown)
        if candidates and candidates[0][0] < 0:
            more.add(candidates[0][2])
    return frozenset(more)


def _mixes(la: Achieved, rest: list[int], n: int) -> int:
    """For how many benchmarks that none or all of a class of `n` institutions fully achieve
    (`rest`: how many do, by benchmark) a local authority's institutions hold the other kind."""
    count, done = la
    return sum(1 for b in range(8) if (rest[b] == n and done[b] < count) or (rest[b] == 0 and done[b] > 0))


Page = tuple[str, int]  # (level, pk): an area's page, ("hub", pk) a hub's
#: An institution at a point: LA, hub (`NO_HUB`), result (score, b1, ..., b8), kind, FSM quintile.
Result = tuple[int | None, int | str, tuple[int, ...], str, int | None]
#: The breakdowns whose rows publish a count and an average, checked row by row (`entrants`).
AVERAGED = ("kind", "fsm")


def count_results(points: list[datetime.date]) -> dict[datetime.date, dict[int, Result]]:
    """Every institution's local authority, hub, result (benchmarks fully achieved, and which),
    kind and FSM quintile at every point: one read of the facts."""
    found: dict[datetime.date, dict[int, Result]] = {}
    names = [f"b{number}" for number in range(1, 9)]
    rows = InsightFact.objects.values_list(
        "point", "institution_id", "local_authority_id", "hub_id", "kind", _quintile(points), "score", *names
    )
    for point, institution, la, hub, kind, quintile, *result in rows.order_by():
        found.setdefault(point, {})[institution] = (
            la,
            NO_HUB if hub is None else hub,
            tuple(map(int, result)),
            kind,
            quintile,
        )
    return found


def _pages(la: int | None, hub: int | str, counted: Counted, oas_of: dict[int, list[int]]) -> list[Page]:
    """The pages whose figures an institution in this LA and hub counts in."""
    pages: list[Page] = [ENGLAND]
    if la is not None:
        region, lsip = counted.area_of.get(la, (None, None))
        pages += [(level, pk) for level, pk in (("region", region), ("lsip", lsip)) if pk is not None]
        pages += [("la", la)] + [("oa", oa) for oa in oas_of.get(la, [])]
    if isinstance(hub, int):
        pages.append(("hub", hub))
    return pages


class _Figures:
    """The figures an institution counts in: pages, (level, pk), and their breakdown rows that
    publish an average, (family, level, pk, group) as `PointWithheld.rows`. By its (LA, hub,
    kind, FSM quintile), kept: many institutions share one."""

    def __init__(self, counted: Counted) -> None:
        self.counted = counted
        self.oas_of: dict[int, list[int]] = {}
        for oa, las in counted.oas.items():
            for la in las:
                self.oas_of.setdefault(la, []).append(oa)
        self.found: dict[tuple[Any, ...], frozenset[Any]] = {}

    def __call__(self, result: Result | None) -> frozenset[Any]:
        if result is None:
            return frozenset()
        place = (result[0], result[1], *result[3:])
        if place not in self.found:
            pages = _pages(result[0], result[1], self.counted, self.oas_of)
            groups = dict(zip(AVERAGED, result[3:], strict=True))
            rows = {(family, level, pk, groups[family]) for level, pk in pages for family in AVERAGED}
            self.found[place] = frozenset(pages) | rows
        return self.found[place]


def entrants(
    results: dict[datetime.date, dict[int, Result]],
    point: datetime.date,
    published: dict[Any, datetime.date],
    counted: Counted,
    minimum: int,
    places: dict[datetime.date, dict[Any, list[int]]] | None = None,
) -> frozenset[Any]:
    """Pages, and rows of their breakdowns by kind and FSM quintile (each publishes its count
    and average, as a page does), to withhold at `point` so that no institution's result is
    given away by its arrival (ADR 0014, limit 12).

    An institution's result at a point is its latest evaluation, so most results carry over from
    one point to the next, and a page's figures at two points it is published at (count, score
    sum, each benchmark's count, the distribution) differ only by the institutions that came into
    it, left it or changed their result between them. When those are fewer than `minimum` and
    one of them came or left (the page's count says so), their results rest on them alone: a
    first report's whole result, when it is the only change. Such a page is withheld at `point`,
    against the last point it was published at (`published`, by page); differences over longer
    spans hold those of the steps between. Changes alone (a page's count the same) are not
    withheld: who re-evaluated is not published, and the change says nothing of anyone's level.
    A row likewise, its arrivals being the institutions that came into its group (a new kind, an
    FSM quintile whose edges moved) as well as into its page. Returns pages as (level, pk) and
    rows as (family, level, pk, group). `places`: the institutions at each point by LA and by
    hub, kept between calls (`_places`)."""
    places = {} if places is None else places
    now = results.get(point, {})
    figures = _Figures(counted)
    las_in = _las_in(counted)
    changed: dict[Any, int] = {}
    moved: set[Any] = set()
    for before_point in set(published.values()):
        before = results.get(before_point, {})
        compared = {key for key, found in published.items() if found == before_point}
        # Only the institutions of the areas and hubs compared: most pages and rows were last
        # published at the point before, and those that were not are few.
        pages = {key if len(key) == 2 else key[1:3] for key in compared}
        if ENGLAND in pages:
            candidates: Iterable[int] = now.keys() | before.keys()
        else:
            wanted = {("la", la) for level, pk in pages if level != "hub" for la in las_in.get((level, pk), ())}
            wanted |= {page for page in pages if page[0] == "hub"}
            candidates = {
                institution
                for at in (point, before_point)
                for place in wanted
                for institution in _places(results, at, places).get(place, ())
            }
        for institution in candidates:
            was, is_ = before.get(institution), now.get(institution)
            if was == is_:
                continue
            was_in, is_in = figures(was), figures(is_)
            for key in (was_in | is_in) & compared:
                came_or_went = (key in was_in) != (key in is_in)
                if came_or_went or (was and is_ and was[2] != is_[2]):
                    changed[key] = changed.get(key, 0) + 1
                    if came_or_went:
                        moved.add(key)
    return frozenset(key for key in moved if changed[key] < minimum)


def _las_in(counted: Counted) -> dict[Page, set[int]]:
    """The local authorities of every area above one (not England: it holds them all)."""
    found: dict[Page, set[int]] = {("oa", oa): set(las) for oa, las in counted.oas.items()}
    for la, (region, lsip) in counted.area_of.items():
        if la is None:
            continue
        found.setdefault(("la", la), set()).add(la)
        for level, pk in (("region", region), ("lsip", lsip)):
            if pk is not None:
                found.setdefault((level, pk), set()).add(la)
    return found


def _places(
    results: dict[datetime.date, dict[int, Result]],
    point: datetime.date,
    places: dict[datetime.date, dict[Any, list[int]]],
) -> dict[Any, list[int]]:
    """The institutions at a point by ("la", pk) and by ("hub", pk), kept in `places`."""
    if point not in places:
        here: dict[Any, list[int]] = {}
        for institution, (la, hub, *_) in results.get(point, {}).items():
            here.setdefault(("la", la), []).append(institution)
            here.setdefault(("hub", hub), []).append(institution)
        places[point] = here
    return places[point]


def _decide_point(
    cells: dict[Cell, int],
    groups: dict[str, Grouped],
    counted: Counted,
    minimum: int,
    tables: dict[Any, JointTable],
    decided_before: dict[Any, frozenset[Any]],
    achieved: dict[int | None, Achieved] | None = None,
    forced: frozenset[Any] = frozenset(),
) -> PointWithheld:
    """The decision at one point: the counts' (`_decide`, with the breakdown rows that are sums
    of whole (LA, hub) cells), then each breakdown's rows (`decide_categories`). A count that
    protecting a breakdown row needs is withheld too: withholding more never spoils a move.
    `achieved` (institutions and those fully achieving each benchmark, by LA): local
    authorities are withheld too until no class of withheld ones gives its benchmarks' shares
    away (`mixed_classes`). `forced`: pages, as (level, pk), and breakdown rows, as (family,
    level, pk, group), withheld from the start (`entrants`)."""
    shapes = {
        family: category_figures(grouped, counted.area_of, counted.oas, counted.wave_of)
        for family, grouped in groups.items()
    }
    sensitive: dict[Any, set[Cell]] = {}
    for family, (figures, _) in shapes.items():
        sensitive |= pinned_rows(groups[family], figures, minimum)
    sensitive |= remainders(cells)
    more: frozenset[int] = frozenset()
    pages = frozenset(key for key in forced if len(key) == 2)
    while True:
        decided = _decide(cells, counted.area_of, counted.oas, counted.wave_of, minimum, tables, sensitive, more, pages)
        found = mixed_classes(achieved or {}, decided.areas, counted) - more
        if found:  # each round withholds more local authorities: it ends
            more |= found
            continue
        result = _with_categories(decided, groups, counted, minimum, decided_before, forced)
        found = mixed_classes(achieved or {}, result.areas, counted) - more
        if not found:
            return result
        more |= found


def _with_categories(
    decided: PointWithheld,
    groups: dict[str, Grouped],
    counted: Counted,
    minimum: int,
    decided_before: dict[Any, frozenset[Any]],
    forced: frozenset[Any] = frozenset(),
) -> PointWithheld:
    """The counts' decision with each breakdown's rows decided on it (`decide_categories`);
    `forced`: rows withheld from the start, (family, level, pk, group) (`entrants`)."""
    withheld: set[Any] = set()
    by_family: dict[str, frozenset[Any]] = {}
    for family, grouped in groups.items():
        rows = frozenset(("row", *key[1:]) for key in forced if len(key) == 4 and key[0] == family)
        key = (family, frozenset(grouped.items()), decided, rows)
        if key not in decided_before:  # points alike (often the spring and summer of a year) share it
            decided_before[key] = decide_categories(
                grouped, counted.area_of, counted.oas, counted.wave_of, minimum, decided, family=family, forced=rows
            )
        by_family[family] = decided_before[key]
        withheld |= by_family[family]
    areas = decided.areas | {(key[1], key[2]) for key in withheld if key[0] == "total"}
    hubs = decided.hubs | {key[1] for key in withheld if key[0] == "hub"}
    parts = decided.parts | {(key[1], key[2], key[3]) for key in withheld if key[0] == "part"}
    national = {part for level, _, part in parts if level == "national"}
    hidden = {("hub", hub) for hub in hubs} | set(areas)
    return PointWithheld(
        areas=frozenset(areas),
        hubs=frozenset(hubs),
        waves=frozenset(part[1] for part in national if isinstance(part, tuple) and part[1] is not None),
        in_hub=IN_HUB in national,
        not_in_hub=NOT_IN_HUB in national,
        parts=frozenset(parts),
        rows_text=as_rows_text(
            (family, key[1], key[2], key[3])
            for family, keys in by_family.items()
            for key in keys
            if key[0] == "row" and (key[1], key[2]) not in hidden
        ),
    )


def compute(counted: Counted | None = None) -> dict[datetime.date, PointWithheld]:
    """The decision at every point."""
    minimum = threshold()
    counted = counted or count()
    points = sorted(counted.by_la)
    groups = count_groups(points)
    achieved = count_achieved()
    results = count_results(points)
    tables: dict[Any, JointTable] = {}
    decided_before: dict[Any, frozenset[Any]] = {}
    found: dict[datetime.date, PointWithheld] = {}
    published: dict[Any, datetime.date] = {}  # each page's and row's last point published
    places: dict[datetime.date, dict[Any, list[int]]] = {}
    for point in points:  # in order: each point is decided against those before it (`entrants`)
        forced = entrants(results, point, published, counted, minimum, places)
        decision = _decide_point(
            counted.cells.get(point, {}),
            groups[point],
            counted,
            minimum,
            tables,
            decided_before,
            achieved.get(point),
            forced,
        )
        found[point] = decision
        published |= dict.fromkeys(_published(results.get(point, {}), decision, counted, minimum), point)
    return found


def _published(results: dict[int, Result], decision: PointWithheld, counted: Counted, minimum: int) -> set[Any]:
    """The pages, and rows of their breakdowns by kind and FSM quintile, published at a point
    (as `entrants` names them)."""
    figures = _Figures(counted)
    sizes: dict[Any, int] = {}
    for result in results.values():
        for key in figures(result):
            sizes[key] = sizes.get(key, 0) + 1
    withheld_pages = decision.areas | {("hub", hub) for hub in decision.hubs}
    rows = decision.rows_parsed()
    return {
        key
        for key, size in sizes.items()
        if size >= minimum
        and (key if len(key) == 2 else key[1:3]) not in withheld_pages
        and (len(key) == 2 or key not in rows)
    }


def warm() -> None:
    """Decide ahead (the refresh task calls this once the new facts are committed), and store the
    decision with the facts' state, so that a web process with nothing cached reads it rather
    than deciding again (deciding every point takes a few hundred milliseconds nationally)."""
    state = facts_state()
    found = load(state)[0]
    if state is not None and state.refreshed_at:
        points = {point.isoformat(): _stored(decision) for point, decision in found.items()}
        InsightFactsState.objects.filter(pk=state.pk, refreshed_at=state.refreshed_at, rows=state.rows).update(
            withheld={"key": _key(state), "points": points}
        )


#: The rule's version: a decision stored or cached under another rule is decided afresh.
#: 2: membership and wave rows only for England and regions, those under the threshold primary;
#: 3: the breakdowns by kind and FSM quintile decided jointly too; 4: classes of withheld rows
#: at the threshold or above, classes of withheld LAs mixed on every benchmark, and small groups
#: in no hub that hubs would give away protected (ADR 0014, limits 1, 10 and 9); 5: a hub's page
#: dearer to withhold than an area's (`HUB_WEIGHT`); 6: no page's difference from its last
#: published point gives away an arrival's result (`entrants`, limit 12).
RULE = 6


def _key(state: InsightFactsState) -> str:
    """The facts' version (and the threshold, and the rule's) a decision holds for."""
    assert state.refreshed_at is not None
    return f"insight-withheld:{RULE}:{state.source_version}:{state.refreshed_at.timestamp()}:{state.rows}:{threshold()}"


def _stored(decision: PointWithheld) -> dict[str, Any]:
    """A decision as JSON (`_restored` reads it back)."""
    return {
        "areas": sorted([level, pk] for level, pk in decision.areas),
        "hubs": sorted(decision.hubs),
        "waves": sorted(decision.waves),
        "in_hub": decision.in_hub,
        "not_in_hub": decision.not_in_hub,
        "parts": sorted(
            ([level, pk, list(part) if isinstance(part, tuple) else part] for level, pk, part in decision.parts),
            key=repr,
        ),
        "rows": decision.rows_text,  # parsed only when read (`PointWithheld.rows`)
    }


def _restored(stored: dict[str, Any]) -> PointWithheld:
    return PointWithheld(
        areas=frozenset((level, pk) for level, pk in stored["areas"]),
        hubs=frozenset(stored["hubs"]),
        waves=frozenset(stored["waves"]),
        in_hub=stored["in_hub"],
        not_in_hub=stored["not_in_hub"],
        parts=frozenset(
            (level, pk, tuple(part) if isinstance(part, list) else part) for level, pk, part in stored["parts"]
        ),
        rows_text=stored["rows"],
    )


def _from_state(state: InsightFactsState) -> dict[datetime.date, PointWithheld] | None:
    """The decision stored with the facts' state by `warm`, if it holds for these facts."""
    if not state.withheld or state.withheld.get("key") != _key(state):
        return None
    return {datetime.date.fromisoformat(point): _restored(found) for point, found in state.withheld["points"].items()}


def load(state: InsightFactsState | bool | None = True) -> tuple[dict[datetime.date, PointWithheld], Counted]:
    """The decisions and the counts they come from, cached until the facts are refreshed (or the
    threshold changes). `state`: the facts' state row if already read (True: read it here)."""
    if state is True:
        state = facts_state()
    assert state is None or isinstance(state, InsightFactsState)
    if state is None or not state.refreshed_at:
        counted = count()
        return compute(counted), counted
    key = _key(state)
    found = cache.get(key)
    if found is None:
        counted = count()
        found = (_from_state(state) or compute(counted), counted)
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
    return ScopeWithheld(
        scope=here.scope(scope),
        points=frozenset(p for p, decision in found.items() if decision.scope(scope)),
        children=children,
        parts=here.parts_of(scope),
        rows={family: here.rows_of(family, scope) for family in FAMILIES},
        by_point=found,
    )
