"""Grouping a cycle's institutions into trios, with OR-Tools CP-SAT. Pure: no database.

Every institution belongs to exactly one group of three to five (groups of four or five only
when the number does not divide by three) and is reviewed by the others in its group, so each is
reviewed exactly once and reviews its partners. Hard rule: no group holds a conflicting pair.
Soft rules, weighed in the objective: mix institution kinds, and mix score levels (benchmarks
fully achieved, in bands 0-2, 3-5 and 6-8).

`check_groups` states the rules on its own, so the hub lead's adjustments, the solver's answer
and the property tests are all checked by the same plain code.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

MIN_GROUP = 3
MAX_GROUP = 5


class TrioError(ValueError):
    """No grouping is possible, or a grouping breaks a rule; the message says why."""


@dataclass(frozen=True)
class Candidate:
    key: Hashable
    name: str
    kind: str = ""
    level: int | None = None  # e.g. benchmarks fully achieved, 0-8


def _pair(a: Hashable, b: Hashable) -> frozenset[Hashable]:
    return frozenset((a, b))


def check_groups(
    candidates: Sequence[Candidate], groups: Sequence[Collection[Hashable]], conflicts: Collection[frozenset[Hashable]]
) -> None:
    """Raise `TrioError` naming the first broken rule."""
    names = {c.key: c.name for c in candidates}
    seen: dict[Hashable, int] = {}
    for number, group in enumerate(groups, start=1):
        if len(group) < MIN_GROUP:
            raise TrioError(f"Trio {number} has {len(group)} members: every trio needs at least {MIN_GROUP}.")
        for key in group:
            if key not in names:
                raise TrioError(f"Trio {number} holds an institution that is not taking part.")
            if key in seen:
                raise TrioError(f"{names[key]} is in trio {seen[key]} and trio {number}.")
            seen[key] = number
        for a, b in itertools.combinations(sorted(group, key=str), 2):
            if _pair(a, b) in conflicts:
                raise TrioError(f"{names[a]} and {names[b]} have a conflict and cannot be in the same trio {number}.")
    missing = [c.name for c in candidates if c.key not in seen]
    if missing:
        raise TrioError(f"Not in a trio: {', '.join(sorted(missing))}.")


def _explain_impossible(candidates: Sequence[Candidate], conflicts: Collection[frozenset[Hashable]]) -> str:
    n = len(candidates)
    for c in candidates:
        free = sum(1 for o in candidates if o.key != c.key and _pair(c.key, o.key) not in conflicts)
        if free < MIN_GROUP - 1:
            return (
                f"{c.name} has a conflict with all but {free} of the other {n - 1} institutions, "
                f"so it cannot be in a trio. Add institutions or remove it from the cycle."
            )
    return "There is no way to group these institutions into trios without putting a conflicting pair together."


def _band(candidate: Candidate) -> int | None:
    """Score levels 0-8 in three bands: 0-2, 3-5, 6-8."""
    return None if candidate.level is None else min(candidate.level, 8) // 3


def _kind(candidate: Candidate) -> str | None:
    return candidate.kind or None


def _mixing_penalties(
    model: cp_model.CpModel, x: dict[tuple[int, int], cp_model.IntVar], candidates: Sequence[Candidate], groups: int
) -> list[Any]:
    """Mixing, by counts rather than pairs so the model stays small for large hubs: every member of
    a group beyond the first of its kind (weight 2) or of its score band (weight 1) is penalised."""
    penalties: list[Any] = []
    attributes: tuple[tuple[Callable[[Candidate], Hashable | None], int], ...] = ((_kind, 2), (_band, 1))
    for attribute, weight in attributes:
        classes: dict[Hashable, list[int]] = {}
        for i, candidate in enumerate(candidates):
            value = attribute(candidate)
            if value is not None:
                classes.setdefault(value, []).append(i)
        for members in classes.values():
            if len(members) < 2:
                continue
            for g in range(groups):
                excess = model.new_int_var(0, MAX_GROUP, f"excess_{attribute.__name__}_{members[0]}_{g}")
                model.add(excess >= sum(x[i, g] for i in members) - 1)
                penalties.append(weight * excess)
    return penalties


def _model(
    candidates: Sequence[Candidate], conflicts: Collection[frozenset[Hashable]]
) -> tuple[cp_model.CpModel, dict[tuple[int, int], cp_model.IntVar], int]:
    """x[i, g] = institution i is in group g; conflicts kept apart; mixing rewarded."""
    n = len(candidates)
    groups = n // MIN_GROUP
    model = cp_model.CpModel()
    x = {(i, g): model.new_bool_var(f"x{i}_{g}") for i in range(n) for g in range(groups)}
    for i in range(n):
        model.add_exactly_one(x[i, g] for g in range(groups))
    for g in range(groups):
        size = sum(x[i, g] for i in range(n))
        model.add(size >= MIN_GROUP)
        model.add(size <= MAX_GROUP)
    # symmetry: institution i may only go into groups 0..i
    for i in range(n):
        for g in range(i + 1, groups):
            model.add(x[i, g] == 0)
    penalties = _mixing_penalties(model, x, candidates, groups)
    for i, j in itertools.combinations(range(n), 2):
        if _pair(candidates[i].key, candidates[j].key) in conflicts:
            for g in range(groups):
                model.add_at_most_one([x[i, g], x[j, g]])
    model.minimize(sum(penalties))
    return model, x, groups


def propose_trios(
    candidates: Sequence[Candidate],
    conflicts: Collection[frozenset[Hashable]],
    *,
    seconds: float = 10.0,
    seed: int = 0,
) -> list[list[Hashable]]:
    """Groups of keys, each sorted by name. Raises `TrioError` with the reason when impossible."""
    n = len(candidates)
    if n < MIN_GROUP:
        raise TrioError(f"A cycle needs at least {MIN_GROUP} institutions; it has {n}.")
    if len({c.key for c in candidates}) != n:
        raise TrioError("An institution is listed twice.")
    conflicts = {p for p in conflicts if len(p) == 2}
    model, x, groups = _model(candidates, conflicts)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.INFEASIBLE:
            raise TrioError(_explain_impossible(candidates, conflicts))
        raise TrioError("No trios were found in the time allowed. Try again, or arrange the trios by hand.")
    result = []
    for g in range(groups):
        members = [candidates[i] for i in range(n) if solver.boolean_value(x[i, g])]
        result.append([c.key for c in sorted(members, key=lambda c: c.name)])
    check_groups(candidates, result, conflicts)
    return result
