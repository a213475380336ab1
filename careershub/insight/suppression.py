"""Small-number suppression (disclosure control) for every insight figure.

Rules, applied to the tables before anything is shown, charted or exported, so a page, a chart,
a CSV, an XLSX workbook and a PDF always withhold the same figures:

- **Primary**: a figure resting on fewer than `INSIGHT_SUPPRESSION_THRESHOLD` institutions (5
  unless configured) is withheld and shown as ``[c]`` (the GOV.UK statistics symbol for
  confidential). A true zero is shown: it discloses nothing about any institution.
- **Secondary**: where rows partition a published total (institutions by kind, by FSM quintile,
  by score ...), withholding one row is not enough, because it could be recovered by subtracting
  the others from the total. More rows are withheld, smallest first, until (a) at least two
  non-zero rows are withheld, (b) together they hold at least the threshold, and (c) they hold
  more institutions than there are withheld rows, so that even someone who knows these rules (and
  so knows every withheld row holds at least one institution) cannot pin any of them down. If the
  rows run out first, the total is withheld too.
- **Totals published elsewhere**: a table's total is often shown in another table (the number of
  institutions reporting is the distribution's total; the trend shows how many institutions
  reported at a point, which is the sum of members and non-members). Such a partition is
  suppressed with `total_published=True`: when it cannot be protected by non-zero rows, every
  row is withheld, zeros included, so that nobody can tell which rows are empty. The same is done
  when the total itself is withheld (fewer than the threshold), so that "all withheld" never
  tells that every row holds at least one.
- **Linked figures**: a figure that repeats a withheld cell in another form is withheld with it
  (the share fully achieving all 8 benchmarks is the distribution's "8" row).
- **Score sum**: the distribution 0-8 is suppressed knowing that its score sum is published (the
  per-benchmark counts add up to it): see `suppress_distribution`.
- **Across pages**: areas and hubs are published on their own pages and as rows of their parents'
  breakdowns, and parents are sums of them: which are withheld at a point is decided once for
  every page (`withhold_consistently` on each hierarchy, made good over (LA, hub) cells by
  `withhold_jointly`, applied by `withholding.py`). See ADR 0014's addenda.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

SUPPRESSED = "[c]"


def threshold() -> int:
    return int(getattr(settings, "INSIGHT_SUPPRESSION_THRESHOLD", 5))


def primary(count: int, minimum: int | None = None) -> bool:
    """Whether a figure resting on `count` institutions is withheld on its own account."""
    minimum = threshold() if minimum is None else minimum
    return 0 < count < minimum


@dataclass(frozen=True)
class PartitionSuppression:
    rows: frozenset[int]  # indexes of withheld rows
    total: bool  # whether the total must be withheld too


def _protected(counts: Sequence[int], withheld: set[int], minimum: int) -> bool:
    if not withheld:
        return True
    values = [counts[i] for i in withheld]
    return len(values) >= 2 and sum(values) >= minimum and sum(values) > len(values)


def suppress_partition(
    counts: Sequence[int], minimum: int | None = None, *, total_published: bool = False
) -> PartitionSuppression:
    """Which rows of a partition (and whether its total) to withhold; see the module docstring.
    `total_published`: the total is shown elsewhere, so withholding it here protects nothing."""
    minimum = threshold() if minimum is None else minimum
    everything = frozenset(range(len(counts)))
    total = sum(counts)
    if primary(total, minimum):
        return PartitionSuppression(everything, True)
    withheld = {i for i, count in enumerate(counts) if primary(count, minimum)}
    while not _protected(counts, withheld, minimum):
        candidates = sorted((count, i) for i, count in enumerate(counts) if count > 0 and i not in withheld)
        if not candidates:
            if total_published:
                return PartitionSuppression(everything, True)
            return PartitionSuppression(frozenset(withheld), True)
        withheld.add(candidates[0][1])
    return PartitionSuppression(frozenset(withheld), False)


# The distribution 0-8: the score sum is published too ------------------------------------------


def _score_moves(cells: Sequence[int]) -> list[dict[int, int]]:
    """Moves between three withheld score cells i < j < l that keep both the number of
    institutions and their score sum: (l - j) at i, -(l - i) at j, (j - i) at l, reduced."""
    from math import gcd

    moves = []
    ordered = sorted(cells)
    for a, i in enumerate(ordered):
        for b, j in enumerate(ordered[a + 1 :], start=a + 1):
            for l in ordered[b + 1 :]:  # noqa: E741
                step = gcd(gcd(l - j, l - i), j - i)
                moves.append({i: (l - j) // step, j: -(l - i) // step, l: (j - i) // step})
    return moves


def _score_protected(counts: Sequence[int], withheld: set[int], floor: int) -> bool:
    """Whether every withheld cell can take two values that keep the number of institutions and
    their score sum: some move through it (or its opposite) keeps every cell at `floor` or more."""
    moves = _score_moves(list(withheld))
    for cell in withheld:
        if not any(
            cell in move and all(counts[c] + sign * d >= floor for c, d in move.items())
            for move in moves
            for sign in (1, -1)
        ):
            return False
    return True


def suppress_distribution(
    counts: Sequence[int], minimum: int | None = None, *, total_published: bool = False
) -> PartitionSuppression:
    """`suppress_partition` for the institutions by benchmarks fully achieved (row n holds those
    with n), which also keeps every withheld row from being recovered with the score sum: the sum
    is published, exactly, as the per-benchmark counts (shares of the institutions reporting) add
    up to it, and the average gives it for small groups. Two withheld rows are then always known
    (two equations); three or more are kept until every one can take two values. If even every row
    withheld (zeros too) leaves one known, the distribution follows from the published score sum
    (all but at most one institution at 0, or at 8) and is withheld whole."""
    minimum = threshold() if minimum is None else minimum
    decision = suppress_partition(counts, minimum, total_published=total_published)
    if not decision.rows or (decision.total and not total_published):
        return decision
    everything = frozenset(range(len(counts)))
    withheld = set(decision.rows)
    floor = 0 if any(counts[i] == 0 for i in withheld) else 1
    while not _score_protected(counts, withheld, floor):
        candidates = sorted((count, i) for i, count in enumerate(counts) if count > 0 and i not in withheld)
        if not candidates:
            return PartitionSuppression(everything, decision.total)
        withheld.add(candidates[0][1])
    return PartitionSuppression(frozenset(withheld), decision.total)


# Across pages: areas (and hubs) published on pages of their own ----------------------------------


@dataclass(frozen=True)
class Withheld:
    atoms: frozenset[Any]
    groups: frozenset[Any]


def withhold_consistently(
    atoms: Mapping[Any, int],
    groups: Mapping[Any, frozenset[Any]],
    minimum: int | None = None,
    *,
    withheld_groups: Iterable[Any] = (),
    withheld_atoms: Iterable[Any] = (),
) -> Withheld:
    """Which atoms (e.g. local authorities) and groups of atoms (regions, LSIP areas, Opportunity
    Areas, England) to withhold, so that no withheld figure can be worked out from every
    published one: each atom's and each group's count is published (on its own page and in its
    parent's breakdown) unless withheld, and a group's count is the sum of its atoms'.

    The rule: an atom's *signature* is the set of published groups it belongs to. Every published
    sum is then the same for any two atoms of one signature, so withheld atoms are protected in
    *classes* (withheld atoms of one signature) exactly as rows of one partition are: at least two,
    holding at least the threshold and more institutions than atoms. A withheld group must be
    *crossed* by a class (some of its atoms in the group, some not). Moving one institution between
    two atoms of a class changes neither any published figure nor the rule's bounds, and gives
    every withheld atom, and every withheld group crossed by the class, a second possible value.

    Atoms and groups are withheld until that holds, each step withholding more: the smallest
    published atom of the same signature; else the smallest published atom whose signature
    includes the class's (withholding the groups it has beyond it, so that it joins the class);
    else the smallest group of the signature (merging classes); else everything.
    `withheld_groups`, `withheld_atoms`: withheld from the start, as those under the threshold are."""
    minimum = threshold() if minimum is None else minimum
    search = _Search(atoms, groups, minimum, set(withheld_groups))
    search.withheld |= {atom for atom in withheld_atoms if atoms.get(atom, 0) > 0}
    while search.step():
        pass
    return search.result()


class _Search:
    """The state of `withhold_consistently`: atoms and groups withheld so far, only ever more."""

    def __init__(self, atoms: Mapping[Any, int], groups: Mapping[Any, frozenset[Any]], minimum: int, hidden: set[Any]):
        self.atoms, self.groups, self.minimum = atoms, groups, minimum
        self.member_of: dict[Any, list[Any]] = {atom: [] for atom in atoms}
        for group, members in groups.items():
            for atom in members:
                if atom in self.member_of:
                    self.member_of[atom].append(group)
        self.sizes = {group: sum(atoms.get(atom, 0) for atom in members) for group, members in groups.items()}
        self.roots = {g for g, members in groups.items() if all(atoms[a] == 0 or a in members for a in atoms)}
        self.withheld = {atom for atom, count in atoms.items() if primary(count, minimum)}
        self.hidden = hidden | {group for group, size in self.sizes.items() if primary(size, minimum)}
        self.nonzero = [a for _, _, a in sorted((atoms[a], repr(a), a) for a in atoms if atoms[a] > 0)]
        self.done: Withheld | None = None

    def result(self) -> Withheld:
        return self.done or Withheld(frozenset(self.withheld), frozenset(self.hidden))

    def _protected(self, members: Sequence[Any]) -> bool:
        return _protected([self.atoms[a] for a in members], set(range(len(members))), self.minimum)

    def step(self) -> bool:
        """Withhold something more if the rule does not hold yet; False once it does."""
        signature = {a: frozenset(g for g in self.member_of[a] if g not in self.hidden) for a in self.atoms}
        classes: dict[frozenset[Any], list[Any]] = {}
        for atom in sorted(self.withheld, key=repr):
            classes.setdefault(signature[atom], []).append(atom)
        for key in sorted(classes, key=lambda key: sorted(map(repr, key))):
            if not self._protected(classes[key]):
                return self._extend(key, signature, outside=None)
        for group in sorted(self.hidden, key=repr):
            inside = self.groups[group]
            if self.sizes[group] == 0 or any(inside & set(c) and set(c) - inside for c in classes.values()):
                continue  # empty, or crossed by a class
            within = [c for c in classes.values() if set(c) <= inside]
            if not within:  # every atom of the group is published: withhold its smallest
                self.withheld.add(next(a for a in self.nonzero if a in inside))
                return True
            return self._extend(signature[within[0][0]], signature, outside=inside)
        return False

    def _extend(self, target: frozenset[Any], signature: dict[Any, frozenset[Any]], outside: Any) -> bool:
        """Make the class of signature `target` bigger (with an atom outside `outside`, if given)."""
        if outside is None:
            same = [a for a in self.nonzero if a not in self.withheld and signature[a] == target]
            if same:
                self.withheld.add(same[0])
                return True
        wider = sorted(
            (len(signature[a] - target), a in self.withheld, self.atoms[a], repr(a), a)
            for a in self.nonzero
            if (signature[a] > target or (outside is not None and signature[a] >= target))
            and (outside is None or a not in outside)
        )
        if wider:
            atom = wider[0][-1]
            self.hidden |= signature[atom] - target
            self.withheld.add(atom)
            return True
        smaller = sorted((self.sizes[g], repr(g), g) for g in target if g not in self.roots)
        if smaller:
            self.hidden.add(smaller[0][-1])
            return True
        # Nothing left to merge with: withhold every atom and group (the total too if it must be).
        everything = frozenset(self.nonzero)
        groups = frozenset(self.groups)
        if self._protected(list(everything)) or not everything:
            groups = frozenset(g for g in self.groups if g not in self.roots or g in self.hidden)
        self.done = Withheld(everything, groups)
        return False


# Jointly: areas and hubs over (local authority, hub) cells ---------------------------------------

Cell = tuple[Any, Any]  # (row, column): (local authority, hub or "in no hub")
Move = tuple[tuple[int, int], ...]  # (cell index, institutions added or taken), summing to zero

#: Moves through a long row or column try only its first cells (ordered by how many figures
#: their rows or columns share with the cell moved from): enough to find cheap moves, and the
#: search stays linear in the cells.
NEIGHBOURS = 12
BALANCED_PARTNERS = 6  # cells of the same hub tried as partners of a balanced move


def withhold_jointly(
    cells: Mapping[Cell, int],
    figures: Mapping[Any, Iterable[Cell]],
    minimum: int | None = None,
    *,
    implies: Mapping[Any, Iterable[Any]] | None = None,
    dear: Callable[[Any], bool | float] | None = None,
    start: Iterable[Any] = (),
    primary_for: Callable[[Any], bool] | None = None,
    table: JointTable | None = None,
    swaps: bool = False,
    balanced: bool = False,
    settled: bool = False,
    fallback: Iterable[Any] | None = None,
    floor: int = 1,
    more: Callable[[frozenset[Any]], Iterable[Any]] | None = None,
) -> frozenset[Any]:
    """The keys of `figures` to withhold, so that no withheld figure can be worked out from the
    published ones by anyone who knows which cells hold institutions.

    `cells`: institutions in each (row, column) cell; every published figure is the sum of a set
    of cells (`figures`: key -> cells). Keys with the same non-empty cells are one figure, shown in
    several places, and withheld together; a figure of no institutions is a true zero and shown.
    `implies`: keys withheld with a key (an area's total: the rows of its page). A figure's cost
    when withheld for another's sake is its institutions plus one, or ten times as many plus 100
    for `dear` keys (withholding an area's total withholds its whole page), times what `dear`
    gives when it gives a number (a hub's page dearer than an area's, say). `table`: the search's
    shape (`JointTable`) if already built for these cells and figures. `swaps`: only moves along
    a row, and rectangles (for tables whose columns are groups of a breakdown: an institution
    changes group inside its row, or two rows swap one each), a smaller family searched faster.
    `balanced`: the columns are scores (0-8) and rows (LA, hub) cells whose score sums are
    published (as averages): only moves keeping every row's count and score sum
    (`_Joint._balanced`).
    `floor`: the least a cell may hold (1: the attacker knows which cells hold institutions, as
    for kinds and FSM, public facts about each institution; 0: cells given with no institutions
    may gain some, as for scores, which nobody outside knows).
    `settled`: the `start` keys (and what they imply) are protected already, by moves decided
    elsewhere that change no figure published here; they are withheld and not searched for
    (unless the same figure is also published under a key not among them). `fallback`: what to
    withhold, with what is withheld by then, if a withheld figure has no move (default: every
    figure).
    `start`: keys withheld at the outset (decided otherwise, e.g. by `withhold_consistently`);
    `primary_for`: which keys the threshold applies to here (default: all).
    `more`: called with the keys withheld once every withheld figure is protected; the keys it
    returns are withheld too and protected like secondary ones, until it returns none not
    withheld (e.g. rows keeping every class of withheld rows at the threshold or above).

    The rule: a figure under the threshold is withheld (primary). A withheld figure is protected
    by a *move*: institutions added at some cells and taken from others (each cell keeping at
    least one), changing the figure and no published one; the true counts and the moved ones are
    then both consistent with every published figure, so the figure takes two values. For each
    withheld figure not yet protected (smallest first), the cheapest move among a fixed family
    (one institution moved between two cells of one row or column; around the four cells of a
    rectangle; along a zig-zag of four cells) is chosen and every published figure it changes is
    withheld (secondary), so the same move protects them too. Withholding more never spoils a
    move, so protected figures stay protected and the search ends. If a figure has no move at all
    (it holds every cell, or the cells around it hold one institution each), everything is (or
    `fallback`)."""
    minimum = threshold() if minimum is None else minimum
    held = {c: n for c, n in cells.items() if n >= floor and (n > 0 or floor == 0)}
    if table is None or set(table.index) != set(held):
        table = JointTable(held, figures, implies or {})
    start = frozenset(start)
    covered = start | {implied for key in start for implied in (implies or {}).get(key, ())} if settled else None
    return _Joint(held, table, minimum, dear, swaps, balanced, floor).run(
        start, primary_for, covered, None if fallback is None else frozenset(fallback), more
    )


class JointTable:
    """The shape `withhold_jointly` searches: which cells hold institutions and which figures
    sum them. It depends on the cells, not their counts, so it is kept for points alike."""

    def __init__(
        self, cells: Iterable[Cell], figures: Mapping[Any, Iterable[Cell]], implies: Mapping[Any, Iterable[Any]]
    ) -> None:
        ordered = sorted(cells, key=repr)
        self.index = {c: i for i, c in enumerate(ordered)}
        self.every = frozenset(figures)
        ids: dict[frozenset[int], int] = {}
        self.keys: list[list[Any]] = []
        id_of: dict[Any, int] = {}
        # In one order whatever the order figures came in (sets of strings iterate in an order
        # that differs between processes): every process then decides alike.
        for key, members in sorted(figures.items(), key=lambda item: repr(item[0])):
            held = frozenset(self.index[c] for c in members if c in self.index)
            if held:
                id_of[key] = ids.setdefault(held, len(ids))
                if id_of[key] == len(self.keys):
                    self.keys.append([])
                self.keys[id_of[key]].append(key)
        self.sets = list(ids)
        self.implied: list[set[int]] = [set() for _ in self.sets]
        for key, others in implies.items():
            if key in id_of:
                self.implied[id_of[key]] |= {id_of[o] for o in others if o in id_of}
        self.whole = ids.get(frozenset(range(len(ordered))))
        self.member_of: list[list[int]] = [[] for _ in ordered]
        for i, held in enumerate(self.sets):
            for c in held:
                self.member_of[c].append(i)
        rows: dict[Any, list[int]] = {}
        columns: dict[Any, list[int]] = {}
        for i, (row, column) in enumerate(ordered):
            rows.setdefault(row, []).append(i)
            columns.setdefault(column, []).append(i)
        self.row_of = [rows[c[0]] for c in ordered]
        self.column_of = [columns[c[1]] for c in ordered]
        self.column_key = [c[1] for c in ordered]
        self.row_keys = [c[0] for c in ordered]
        # Rows that are (LA, hub) cells, by LA and by hub (for `_Joint._lifted`).
        self.cells_of_row = {row: members for row, members in rows.items()}
        self.by_la: dict[Any, list[Any]] = {}
        self.by_hub: dict[Any, list[Any]] = {}
        for row in rows:
            if isinstance(row, tuple) and len(row) == 2:
                self.by_la.setdefault(row[0], []).append(row)
                self.by_hub.setdefault(row[1], []).append(row)
        self.nearest_rows: dict[tuple[Any, Any], list[Any]] = {}
        self.by_column_of_row: dict[Any, dict[Any, int]] = {}
        self.rows_are_pairs = all(isinstance(row, tuple) and len(row) == 2 for row in rows)
        self.nearest: dict[tuple[int, int], list[int]] = {}

    def near(self, cells: list[int], to: int) -> list[int]:
        """The cells of a row or column, those whose rows and columns share most figures with
        `to` first, at most `NEIGHBOURS` of them."""
        if len(cells) <= NEIGHBOURS:
            return cells
        key = (cells[0], to)
        if key not in self.nearest:
            mine = set(self.member_of[self.row_of[to][0]]) | set(self.member_of[self.column_of[to][0]])
            self.nearest[key] = sorted(cells, key=lambda c: (-len(mine.intersection(self.member_of[c])), c))[
                :NEIGHBOURS
            ]
        return self.nearest[key]

    def score_cells(self, row: Any) -> dict[Any, int]:
        """A row's cells by column (for `_Joint._balanced`)."""
        if row not in self.by_column_of_row:
            self.by_column_of_row[row] = {self.column_key[c]: c for c in self.cells_of_row.get(row, [])}
        return self.by_column_of_row[row]

    def near_rows(self, rows: list[Any], to: Any) -> list[Any]:
        """Of `rows` ((LA, hub) cells of one hub), those sharing most figures with `to`, at most
        `NEIGHBOURS` of them."""
        if len(rows) <= NEIGHBOURS:
            return rows
        key = (to, rows[0])
        if key not in self.nearest_rows:
            mine = set(self.member_of[self.cells_of_row[to][0]])
            self.nearest_rows[key] = sorted(
                rows, key=lambda row: (-len(mine.intersection(self.member_of[self.cells_of_row[row][0]])), repr(row))
            )[:NEIGHBOURS]
        return self.nearest_rows[key]


def _cost(keys: Iterable[Any], value: int, dear: Callable[[Any], bool | float] | None) -> float:
    """What withholding a figure of `value` institutions shown under `keys` costs (`withhold_jointly`)."""
    weight = max((float(dear(key)) for key in keys), default=0.0) if dear is not None else 0.0
    return weight * (10 * value + 100) if weight else value + 1


class _Joint:
    def __init__(
        self,
        cells: Mapping[Cell, int],
        table: JointTable,
        minimum: int,
        dear: Callable[[Any], bool | float] | None,
        swaps: bool = False,
        balanced: bool = False,
        floor: int = 1,
    ) -> None:
        self.table = table
        self.swaps = swaps
        self.balanced = balanced
        self.floor = floor
        self.counts = [0] * len(table.index)
        for c, i in table.index.items():
            self.counts[i] = cells[c]
        self.keys, self.sets, self.implied = table.keys, table.sets, table.implied
        self.member_of, self.row_of, self.column_of = table.member_of, table.row_of, table.column_of
        self.whole, self.every = table.whole, table.every
        self.value = [sum(self.counts[c] for c in members) for members in self.sets]
        self.cost = [_cost(keys, v, dear) for keys, v in zip(self.keys, self.value, strict=True)]
        self.withheld: set[int] = set()
        self.minimum = minimum

    def withhold(self, found: int) -> None:
        pending = [found]
        while pending:
            i = pending.pop()
            if i not in self.withheld:
                self.withheld.add(i)
                pending.extend(self.implied[i])

    def run(
        self,
        start: frozenset[Any],
        primary_for: Callable[[Any], bool] | None,
        settled: frozenset[Any] | None = None,
        fallback: frozenset[Any] | None = None,
        more: Callable[[frozenset[Any]], Iterable[Any]] | None = None,
    ) -> frozenset[Any]:
        for i in sorted(range(len(self.sets)), key=lambda i: (self.value[i], i)):
            if start.intersection(self.keys[i]):
                self.withhold(i)
        # Settled: withheld at the outset, every place it is published (a row shown on a page
        # not withheld, with the same cells, is searched for).
        protected = {i for i in self.withheld if settled is not None and settled.issuperset(self.keys[i])}
        for i in sorted(range(len(self.sets)), key=lambda i: (self.value[i], i)):
            chosen = [key for key in self.keys[i] if primary_for is None or primary_for(key)]
            if chosen and primary(self.value[i], self.minimum):
                self.withhold(i)
        while self.whole not in self.withheld:
            pending = sorted((self.value[i], i) for i in self.withheld if i not in protected)
            if not pending:
                found = frozenset(key for i in self.withheld for key in self.keys[i])
                extra = frozenset(more(found)) if more is not None else frozenset()
                new = [i for i in range(len(self.sets)) if i not in self.withheld and extra.intersection(self.keys[i])]
                if not new:
                    return found
                for i in new:  # withheld now, and searched for (each round withholds more: it ends)
                    self.withhold(i)
                continue
            target = pending[0][1]
            changed = self.cheapest(target)
            if changed is None:
                break
            for i in changed:
                self.withhold(i)
            protected |= set(changed)
        # No move changes the total of every cell, or none was found.
        if fallback is not None:
            return frozenset(key for i in self.withheld for key in self.keys[i]) | fallback
        return self.every

    def cheapest(self, target: int) -> list[int] | None:
        """The figures changed by the cheapest feasible move that changes `target` (with
        `swaps`, from the smaller family first, the whole family if it has none)."""
        if self.balanced:  # no other move keeps the score sums: shifts of one first
            return self._cheapest(target, "balanced") or self._cheapest(target, "balanced2")
        if self.swaps and (found := self._cheapest(target, "swaps")) is not None:
            return found
        return self._cheapest(target)

    def _cheapest(self, target: int, family: str = "") -> list[int] | None:
        best: tuple[float, int, Move] | None = None
        changes: list[int] = []
        inside = self.sets[target]
        for move in self.moves(target, family):
            if not sum(d for c, d in move if c in inside) or not self.feasible(move):
                continue  # leaves the target as it is, or empties a cell
            change: dict[int, int] = {}
            for c, d in move:
                for i in self.member_of[c]:
                    change[i] = change.get(i, 0) + d
            extra = sum(self.cost[i] for i, d in change.items() if d and i not in self.withheld)
            if best is None or (extra, len(move), move) < best:
                best = (extra, len(move), move)
                changes = sorted(i for i, d in change.items() if d)
                if extra == 0:
                    break
        return None if best is None else changes

    def feasible(self, move: Move) -> bool:
        """Whether the move, or its opposite, keeps every cell at `floor` institutions or more."""
        counts, floor = self.counts, self.floor
        return all(counts[c] + d >= floor for c, d in move) or all(counts[c] - d >= floor for c, d in move)

    def moves(self, target: int, family: str = "") -> Iterable[Move]:
        """The family of moves through a cell of the target figure, each once, shortest first."""
        seen: set[Move] = set()

        def emit(parts: list[tuple[int, int]]) -> Move | None:
            total: dict[int, int] = {}
            for c, d in parts:
                total[c] = total.get(c, 0) + d
            move = tuple(sorted((c, d) for c, d in total.items() if d))
            if not move or move in seen:
                return None
            seen.add(move)
            return move

        inside = sorted(self.sets[target])
        if family:  # "swaps", "balanced" (shifts of one) or "balanced2" (of two)
            yield from self._family(family, inside, emit)
            return
        for c in inside:  # two cells of one row or column
            for other in self.row_of[c] + self.table.near(self.column_of[c], c):
                if other != c and (move := emit([(c, 1), (other, -1)])):
                    yield move
        for c in inside:  # four cells: rectangles and zig-zags, along the row first or the column
            for first, second in ((self.row_of, self.column_of), (self.column_of, self.row_of)):
                for across, down, last in self.corners(c, first, second):
                    if move := emit([(c, 1), (across, -1), (down, 1), (last, -1)]):
                        yield move

    def _family(
        self, family: str, inside: list[int], emit: Callable[[list[tuple[int, int]]], Move | None]
    ) -> Iterable[Move]:
        if family == "swaps":
            return self._swaps(inside, emit)
        return self._balanced(inside, emit, (1, -1) if family == "balanced" else (2, -2))

    def _swaps(self, inside: list[int], emit: Callable[[list[tuple[int, int]]], Move | None]) -> Iterable[Move]:
        """Along a row (one institution changes group), then rectangles with the rows nearest
        in the same column (two rows swap one institution each between two groups)."""
        for c in inside:
            for other in self.row_of[c]:
                if other != c and (move := emit([(c, 1), (other, -1)])):
                    yield move
        for c in inside:
            groups = {self.table.column_key[o]: o for o in self.row_of[c] if o != c}
            for down in self.table.near(self.column_of[c], c):
                if down == c:
                    continue
                for last in self.row_of[down]:
                    across = groups.get(self.table.column_key[last])
                    if (
                        across is not None
                        and last != down
                        and (move := emit([(c, 1), (across, -1), (last, 1), (down, -1)]))
                    ):
                        yield move
        if self.table.rows_are_pairs:
            yield from self._lifted(inside, emit)

    def _lifted(self, inside: list[int], emit: Callable[[list[tuple[int, int]]], Move | None]) -> Iterable[Move]:
        """With rows that are (LA, hub) cells: a rectangle of those cells (LA X and Z, hubs g and
        h) lifted to groups: one of group a from (X, g) to (Z, g), one of group b from (Z, h) to
        (X, h). Every LA's and hub's count, membership row and hub's breakdown row is kept;
        only X's and Z's rows of a and b change (and areas holding one of them)."""
        table = self.table
        for c in inside:
            (la, hub), a = table.row_keys[c], table.column_key[c]
            for other in table.by_la.get(la, ()):
                if other[1] == hub:
                    continue
                for across in table.cells_of_row[other]:
                    b = table.column_key[across]
                    if b == a:
                        continue
                    for far in table.near_rows(table.by_hub.get(other[1], []), other):
                        if far[0] == la or (down := table.index.get((far, b))) is None:
                            continue
                        last = table.index.get(((far[0], hub), a))
                        if last is not None and (move := emit([(c, -1), (across, 1), (down, -1), (last, 1)])):
                            yield move

    def _balanced(
        self, inside: list[int], emit: Callable[[list[tuple[int, int]]], Move | None], shifts: tuple[int, ...]
    ) -> Iterable[Move]:
        """With rows that are (LA, hub) cells and columns scores: two institutions of one cell
        shift score by the same amount in opposite directions (the cell's count and score sum
        kept), alone or with the opposite shift in another cell of the same LA or hub (then the
        rows of areas and hubs holding both are kept too)."""
        table = self.table
        for c in inside:
            pair, score = table.row_keys[c], table.column_key[c]
            partners: list[Any] = [None] + [q for q in table.by_la.get(pair[0], []) if q != pair]
            partners += [
                q for q in table.near_rows(table.by_hub.get(pair[1], []), pair)[:BALANCED_PARTNERS] if q != pair
            ]
            cells = {q: table.score_cells(q) for q in partners if q is not None} | {pair: table.score_cells(pair)}
            for shift in shifts:
                for other in range(9):
                    change = {score: -1, score + shift: 1}
                    change[other] = change.get(other, 0) - 1
                    change[other - shift] = change.get(other - shift, 0) + 1
                    steps = [(group, d) for group, d in change.items() if d]
                    mine = [(cells[pair].get(group), d) for group, d in steps]
                    if not steps or any(i is None for i, _ in mine):
                        continue
                    for partner in partners:
                        parts = list(mine)
                        if partner is not None:
                            parts += [(cells[partner].get(group), -d) for group, d in steps]
                        if all(i is not None for i, _ in parts) and (move := emit(parts)):  # type: ignore[arg-type]
                            yield move

    def corners(self, c: int, first: list[list[int]], second: list[list[int]]) -> Iterable[tuple[int, int, int]]:
        """The other three cells of four-cell moves from `c`: along `first` (its row or column),
        then `second`, then `first` again."""
        for across in first[c]:
            if across == c:
                continue
            for down in self.table.near(second[across], c):
                if down in first[c]:
                    continue
                for last in self.table.near(first[down], c):
                    if last != down:
                        yield across, down, last
