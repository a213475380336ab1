"""Property tests of the exact allocation: feasibility always, optimality against brute force."""

from __future__ import annotations

import datetime
import itertools
import random
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careershub.matching import solver
from careershub.matching.solver import Instance, OfferSpec, RequestSpec

DAY0 = datetime.date(2026, 1, 5)
KINDS = ["talk", "workplace_visit"]
YEARS = ["9", "10"]
SECTORS = ["C", "F", "J"]


@st.composite
def requests(draw: st.DrawFn, key: int) -> RequestSpec:
    start = draw(st.integers(0, 20))
    return RequestSpec(
        key=key,
        kind=draw(st.sampled_from(KINDS)),
        year_group=draw(st.sampled_from(YEARS)),
        learners=draw(st.integers(1, 60)),
        window_start=DAY0 + datetime.timedelta(days=start),
        window_end=DAY0 + datetime.timedelta(days=start + draw(st.integers(0, 20))),
        delivery=draw(st.sampled_from(["in_person", "virtual", "either"])),
        max_travel_km=draw(st.integers(0, 40)),
        sectors=frozenset(draw(st.sets(st.sampled_from(SECTORS), max_size=2))),
        latitude=53.4 + draw(st.integers(0, 30)) / 100,
        longitude=-2.3 + draw(st.integers(0, 30)) / 100,
        fsm_percent=draw(st.floats(0, 60)),
        opportunity_area=draw(st.booleans()),
        benchmark5_percent=draw(st.none() | st.integers(0, 100)),
        benchmark6_percent=draw(st.none() | st.integers(0, 100)),
    )


@st.composite
def offers(draw: st.DrawFn, key: int) -> OfferSpec:
    start = draw(st.integers(0, 20))
    return OfferSpec(
        key=key,
        employer_key=draw(st.integers(1, 2)),
        kind=draw(st.sampled_from(KINDS)),
        sessions=draw(st.integers(1, 3)),
        learners_per_session=draw(st.integers(10, 40)),
        available_from=DAY0 + datetime.timedelta(days=start),
        available_to=DAY0 + datetime.timedelta(days=start + draw(st.integers(0, 30))),
        delivery=draw(st.sampled_from(["in_person", "virtual"])),
        year_groups=frozenset(draw(st.sets(st.sampled_from(YEARS), min_size=1))),
        sector=draw(st.sampled_from(SECTORS)),
        latitude=53.4 + draw(st.integers(0, 30)) / 100,
        longitude=-2.3 + draw(st.integers(0, 30)) / 100,
    )


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n_requests = draw(st.integers(0, 5))
    n_offers = draw(st.integers(0, 3))
    return Instance(
        requests=tuple(draw(requests(key=i + 1)) for i in range(n_requests)),
        offers=tuple(draw(offers(key=100 + j)) for j in range(n_offers)),
        employer_caps={1: draw(st.integers(0, 3)), 2: draw(st.integers(0, 3))},
        priority_sectors=frozenset(draw(st.sets(st.sampled_from(SECTORS), max_size=2))),
    )


def brute_force(instance: Instance) -> int | None:
    """The best objective over every assignment (None when none is feasible)."""
    candidates = solver.arcs(instance)
    choices = [[None, *[o.key for o in instance.offers if (r.key, o.key) in candidates]] for r in instance.requests]
    best: int | None = None
    for combination in itertools.product(*choices):
        matches = {r.key: o for r, o in zip(instance.requests, combination, strict=True) if o is not None}
        if solver.check(instance, matches):
            continue
        value = solver.objective(instance, matches)
        best = value if best is None else max(best, value)
    return best


@settings(max_examples=120, deadline=None)
@given(instances(), st.sampled_from(["highs", "cpsat"]))
def test_solution_is_feasible_and_optimal(instance: Instance, engine: str) -> None:
    result = solver.solve(instance, engine=engine, time_limit_s=10, workers=1)
    best = brute_force(instance)
    if result.status == "empty":
        assert not solver.arcs(instance)
        assert best == 0
        return
    assert result.status == "optimal"
    assert solver.check(instance, result.matches) == []
    assert result.objective == solver.objective(instance, result.matches)
    assert result.objective == best
    baseline = solver.greedy(instance)
    assert solver.check(instance, baseline) == []
    assert result.objective >= solver.objective(instance, baseline)
    assert solver.lp_bound(instance) >= result.objective - 1e-6
    for pair, terms in result.terms.items():
        assert (
            terms.total
            == solver.score(
                next(r for r in instance.requests if r.key == pair[0]),
                next(o for o in instance.offers if o.key == pair[1]),
                instance.priority_sectors,
            ).total
        )


@settings(max_examples=60, deadline=None)
@given(instances(), st.data(), st.sampled_from(["highs", "cpsat"]))
def test_pins_and_exclusions_are_respected(instance: Instance, data: st.DataObject, engine: str) -> None:
    candidates = sorted(solver.arcs(instance))
    if not candidates:
        return
    constrained = _with_a_pin(instance, candidates, data)
    (pin,), excluded = constrained.pinned, constrained.excluded
    result = solver.solve(constrained, engine=engine, time_limit_s=10, workers=1)
    best = brute_force(constrained)
    if best is None:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert result.matches[pin[0]] == pin[1]
    assert not set(result.matches.items()) & excluded
    assert solver.check(constrained, result.matches) == []
    assert result.objective == best
    nearest = solver.greedy(constrained)  # the time-out fallback keeps the pin and the exclusions too
    assert solver.check(constrained, nearest) == []
    assert solver.objective(constrained, nearest) <= result.objective


def _with_a_pin(instance: Instance, candidates: list[tuple[int, int]], data: st.DataObject) -> Instance:
    """The instance with one of its candidate pairs pinned and some of the others excluded."""
    pin = data.draw(st.sampled_from(candidates))
    return Instance(
        requests=instance.requests,
        offers=instance.offers,
        employer_caps=instance.employer_caps,
        priority_sectors=instance.priority_sectors,
        pinned=frozenset({pin}),
        excluded=frozenset(p for p in candidates if p != pin and data.draw(st.booleans())),
    )


def _request(**kwargs: object) -> RequestSpec:
    base: dict[str, object] = {
        "key": 1,
        "kind": "talk",
        "year_group": "10",
        "learners": 30,
        "window_start": DAY0,
        "window_end": DAY0 + datetime.timedelta(days=30),
        "delivery": "either",
        "max_travel_km": 20,
        "latitude": 53.45,
        "longitude": -2.3,
    }
    base.update(kwargs)
    return RequestSpec(**base)  # type: ignore[arg-type]


def _offer(**kwargs: object) -> OfferSpec:
    base: dict[str, object] = {
        "key": 100,
        "employer_key": 1,
        "kind": "talk",
        "sessions": 1,
        "learners_per_session": 30,
        "available_from": DAY0,
        "available_to": DAY0 + datetime.timedelta(days=30),
        "delivery": "in_person",
        "year_groups": frozenset({"10"}),
        "sector": "C",
        "latitude": 53.45,
        "longitude": -2.3,
    }
    base.update(kwargs)
    return OfferSpec(**base)  # type: ignore[arg-type]


def test_need_decides_who_gets_a_single_session() -> None:
    needy = _request(key=1, fsm_percent=40, opportunity_area=True)
    comfortable = _request(key=2, fsm_percent=5, benchmark5_percent=100, benchmark6_percent=100)
    result = solver.solve(Instance(requests=(comfortable, needy), offers=(_offer(),)))
    assert result.matches == {1: 100}
    terms = result.terms[(1, 100)]
    assert (terms.served, terms.fsm, terms.opportunity_area, terms.benchmark5_gap, terms.travel) == (100, 40, 30, 20, 0)


def test_travel_limit_and_empty_instance_are_reported() -> None:
    far = _offer(latitude=54.45)  # about 111 km north
    result = solver.solve(Instance(requests=(_request(),), offers=(far,)))
    assert result.status == "empty"
    assert "No request can be served" in result.message
    assert solver.solve(Instance(requests=(), offers=())).status == "empty"


def test_employer_cap_and_infeasible_pins() -> None:
    reqs = (_request(key=1), _request(key=2))
    offs = (_offer(key=100, sessions=5), _offer(key=101, sessions=5))
    capped = solver.solve(Instance(requests=reqs, offers=offs, employer_caps={1: 1}))
    assert len(capped.matches) == 1
    pinned = Instance(requests=reqs, offers=offs, employer_caps={1: 1}, pinned=frozenset({(1, 100), (2, 101)}))
    for engine in ("highs", "cpsat"):
        result = solver.solve(pinned, engine=engine)
        assert result.status == "infeasible"
        assert "cap" in result.message


@given(instances())
@settings(max_examples=150, deadline=None)
def test_candidates_are_exactly_the_eligible_pairs(instance: Instance) -> None:
    fast = solver.arcs(instance)
    slow = solver.arcs_reference(instance)
    assert fast.keys() == slow.keys()
    assert all(fast[pair].total == slow[pair].total for pair in slow)


def test_a_time_out_offers_the_best_allocation_found_with_its_distance_from_the_optimum(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """When the time runs out the solver's incumbent is offered (checked feasible), not thrown
    away, unless the nearest-first allocation is better; the message says which, and how far below
    the proven bound it can be."""
    reqs = (_request(key=1, fsm_percent=40), _request(key=2))
    offs = (_offer(key=100), _offer(key=101, employer_key=2))
    instance = Instance(requests=reqs, offers=offs)

    def both(inst: Instance, found: solver.Candidates, *args: object, **kwargs: object) -> tuple:  # type: ignore[type-arg]
        chosen = ((found.request == 0) & (found.offer == 1)) | ((found.request == 1) & (found.offer == 0))
        return "timeout", float(found.weight[chosen].sum()), chosen, (float(found.weight[chosen].sum()), 1000.0)

    monkeypatch.setattr(solver, "_solve_highs", both)
    result = solver.solve(instance, time_limit_s=5)
    assert result.status == "timeout" and result.matches == {1: 101, 2: 100}
    assert result.objective == solver.objective(instance, result.matches)
    assert "the best the solver found" in result.message
    # The solver's bound (1000 here) is kept unless each request's best score adds up to less.
    bound = min(1000, solver._request_bound(solver.candidates(instance)))
    assert f"at most {round(bound) - result.objective} points" in result.message

    def only_the_first(inst: Instance, found: solver.Candidates, *args: object, **kwargs: object) -> tuple:  # type: ignore[type-arg]
        chosen = (found.request == 0) & (found.offer == 0)
        return "timeout", float(found.weight[chosen].sum()), chosen, (float(found.weight[chosen].sum()), 1000.0)

    monkeypatch.setattr(solver, "_solve_highs", only_the_first)
    better = solver.solve(instance, time_limit_s=5)
    assert better.status == "timeout" and len(better.matches) == 2 and "nearest-first" in better.message
    assert not solver.check(instance, better.matches)

    def breaks_a_capacity(inst: Instance, found: solver.Candidates, *args: object, **kwargs: object) -> tuple:  # type: ignore[type-arg]
        chosen = found.offer == 0  # both requests on a one-session offer
        return "timeout", 0.0, chosen, (0.0, 1000.0)

    monkeypatch.setattr(solver, "_solve_highs", breaks_a_capacity)
    monkeypatch.setattr(solver, "_greedy_columns", lambda inst, found: np.zeros(len(found), dtype=bool))
    refused = solver.solve(instance, time_limit_s=5)
    assert refused.status == "timeout" and refused.matches == {} and "found no allocation" in refused.message


def test_a_time_out_without_a_bound_from_the_solver_says_how_far_it_can_be_all_the_same(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """When HiGHS's root LP has not finished its bound is useless (or missing): the message then
    gives the bound from each request's best score, which needs no LP."""
    reqs = (_request(key=1, fsm_percent=40), _request(key=2))
    offs = (_offer(key=100), _offer(key=101, employer_key=2))
    instance = Instance(requests=reqs, offers=offs)
    seen: list[float] = []

    def nothing_proven(inst: Instance, found: solver.Candidates, time_limit_s: float, **kwargs: object) -> tuple:  # type: ignore[type-arg]
        seen.append(time_limit_s)
        chosen = (found.request == 0) & (found.offer == 0)
        return "timeout", float(found.weight[chosen].sum()), chosen, (float(found.weight[chosen].sum()), float("nan"))

    monkeypatch.setattr(solver, "_solve_highs", nothing_proven)
    result = solver.solve(instance, time_limit_s=5)
    found = solver.candidates(instance)
    best_each = sum(max(float(w) for w, r in zip(found.weight, found.request, strict=True) if r == i) for i in (0, 1))
    assert result.status == "timeout" and result.bound == best_each
    assert f"at most {round(best_each) - result.objective} points" in result.message
    assert 1.0 <= seen[0] <= 5  # the solver gets what is left of the time limit, not more


@given(instances())
@settings(max_examples=100, deadline=None)
def test_the_bound_from_each_requests_best_score_is_never_below_the_optimum(instance: Instance) -> None:
    best = brute_force(instance)
    found = solver.candidates(instance)
    if best is not None and len(found):
        assert solver._request_bound(found) >= best


def greedy_by_definition(instance: Instance) -> dict[int, int]:
    """The nearest-first allocation pair by pair (pins first; then shortest travel, best score,
    request, offer), for comparison with `solver.greedy`."""
    arcs = solver.arcs(instance)
    requests = {r.key: r for r in instance.requests}
    offers = {o.key: o for o in instance.offers}
    index_r = {r.key: i for i, r in enumerate(instance.requests)}
    index_o = {o.key: i for i, o in enumerate(instance.offers)}
    ordered = sorted(arcs, key=lambda p: (arcs[p].travel, -arcs[p].total, index_r[p[0]], index_o[p[1]]))
    left = {o.key: o.sessions for o in instance.offers}
    taken: dict[int, int] = {}
    matches: dict[int, int] = {}

    def take(r: int, o: int) -> None:
        matches[r] = o
        left[o] -= solver.sessions_needed(requests[r], offers[o])
        taken[offers[o].employer_key] = taken.get(offers[o].employer_key, 0) + 1

    for r, o in ordered:
        if (r, o) in instance.pinned and r not in matches:
            take(r, o)
    for r, o in ordered:
        cap = instance.employer_caps.get(offers[o].employer_key)
        if r in matches or left[o] < solver.sessions_needed(requests[r], offers[o]) or arcs[(r, o)].total <= 0:
            continue
        if cap is not None and taken.get(offers[o].employer_key, 0) >= cap:
            continue
        take(r, o)
    return matches


@given(instances(), st.data())
@settings(max_examples=150, deadline=None)
def test_greedy_is_the_nearest_first_allocation_by_definition(instance: Instance, data: st.DataObject) -> None:
    candidates = sorted(solver.arcs(instance))
    pinned = frozenset(data.draw(st.sets(st.sampled_from(candidates), max_size=1))) if candidates else frozenset()
    constrained = Instance(
        requests=instance.requests,
        offers=instance.offers,
        employer_caps=instance.employer_caps,
        priority_sectors=instance.priority_sectors,
        pinned=pinned,
    )
    assert solver.greedy(constrained) == greedy_by_definition(constrained)


@st.composite
def crowded_offers(draw: st.DrawFn) -> Instance:
    """One or two offers of up to 5 sessions and several requests needing 1 to 5 sessions each: the
    sessions rows are knapsacks, where the added inequalities apply."""
    n_requests = draw(st.integers(1, 6))
    per_session = draw(st.sampled_from([10, 15]))
    found = []
    for i in range(n_requests):
        found.append(
            RequestSpec(
                key=i + 1,
                kind="talk",
                year_group="9",
                learners=draw(st.integers(1, 5)) * per_session - draw(st.integers(0, per_session - 1)),
                window_start=DAY0,
                window_end=DAY0,
                delivery="virtual",
                max_travel_km=0,
                fsm_percent=draw(st.floats(0, 60)),
            )
        )
    offers_found = tuple(
        OfferSpec(
            key=100 + j,
            employer_key=1 + j,
            kind="talk",
            sessions=draw(st.integers(1, 5)),
            learners_per_session=per_session,
            available_from=DAY0,
            available_to=DAY0,
            delivery="virtual",
            year_groups=frozenset({"9"}),
            sector=draw(st.sampled_from(SECTORS)),
        )
        for j in range(draw(st.integers(1, 2)))
    )
    return Instance(requests=tuple(found), offers=offers_found, employer_caps={1: draw(st.integers(1, 6))})


@settings(max_examples=150, deadline=None)
@given(st.one_of(instances(), crowded_offers()), st.integers(0, 4))
def test_offer_inequalities_keep_every_allocation(instance: Instance, clique_limit: int) -> None:
    """The inequalities added to the sessions rows cut off no feasible allocation (checked on
    every one, with single cliques and with pairs taken together), so the tightened model has
    the same optimum; its LP bound stays above it."""
    found = solver.candidates(instance)
    if not len(found):
        return
    rows, upper = solver._offer_rows(instance, found, clique_limit)
    options: list[list[int | None]] = [[None] for _ in instance.requests]
    for column, a in enumerate(found.request.tolist()):
        options[a].append(column)
    for combination in itertools.product(*options):
        chosen = [c for c in combination if c is not None]
        matches = {
            instance.requests[int(found.request[c])].key: instance.offers[int(found.offer[c])].key for c in chosen
        }
        if solver.check(instance, matches):
            continue
        x = np.zeros(len(found))
        x[chosen] = 1
        assert np.all(rows @ x <= upper + 1e-9)
    best = brute_force(instance)
    assert best is not None
    assert solver.lp_bound(instance, tightened=True) >= best - 1e-6
    assert solver.lp_bound(instance, tightened=True) <= solver.lp_bound(instance) + 1e-6


def test_offer_inequalities_cut_the_fractional_knapsack() -> None:
    """Two requests needing 2 sessions of a 3-session offer: the LP relaxation alone serves one
    and a half; with the inequalities, one (the optimum)."""
    requests_ = tuple(_request(key=k, learners=40, delivery="virtual") for k in (1, 2))
    offer = _offer(key=100, sessions=3, learners_per_session=30, delivery="virtual", latitude=None, longitude=None)
    instance = Instance(requests=requests_, offers=(offer,))
    result = solver.solve(instance)
    assert result.status == "optimal" and len(result.matches) == 1
    assert solver.lp_bound(instance) == pytest.approx(1.5 * result.objective)
    assert solver.lp_bound(instance, tightened=True) == pytest.approx(result.objective)


@settings(max_examples=80, deadline=None)
@given(st.one_of(instances(), crowded_offers()))
def test_every_way_of_running_highs_gives_the_brute_force_optimum(instance: Instance) -> None:
    """With or without presolve (large models go without), with or without the added
    inequalities: the same optimum as trying every assignment."""
    best = brute_force(instance)
    found = solver.candidates(instance)
    if not len(found):
        assert best == 0
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "PRESOLVE_UP_TO", 0)
        result = solver.solve(instance, time_limit_s=10)
    assert result.status == "optimal" and result.objective == best
    assert solver.check(instance, result.matches) == []
    status, value, chosen, _ = solver._solve_highs(instance, found, 10, tighten=False)
    assert status == "optimal" and round(value) == best == int(found.weight[chosen].sum())


@settings(max_examples=80, deadline=None)
@given(st.one_of(instances(), crowded_offers()), st.data(), st.booleans())
def test_starting_from_the_lp_relaxation_gives_the_brute_force_optimum(
    instance: Instance, data: st.DataObject, constrain: bool
) -> None:
    """Large models start from the LP relaxation (`_lp_start`: rounded, then a MIP over its
    support). Forced here on small ones, with and without a pin and exclusions: the same optimum
    as trying every assignment. And when no time would be left for branch and cut after the LP,
    the allocation it gives is feasible, keeps the pin, is no worse than nearest-first and is
    offered with a bound no lower than the optimum."""
    candidates = sorted(solver.arcs(instance))
    if constrain and candidates:
        instance = _with_a_pin(instance, candidates, data)
    best = brute_force(instance)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "LP_START_FROM", 0)
        result = solver.solve(instance, time_limit_s=10)
        patch.setattr(solver, "ROOT_LP_FACTOR", 1e9)
        quick = solver.solve(instance, time_limit_s=10)
    if not candidates:
        assert result.status == quick.status == "empty"
        return
    if best is None:
        assert result.status == quick.status == "infeasible"
        return
    assert result.status == "optimal" and result.objective == best
    assert solver.check(instance, result.matches) == []
    assert quick.status in {"optimal", "timeout"}
    assert solver.check(instance, quick.matches) == []
    assert solver.objective(instance, solver.greedy(instance)) <= quick.objective <= best
    if quick.status == "optimal":
        assert quick.objective == best
    else:
        assert quick.bound >= best - 1e-6


def _crowded_area(seed: int) -> Instance:
    """Forty requests and twenty-four offers of up to four sessions, of ten capped employers, all
    within reach: many requests need several sessions, so the LP relaxation is fractional."""
    rng = random.Random(seed)
    requests_ = tuple(
        _request(
            key=k,
            learners=rng.randrange(10, 100),
            delivery=rng.choice(["in_person", "virtual", "either"]),
            fsm_percent=rng.random() * 60,
            sectors=frozenset(rng.sample(SECTORS, rng.randrange(0, 2))),
            latitude=53.45 + rng.random() / 20,
        )
        for k in range(1, 41)
    )
    offers_ = tuple(
        _offer(
            key=100 + j,
            employer_key=j % 10,
            sessions=rng.randrange(1, 5),
            learners_per_session=rng.choice([15, 30, 45]),
            delivery=delivery,
            sector=rng.choice(SECTORS),
            latitude=None if delivery == "virtual" else 53.45 + rng.random() / 20,
            longitude=None if delivery == "virtual" else -2.3,
        )
        for j, delivery in enumerate(rng.choice(["in_person", "virtual"]) for _ in range(24))
    )
    return Instance(
        requests=requests_,
        offers=offers_,
        employer_caps={e: rng.randrange(1, 5) for e in range(10)},
        priority_sectors=frozenset("C"),
    )


def test_the_start_from_the_lp_relaxation_on_fractional_models_keeps_the_optimum(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On models whose LP relaxation is fractional (checked), the start from the LP (`_lp_start`,
    forced here) gives the optimum branch and cut finds without it; and when no time is left for
    branch and cut after the LP, a feasible allocation between nearest-first and the optimum,
    offered with a bound no lower than the optimum (optimal only when it is the optimum)."""
    fractional = 0
    for seed in range(6):
        inst = _crowded_area(seed)
        exact = solver.solve(inst, time_limit_s=30)
        assert exact.status == "optimal"
        fractional += solver.lp_bound(inst, tightened=True) > exact.objective + 0.5
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(solver, "LP_START_FROM", 0)
            started = solver.solve(inst, time_limit_s=30)
            patch.setattr(solver, "ROOT_LP_FACTOR", 1e9)
            quick = solver.solve(inst, time_limit_s=5)
        assert started.status == "optimal" and started.objective == exact.objective
        assert solver.check(inst, started.matches) == [] and solver.check(inst, quick.matches) == []
        assert solver.objective(inst, solver.greedy(inst)) <= quick.objective <= exact.objective
        assert quick.objective == exact.objective if quick.status == "optimal" else quick.bound >= exact.objective
    assert fractional >= 3


def test_branch_and_cut_finding_nothing_after_the_lp_start_still_proposes_the_lp_start(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """If branch and cut (here: every HiGHS MIP) runs out of time with nothing, the round gets
    the LP start's allocation (better than nearest-first here), with the LP's bound."""
    monkeypatch.setattr(solver, "LP_START_FROM", 0)
    monkeypatch.setattr(
        solver, "_solve_highspy", lambda *args: ("timeout", 0.0, np.zeros(0, dtype=bool), (0.0, float("nan")))
    )
    inst = _crowded_area(1)
    result = solver.solve(inst, time_limit_s=10)
    assert result.status == "timeout"
    assert solver.check(inst, result.matches) == []
    assert result.objective > solver.objective(inst, solver.greedy(inst))
    assert result.bound == pytest.approx(solver.lp_bound(inst, tightened=True))


def test_an_lp_start_as_good_as_the_lp_bound_is_optimal_without_branch_and_cut(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """When the allocation from the LP relaxation scores the LP's optimum (rounded down: scores
    are whole points), nothing can do better: it is optimal, and branch and cut is not run."""

    def not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("branch and cut should not run")

    monkeypatch.setattr(solver, "LP_START_FROM", 0)
    monkeypatch.setattr(solver, "_solve_highspy", not_run)
    inst = Instance(
        requests=(_request(key=1), _request(key=2, fsm_percent=40)),
        offers=(_offer(key=100), _offer(key=101, employer_key=2, sector="F")),
        employer_caps={1: 1, 2: 1},
        priority_sectors=frozenset("C"),
    )
    result = solver.solve(inst, time_limit_s=10)
    assert result.status == "optimal"
    assert result.matches == {1: 100, 2: 101} or result.matches == {1: 101, 2: 100}
    assert result.objective == brute_force(inst)


class _Event:
    def __init__(self) -> None:
        self.interrupted = False

    def interrupt(self) -> None:
        self.interrupted = True


def test_the_interrupt_callback_stops_highs_only_once_the_deadline_has_passed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """HiGHS checks its own time limit only now and then; the callback it calls throughout its
    simplex, interior point and branch and cut stops it at the deadline (ADR 13)."""
    now = [100.0]
    monkeypatch.setattr(solver.time, "monotonic", lambda: now[0])
    stop = solver._stop_after(130.0)
    before, at, after = _Event(), _Event(), _Event()
    stop(cast(Any, before))
    now[0] = 130.0
    stop(cast(Any, at))
    now[0] = 130.5
    stop(cast(Any, after))
    assert (before.interrupted, at.interrupted, after.interrupted) == (False, False, True)


def test_highs_stopped_by_its_interrupt_callback_reports_a_time_out_with_the_start(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A solve the callback stops is a time-out (never "optimal"), keeping the nearest-first start."""
    monkeypatch.setattr(solver, "_stop_after", lambda deadline: lambda event: event.interrupt())
    inst = _instance_for_interrupt()
    found = solver.candidates(inst)
    status, _value, chosen, (best, _bound) = solver._solve_highs(inst, found, 60.0)
    assert status == "timeout"
    assert best == pytest.approx(solver.objective(inst, solver.greedy(inst)))
    assert chosen.sum() == len(solver.greedy(inst))


def _instance_for_interrupt() -> Instance:
    """Enough requests competing for multi-session offers and capped employers that HiGHS has
    to solve LPs (so calls its interrupt callbacks) rather than finishing in presolve."""
    requests = tuple(
        _request(key=k, fsm_percent=(k * 7) % 50, learners=20 + (k * 13) % 70, latitude=53.45 + (k % 5) / 100)
        for k in range(1, 61)
    )
    offers = tuple(
        _offer(
            key=100 + k,
            employer_key=k % 6,
            sessions=1 + k % 4,
            learners_per_session=30,
            sector="CGJKM"[k % 5],
            longitude=-2.3 + (k % 4) / 100,
        )
        for k in range(24)
    )
    return Instance(requests=requests, offers=offers, employer_caps={e: 3 for e in range(6)})
