"""Property tests of small-number suppression: no published figure rests on fewer than the
threshold, and no withheld row can be recovered from the total and the other rows."""

from __future__ import annotations

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
