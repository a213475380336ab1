"""Trio proposal: property tests (Hypothesis) and examples."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careershub.reviews.trios import MAX_GROUP, MIN_GROUP, Candidate, TrioError, check_groups, propose_trios

KINDS = ["mainstream_school", "college", "special_school"]


@st.composite
def cycles(draw: st.DrawFn, max_size: int = 14) -> tuple[list[Candidate], set[frozenset[int]]]:
    n = draw(st.integers(min_value=0, max_value=max_size))
    candidates = [
        Candidate(i, f"Institution {i:02d}", draw(st.sampled_from(KINDS)), draw(st.none() | st.integers(0, 8)))
        for i in range(n)
    ]
    pairs = list(itertools.combinations(range(n), 2))
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=n * 2, unique=True)) if pairs else []
    return candidates, {frozenset(p) for p in chosen}


def _brute_force_feasible(n: int, conflicts: set[frozenset[int]]) -> bool:
    """Whether any partition into groups of 3 to 5 avoids every conflict (small n only)."""

    def place(remaining: list[int]) -> bool:
        if not remaining:
            return True
        first, rest = remaining[0], remaining[1:]
        for size in range(MIN_GROUP - 1, MAX_GROUP):
            for others in itertools.combinations(rest, size):
                group = (first, *others)
                if any(frozenset(p) in conflicts for p in itertools.combinations(group, 2)):
                    continue
                if place([r for r in rest if r not in others]):
                    return True
        return False

    return place(list(range(n)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cycles())
def test_every_institution_is_reviewed_exactly_once_and_no_conflict_pair_shares_a_trio(
    case: tuple[list[Candidate], set[frozenset[int]]],
) -> None:
    candidates, conflicts = case
    try:
        groups = propose_trios(candidates, conflicts, seconds=5)
    except TrioError as error:
        assert str(error)  # refused with a reason
        if len(candidates) >= MIN_GROUP and len(candidates) <= 9:
            assert not _brute_force_feasible(len(candidates), conflicts), "refused although a grouping exists"
        return
    # each institution appears in exactly one group, so it is reviewed exactly once (by its partners)
    placed = Counter(key for group in groups for key in group)
    assert placed == Counter(c.key for c in candidates)
    assert all(MIN_GROUP <= len(group) <= MAX_GROUP for group in groups)
    for group in groups:
        for a, b in itertools.combinations(group, 2):
            assert frozenset((a, b)) not in conflicts
    check_groups(candidates, groups, conflicts)  # the independent checker agrees


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2))
def test_fewer_than_three_is_refused_with_the_reason(n: int) -> None:
    with pytest.raises(TrioError, match="at least 3"):
        propose_trios([Candidate(i, f"I{i}") for i in range(n)], set())


def test_an_institution_in_conflict_with_everyone_is_named() -> None:
    candidates = [Candidate(i, f"School {i}") for i in range(6)]
    conflicts = {frozenset((0, j)) for j in range(1, 6)}
    with pytest.raises(TrioError, match="School 0 has a conflict with all but 0"):
        propose_trios(candidates, conflicts)


def test_a_subtler_impossibility_is_refused() -> None:
    # four institutions must be one group of four, and 0-1 conflict
    candidates = [Candidate(i, f"School {i}") for i in range(4)]
    with pytest.raises(TrioError, match="no way to group"):
        propose_trios(candidates, {frozenset((0, 1))})


def test_kinds_are_mixed_where_possible() -> None:
    candidates = [Candidate(i, f"S{i}", kind) for i, kind in enumerate(["school"] * 3 + ["college"] * 3)]
    groups = propose_trios(candidates, set())
    for group in groups:
        kinds = {candidates[int(k)].kind for k in group}  # type: ignore[call-overload]
        assert kinds == {"school", "college"}


def test_score_levels_are_mixed_where_possible() -> None:
    levels = [0, 0, 8, 8, 4, 4]
    candidates = [Candidate(i, f"S{i}", "school", level) for i, level in enumerate(levels)]
    groups = propose_trios(candidates, set())
    for group in groups:
        assert len({levels[int(k)] for k in group}) == 3  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([[0, 1], [2, 3, 4, 5]], "Trio 1 has 2 members"),
        ([[0, 1, 2], [2, 3, 4, 5]], "S2 is in trio 1 and trio 2"),
        ([[0, 1, 2], [3, 4]], "Trio 2 has 2 members"),
        ([[0, 1, 2, 5], [3, 4, 9]], "not taking part"),
        ([[0, 1, 3], [2, 4, 5]], "S0 and S3 have a conflict"),
        ([[0, 1, 2]], "Not in a trio: S3, S4, S5"),
    ],
)
def test_check_groups_refuses_with_the_reason(groups: list[list[int]], message: str) -> None:
    candidates = [Candidate(i, f"S{i}") for i in range(6)]
    with pytest.raises(TrioError, match=message):
        check_groups(candidates, groups, {frozenset((0, 3))})


def test_a_large_hub_is_grouped_quickly() -> None:
    import random
    import time

    rng = random.Random(1)
    candidates = [Candidate(i, f"S{i:03d}", rng.choice(KINDS), rng.randint(0, 8)) for i in range(60)]
    pairs = list(itertools.combinations(range(60), 2))
    conflicts = {frozenset(p) for p in rng.sample(pairs, 60)}
    started = time.perf_counter()
    groups = propose_trios(candidates, conflicts, seconds=20)
    assert time.perf_counter() - started < 20
    check_groups(candidates, groups, conflicts)
    assert len(groups) == 20
