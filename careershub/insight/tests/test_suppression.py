"""Property tests of small-number suppression: no published figure rests on fewer than the
threshold, and no withheld row can be recovered from the total and the other rows."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from careershub.insight.suppression import SUPPRESSED, primary, suppress_partition

counts_strategy = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=9)


def feasible_values(counts: list[int], withheld: frozenset[int], row: int) -> set[int]:
    """Values the withheld `row` could take for someone who sees the total and the published rows
    and knows the rules (every withheld row holds at least one institution)."""
    hidden_sum = sum(counts[i] for i in withheld)
    others = len(withheld) - 1
    return set(range(1, hidden_sum - others + 1))


@given(counts_strategy, st.integers(min_value=2, max_value=10))
@settings(max_examples=400)
def test_no_published_row_rests_on_too_few(counts: list[int], minimum: int) -> None:
    result = suppress_partition(counts, minimum)
    for i, count in enumerate(counts):
        if i not in result.rows:
            assert not primary(count, minimum)
    if not result.total:
        assert not primary(sum(counts), minimum)


@given(counts_strategy, st.integers(min_value=2, max_value=10))
@settings(max_examples=400)
def test_a_withheld_row_cannot_be_recovered_from_the_total(counts: list[int], minimum: int) -> None:
    result = suppress_partition(counts, minimum)
    if result.total or not result.rows:
        return  # the total is withheld (nothing to subtract from) or nothing is withheld
    assert len(result.rows) >= 2
    assert sum(counts[i] for i in result.rows) >= minimum
    for row in result.rows:
        assert counts[row] > 0  # zeros are never withheld, so the rule-aware bound above holds
        assert len(feasible_values(counts, result.rows, row)) >= 2


def test_examples() -> None:
    assert suppress_partition([50, 3, 40], 5).rows == frozenset({1, 2})
    assert suppress_partition([50, 0, 40], 5).rows == frozenset()
    assert suppress_partition([1, 1, 1, 1, 1], 5).total  # five ones would all be known
    assert suppress_partition([3], 5).total
    assert suppress_partition([1, 1, 0], 3).rows == frozenset({0, 1, 2})  # zeros too: not 'both hold one'
    assert suppress_partition([1, 1, 1, 1, 1, 0], 5, total_published=True).rows == frozenset(range(6))
    assert suppress_partition([2, 2, 30], 5).rows == frozenset({0, 1, 2}) or suppress_partition([2, 2, 30], 5).total


def bounds(counts: list[int], withheld: frozenset[int], total: int) -> dict[int, set[int]]:
    """For each withheld row, the values it could take for someone who knows the total, the
    shown rows and the rules: withheld rows hold at least one institution, unless zeros are
    withheld too or every row is (then at least none). This attacker does arithmetic on what is
    shown; one who replays the choice of secondary cells on every possible table is not modelled."""
    everything = withheld == frozenset(range(len(counts)))  # then zeros are withheld too, by rule
    floor = 0 if everything or any(counts[i] == 0 for i in withheld) else 1
    hidden = total - sum(c for i, c in enumerate(counts) if i not in withheld)
    others = len(withheld) - 1
    return {row: set(range(floor, hidden - others * floor + 1)) for row in withheld}


@given(counts_strategy, st.integers(min_value=2, max_value=10))
@settings(max_examples=500)
def test_a_total_shown_elsewhere_never_gives_a_withheld_row_away(counts: list[int], minimum: int) -> None:
    """The total is published in another table (e.g. the institutions reporting), so it is known
    even where this table withholds it."""
    total = sum(counts)
    result = suppress_partition(counts, minimum, total_published=True)
    if primary(total, minimum) or not result.rows:
        return  # a total under the threshold is withheld everywhere; nothing withheld is nothing to find
    for row, values in bounds(counts, result.rows, total).items():
        assert counts[row] in values
        assert len(values) >= 2, (counts, minimum, result)


@given(st.lists(st.integers(min_value=0, max_value=4), min_size=2, max_size=9), st.integers(min_value=2, max_value=6))
def test_a_withheld_total_does_not_say_every_row_holds_someone(counts: list[int], minimum: int) -> None:
    result = suppress_partition(counts, minimum)
    if primary(sum(counts), minimum):
        assert result.total and result.rows == frozenset(range(len(counts)))  # zeros withheld too


@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=9, max_size=9),
    st.lists(st.integers(min_value=0, max_value=12), min_size=8, max_size=8),
    st.integers(min_value=3, max_value=6),
)
@example([1, 1, 1, 1, 1, 0, 0, 0, 0], [0] * 8, 5)  # five rows of one: the summary says 5
@example([20, 0, 0, 0, 0, 0, 0, 0, 3], [0] * 8, 5)  # the share with all 8 is the "8" row
@settings(max_examples=300, deadline=None)
def test_dashboard_tables_never_give_a_withheld_cell_away(
    distribution: list[int], benchmarks: list[int], minimum: int
) -> None:
    """Through the summary (institutions reporting, share with all 8), the distribution 0-8 and
    the breakdowns whose totals are the institutions reporting."""
    import datetime

    from django.test import override_settings

    from careershub.insight.aggregates import Aggregates, Group
    from careershub.insight.dashboard import build_dashboard

    count = sum(distribution)
    total = sum(n * score for score, n in enumerate(distribution))
    split = distribution[0] + distribution[1]
    figures = Aggregates(
        count=count,
        total=total,
        all_eight=distribution[8],
        benchmarks=[min(b, count) for b in benchmarks],
        distribution=distribution,
        by_kind={
            "mainstream_school": Group(count - split, total - distribution[1]),
            "college": Group(split, distribution[1]),
        },
        by_fsm={},
        by_membership={True: Group(count, total)},
        by_wave={},
        by_area={},
    )
    with override_settings(INSIGHT_SUPPRESSION_THRESHOLD=minimum):
        built = build_dashboard(
            point=datetime.date(2025, 7, 31), figures=figures, trend_rows=[], areas=None, full_access=False
        )
    summary = {row[0]: row[1] for row in built.tables["summary"].rows}
    reported = summary["Institutions reporting"]
    rows = built.tables["distribution"].rows[:-1]
    withheld = frozenset(i for i, row in enumerate(rows) if row[1] == SUPPRESSED)
    if reported == SUPPRESSED:
        assert all(row[1] == SUPPRESSED for row in rows if distribution[int(str(row[0]))] > 0)
        return
    assert reported == count
    if 8 in withheld:
        assert summary["Fully achieving all 8 benchmarks (%)"] == SUPPRESSED
    for values in bounds(distribution, withheld, count).values():
        assert len(values) >= 2, (distribution, minimum)
    kinds = built.tables["by_kind"].rows[:-1]
    hidden = frozenset(i for i, row in enumerate(kinds) if row[1] == SUPPRESSED)
    kind_counts = [split, count - split]  # "FE or sixth-form college" sorts before "Mainstream school"
    for values in bounds(kind_counts, hidden, count).values():
        assert len(values) >= 2, (kind_counts, minimum)


def test_members_and_non_members_are_withheld_together_as_the_trend_shows_their_sum() -> None:
    import pandas as pd

    from careershub.insight.dashboard import membership_trend_table

    point = pd.Timestamp("2025-07-31")
    panel = pd.DataFrame(
        {
            "institution": range(43),
            "point": [point] * 43,
            "score": [5] * 43,
            "treated": [1] * 40 + [0] * 3,
        }
    )
    row = membership_trend_table(panel).rows[0]
    # 3 outside hubs is under 5; 40 members would give it away (the trend shows 43 reporting).
    assert row == ["2025-07-31", SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED]


# The distribution: the score sum is published (the per-benchmark counts add up to it) ------------


def feasible_cells(counts: list[int], withheld: frozenset[int], floor: int) -> dict[int, set[int]]:
    """Every value each withheld row of the distribution 0-8 can take for someone who knows the
    shown rows, the number of institutions and their score sum, and that withheld rows hold at
    least `floor`: by counting every reachable (institutions, score sum) of the other rows."""
    cells = sorted(withheld)
    size = sum(counts[i] for i in cells)
    score = sum(i * counts[i] for i in cells)

    def reachable(part: list[int]) -> set[tuple[int, int]]:
        found = {(0, 0)}
        for cell in part:
            found = {(n + v, s + cell * v) for n, s in found for v in range(floor, size + 1) if n + v <= size}
        return found

    result: dict[int, set[int]] = {}
    for position, cell in enumerate(cells):
        others = reachable(cells[:position] + cells[position + 1 :])
        result[cell] = {v for v in range(floor, size + 1) if (size - v, score - cell * v) in others}
    return result


@given(st.lists(st.integers(min_value=0, max_value=7), min_size=9, max_size=9), st.integers(min_value=3, max_value=6))
@example([20, 2, 0, 0, 0, 0, 0, 0, 3], 5)  # two withheld rows: the score sum would give both
@example([1, 0, 0, 0, 0, 0, 0, 0, 6], 5)
@settings(max_examples=250, deadline=None)
def test_the_score_sum_never_gives_a_withheld_distribution_row_away(counts: list[int], minimum: int) -> None:
    from careershub.insight.suppression import suppress_distribution

    if primary(sum(counts), minimum):
        return  # everything is withheld, the number of institutions and their scores too
    result = suppress_distribution(counts, minimum, total_published=True)
    if not result.rows:
        return
    everything = result.rows == frozenset(range(9))
    floor = 0 if everything or any(counts[i] == 0 for i in result.rows) else 1
    for cell, values in feasible_cells(counts, result.rows, floor).items():
        assert counts[cell] in values
        if counts[cell] > 0 and len(values) < 2:
            # Only when the distribution follows from the score sum alone (all but at most one
            # institution at 0, or at 8): everything is withheld and the limit is documented.
            assert everything, (counts, minimum, result)
            total, score = sum(counts), sum(n * c for n, c in enumerate(counts))
            assert score <= 1 or score >= 8 * total - 1


def test_two_withheld_distribution_rows_are_never_enough() -> None:
    from careershub.insight.suppression import suppress_distribution

    counts = [20, 2, 0, 0, 0, 0, 0, 0, 3]
    # The partition rule alone withholds rows 1 and 8 (2 + 3 = 5): the score sum 26 = 1*n1 + 8*n8
    # with n1 + n8 = 5 pins them (n1 = 2, n8 = 3). A third row has to go.
    assert suppress_partition(counts, 5, total_published=True).rows == frozenset({1, 8})
    rows = suppress_distribution(counts, 5, total_published=True).rows
    assert rows == frozenset({0, 1, 8}) or rows == frozenset(range(9))
    for values in feasible_cells(counts, rows, 0 if 2 in rows else 1).values():
        assert len(values) >= 2


# Across pages: areas (and hubs) published on pages of their own ----------------------------------


@st.composite
def geographies(draw: st.DrawFn) -> tuple[dict[str, int], dict[str, frozenset[str]], int]:
    """Local authorities with their counts, in regions, LSIP areas (not necessarily within one
    region) and Opportunity Areas (any set of LAs, overlapping anything), under England."""
    size = draw(st.integers(min_value=2, max_value=7))
    names = [f"la{i}" for i in range(size)]
    atoms = {name: draw(st.integers(min_value=0, max_value=14)) for name in names}
    groups: dict[str, set[str]] = {"england": set(names)}
    for name in names:
        groups.setdefault(f"region{draw(st.integers(0, 2))}", set()).add(name)
        groups.setdefault(f"lsip{draw(st.integers(0, 3))}", set()).add(name)
    for n in range(draw(st.integers(0, 3))):
        groups[f"oa{n}"] = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)))
    return atoms, {key: frozenset(value) for key, value in groups.items()}, draw(st.integers(3, 6))


@given(geographies())
@example(
    (
        {"a": 3, "b": 12, "c": 20},
        {"e": frozenset("abc"), "in": frozenset("ab"), "w1": frozenset("a"), "w2": frozenset("b")},
        5,
    )
)
@example(
    (
        {"a": 12, "b": 3, "c": 40, "d": 7},
        {"e": frozenset("abcd"), "l1": frozenset("ab"), "l2": frozenset("cd"), "oa": frozenset("a")},
        5,
    )
)
@settings(max_examples=300, deadline=None)
def test_no_withheld_area_can_be_worked_out_from_every_page(
    geography: tuple[dict[str, int], dict[str, frozenset[str]], int],
) -> None:
    """The attacker reads every published count (each area's own page and its row in its parent's
    breakdown, the same figure) and knows each group is the sum of its LAs and each withheld LA
    holds at least one institution; integer programming finds the least and greatest value every
    withheld LA and area can take. Each has at least two; nothing published rests on too few."""
    from careershub.insight.suppression import withhold_consistently

    from .attack import value_range

    atoms, groups, minimum = geography
    result = withhold_consistently(atoms, groups, minimum)
    for atom, count in atoms.items():
        assert atom in result.atoms or not primary(count, minimum)
        assert count > 0 or atom not in result.atoms  # a true zero is shown
    for group, members in groups.items():
        assert group in result.groups or not primary(sum(atoms[a] for a in members), minimum)
    unknown = sorted(result.atoms)
    index = {atom: i for i, atom in enumerate(unknown)}
    equations = [
        ([index[a] for a in members if a in index], sum(atoms[a] for a in members if a in index))
        for group, members in groups.items()
        if group not in result.groups
    ]
    equations = [(indexes, value) for indexes, value in equations if indexes]
    for atom in unknown:
        low, high = value_range(len(unknown), equations, [index[atom]])
        assert low <= atoms[atom] <= high
        assert low < high, (atom, atoms, groups, minimum, result)
    for group in result.groups:
        hidden = [index[a] for a in groups[group] if a in index]
        true = sum(atoms[a] for a in groups[group] if a in index)
        if sum(atoms[a] for a in groups[group]) == 0:
            continue  # a true zero
        assert hidden, (group, atoms, groups, minimum, result)  # else it is the sum of those shown
        low, high = value_range(len(unknown), equations, hidden)
        assert low < high, (group, atoms, groups, minimum, result)
        assert low <= true <= high


def test_the_joint_rule_protects_every_withheld_figure_over_cells() -> None:
    """`withhold_jointly` on a small (row, column) table: every figure it withholds takes two
    values given every published one (the integer-programming attacker), and a figure of a
    withheld total's page is withheld with it."""
    from careershub.insight.suppression import withhold_jointly
    from careershub.insight.tests.attack import value_range

    cells = {("a", "h"): 3, ("a", "g"): 6, ("b", "k"): 8, ("b", "none"): 12, ("c", "k"): 6, ("c", "none"): 30}
    figures: dict[Any, set[tuple[str, str]]] = {}
    for row in "abc":
        figures[("row", row)] = {c for c in cells if c[0] == row}
        figures[("row-in", row)] = {c for c in cells if c[0] == row and c[1] != "none"}
        figures[("row-none", row)] = {c for c in cells if c[0] == row and c[1] == "none"}
    for column in ("h", "g", "k"):
        figures[("column", column)] = {c for c in cells if c[1] == column}
    figures["all"] = set(cells)
    figures["none"] = {c for c in cells if c[1] == "none"}
    withheld = withhold_jointly(cells, figures, 5, implies={("row", "a"): [("row-in", "a")]})
    assert ("column", "h") in withheld  # 3, under the threshold
    assert ("column", "g") in withheld  # else row a's 9 less column g's 6 gives it
    unknown = sorted(cells)
    index = {c: i for i, c in enumerate(unknown)}
    equations = [
        ([index[c] for c in members], sum(cells[c] for c in members))
        for key, members in figures.items()
        if key not in withheld and members
    ]
    for key in withheld:
        if figures[key]:
            low, high = value_range(len(unknown), equations, [index[c] for c in figures[key]])
            assert low < high, key
    # When the figure of every cell is withheld, everything is.
    assert withhold_jointly({("a", "h"): 2, ("b", "h"): 1}, {"all": {("a", "h"), ("b", "h")}}, 5) == {"all"}
    # What `more` asks for once every withheld figure is protected is withheld and protected too,
    # until it asks for nothing new; it is told what is withheld each time.
    asked: list[frozenset[Any]] = []

    def more(found: frozenset[Any]) -> set[Any]:
        asked.append(found)
        return {("column", "k")}

    again = withhold_jointly(cells, figures, 5, implies={("row", "a"): [("row-in", "a")]}, more=more)
    assert asked[0] == withheld and ("column", "k") in asked[-1] and len(asked) == 2
    assert again == asked[-1] and len(again) > len(withheld) + 1  # k, and what its move changes
    equations = [
        ([index[c] for c in members], sum(cells[c] for c in members))
        for key, members in figures.items()
        if key not in again and members
    ]
    low, high = value_range(len(unknown), equations, [index[c] for c in figures[("column", "k")]])
    assert low < high
