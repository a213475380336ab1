"""Property tests of small-number suppression: no published figure rests on fewer than the
threshold, and no withheld row can be recovered from the total and the other rows."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from careershub.insight.suppression import primary, suppress_partition

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
    assert suppress_partition([2, 2, 30], 5).rows == frozenset({0, 1, 2}) or suppress_partition([2, 2, 30], 5).total
