"""The allocation of school requests to employer offers, solved exactly: HiGHS (branch and cut,
through `scipy.optimize.milp`, gap 0) by default, or OR-Tools CP-SAT (`engine="cpsat"`).

Pure Python (no Django): `services.py` turns database rows into `RequestSpec` and `OfferSpec`.

Objective (maximised; all terms are whole points so the optimum is exact)
-----------------------------------------------------------------------
Each possible match of request r to offer o scores

    score(r, o) = SERVED + need(r) + sector(r, o) - travel(r, o)

- SERVED = 100: a request served at all.
- need(r) = fsm(r) + oa(r) + gap5(r) + gap6(r):
  - fsm: the school's % of pupils eligible for free school meals, rounded (0 to 100);
  - oa: 30 when the school is in an Opportunity Area;
  - gap5, gap6: (100 - % met for Benchmark 5 / 6 at the latest measurement) / 5, rounded
    (0 to 20 each; 20 when the school has no result yet).
- sector(r, o) = 20 when the offer's sector is one of the hub's priority sectors, plus 10 when it
  is one of the sectors the school asked for.
- travel(r, o) = the distance in whole kilometres for an in-person offer (0 when virtual).

Every term is recorded per match so that each proposal explains itself.

Constraints
-----------
- each request gets at most one offer;
- an offer's sessions: a request of L learners uses ceil(L / learners_per_session) sessions,
  and the sessions used never exceed the offer's sessions;
- an employer's cap: at most `cap` requests matched to that employer's offers in the round;
- eligibility (otherwise no variable exists): same encounter type, the year group is suitable,
  the windows overlap, delivery agrees (a request for "either" takes both), and an in-person
  offer is within the request's maximum travel distance;
- pinned pairs are forced in (confirmed and pinned matches), excluded pairs forced out.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

SERVED = 100
OPPORTUNITY_AREA = 30
PRIORITY_SECTOR = 20
REQUESTED_SECTOR = 10
MAX_GAP = 20


@dataclass(frozen=True)
class RequestSpec:
    key: int
    kind: str
    year_group: str
    learners: int
    window_start: datetime.date
    window_end: datetime.date
    delivery: str  # "in_person", "virtual" or "either"
    max_travel_km: int
    sectors: frozenset[str] = frozenset()
    latitude: float | None = None
    longitude: float | None = None
    fsm_percent: float = 0.0
    opportunity_area: bool = False
    benchmark5_percent: int | None = None
    benchmark6_percent: int | None = None


@dataclass(frozen=True)
class OfferSpec:
    key: int
    employer_key: int
    kind: str
    sessions: int
    learners_per_session: int
    available_from: datetime.date
    available_to: datetime.date
    delivery: str  # "in_person" or "virtual"
    year_groups: frozenset[str]
    sector: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Terms:
    served: int
    fsm: int
    opportunity_area: int
    benchmark5_gap: int
    benchmark6_gap: int
    priority_sector: int
    requested_sector: int
    travel: int

    @property
    def total(self) -> int:
        return (
            self.served
            + self.fsm
            + self.opportunity_area
            + self.benchmark5_gap
            + self.benchmark6_gap
            + self.priority_sector
            + self.requested_sector
            - self.travel
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "served": self.served,
            "fsm": self.fsm,
            "opportunity_area": self.opportunity_area,
            "benchmark5_gap": self.benchmark5_gap,
            "benchmark6_gap": self.benchmark6_gap,
            "priority_sector": self.priority_sector,
            "requested_sector": self.requested_sector,
            "travel": self.travel,
            "total": self.total,
        }


@dataclass(frozen=True)
class Instance:
    requests: tuple[RequestSpec, ...]
    offers: tuple[OfferSpec, ...]
    employer_caps: dict[int, int] = field(default_factory=dict)
    priority_sectors: frozenset[str] = frozenset()
    pinned: frozenset[tuple[int, int]] = frozenset()
    excluded: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Result:
    status: str  # "optimal", "empty", "infeasible" or "timeout"
    objective: int
    matches: dict[int, int]  # request key -> offer key
    terms: dict[tuple[int, int], Terms]
    message: str = ""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def sessions_needed(request: RequestSpec, offer: OfferSpec) -> int:
    return -(-request.learners // offer.learners_per_session)


def _gap(percent: int | None) -> int:
    if percent is None:
        return MAX_GAP
    return round((100 - max(0, min(100, percent))) / 5)


def travel_km(request: RequestSpec, offer: OfferSpec) -> int | None:
    """Whole kilometres to an in-person offer (0 when virtual); None when it cannot be worked out."""
    if offer.delivery == "virtual":
        return 0
    if None in (request.latitude, request.longitude, offer.latitude, offer.longitude):
        return None
    return round(distance_km(request.latitude, request.longitude, offer.latitude, offer.longitude))  # type: ignore[arg-type]


def eligible(request: RequestSpec, offer: OfferSpec) -> bool:
    if request.kind != offer.kind or request.year_group not in offer.year_groups:
        return False
    if request.window_end < offer.available_from or offer.available_to < request.window_start:
        return False
    if request.delivery != "either" and request.delivery != offer.delivery:
        return False
    if offer.sessions <= 0 or offer.learners_per_session <= 0 or sessions_needed(request, offer) > offer.sessions:
        return False
    km = travel_km(request, offer)
    return km is not None and km <= request.max_travel_km


def score(request: RequestSpec, offer: OfferSpec, priority_sectors: Iterable[str] = ()) -> Terms:
    km = travel_km(request, offer) or 0
    return Terms(
        served=SERVED,
        fsm=round(max(0.0, min(100.0, request.fsm_percent))),
        opportunity_area=OPPORTUNITY_AREA if request.opportunity_area else 0,
        benchmark5_gap=_gap(request.benchmark5_percent),
        benchmark6_gap=_gap(request.benchmark6_percent),
        priority_sector=PRIORITY_SECTOR if offer.sector and offer.sector in set(priority_sectors) else 0,
        requested_sector=REQUESTED_SECTOR if offer.sector and offer.sector in request.sectors else 0,
        travel=km,
    )


def arcs(instance: Instance) -> dict[tuple[int, int], Terms]:
    """Every eligible (request, offer) pair that is not excluded, with its terms."""
    result = {}
    for request in instance.requests:
        for offer in instance.offers:
            pair = (request.key, offer.key)
            if pair in instance.excluded:
                continue
            if eligible(request, offer):
                result[pair] = score(request, offer, instance.priority_sectors)
    return result


def check(instance: Instance, matches: dict[int, int]) -> list[str]:
    """The constraints a set of matches breaks (empty when it is feasible)."""
    problems: list[str] = []
    requests = {r.key: r for r in instance.requests}
    offers = {o.key: o for o in instance.offers}
    used: dict[int, int] = {}
    per_employer: dict[int, int] = {}
    for r_key, o_key in matches.items():
        request, offer = requests[r_key], offers[o_key]
        if (r_key, o_key) in instance.excluded:
            problems.append(f"request {r_key} is matched to excluded offer {o_key}")
        if not eligible(request, offer):
            problems.append(f"request {r_key} is not eligible for offer {o_key}")
            continue
        used[o_key] = used.get(o_key, 0) + sessions_needed(request, offer)
        per_employer[offer.employer_key] = per_employer.get(offer.employer_key, 0) + 1
    for o_key, sessions in used.items():
        if sessions > offers[o_key].sessions:
            problems.append(f"offer {o_key} uses {sessions} of {offers[o_key].sessions} sessions")
    for e_key, count in per_employer.items():
        cap = instance.employer_caps.get(e_key)
        if cap is not None and count > cap:
            problems.append(f"employer {e_key} has {count} requests, over its cap of {cap}")
    for r_key, o_key in instance.pinned:
        if matches.get(r_key) != o_key:
            problems.append(f"pinned match of request {r_key} to offer {o_key} is missing")
    return problems


def objective(instance: Instance, matches: dict[int, int]) -> int:
    offers = {o.key: o for o in instance.offers}
    requests = {r.key: r for r in instance.requests}
    return sum(score(requests[r], offers[o], instance.priority_sectors).total for r, o in matches.items())


def _model_rows(instance: Instance, pairs: list[tuple[int, int]]) -> list[tuple[list[int], list[int], int]]:
    """The linear constraints as (variable indexes, coefficients, upper bound) rows."""
    offers = {o.key: o for o in instance.offers}
    requests = {r.key: r for r in instance.requests}
    by_request: dict[int, list[int]] = {}
    by_offer: dict[int, list[int]] = {}
    by_employer: dict[int, list[int]] = {}
    for i, (r_key, o_key) in enumerate(pairs):
        by_request.setdefault(r_key, []).append(i)
        by_offer.setdefault(o_key, []).append(i)
        by_employer.setdefault(offers[o_key].employer_key, []).append(i)
    rows: list[tuple[list[int], list[int], int]] = []
    for indexes in by_request.values():
        rows.append((indexes, [1] * len(indexes), 1))
    for o_key, indexes in by_offer.items():
        offer = offers[o_key]
        rows.append((indexes, [sessions_needed(requests[pairs[i][0]], offer) for i in indexes], offer.sessions))
    for e_key, indexes in by_employer.items():
        cap = instance.employer_caps.get(e_key)
        if cap is not None:
            rows.append((indexes, [1] * len(indexes), cap))
    return rows


def _solve_highs(
    instance: Instance, pairs: list[tuple[int, int]], weights: list[int], time_limit_s: float, relax: bool = False
) -> tuple[str, float, list[bool]]:
    rows = _model_rows(instance, pairs)
    data_rows, data_cols, data_vals, upper = [], [], [], []
    for row, (indexes, coefficients, bound) in enumerate(rows):
        data_rows += [row] * len(indexes)
        data_cols += indexes
        data_vals += coefficients
        upper.append(bound)
    matrix = coo_matrix((data_vals, (data_rows, data_cols)), shape=(len(rows), len(pairs))).tocsr()
    lower_bounds = np.zeros(len(pairs))
    index = {pair: i for i, pair in enumerate(pairs)}
    for pair in instance.pinned:
        lower_bounds[index[pair]] = 1
    result = milp(
        -np.array(weights, dtype=float),
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper, dtype=float)),
        integrality=np.zeros(len(pairs)) if relax else np.ones(len(pairs)),
        bounds=Bounds(lower_bounds, np.ones(len(pairs))),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit_s},
    )
    if result.status == 0:
        return "optimal", -float(result.fun), [bool(v > 0.5) for v in result.x]
    if result.status == 2:
        return "infeasible", 0.0, []
    return "timeout", 0.0, []


def _solve_cpsat(
    instance: Instance, pairs: list[tuple[int, int]], weights: list[int], time_limit_s: float, workers: int
) -> tuple[str, float, list[bool]]:
    rows = _model_rows(instance, pairs)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(pairs))]
    for indexes, coefficients, bound in rows:
        model.add(sum(c * x[i] for i, c in zip(indexes, coefficients, strict=True)) <= bound)
    index = {pair: i for i, pair in enumerate(pairs)}
    for pair in instance.pinned:
        model.add(x[index[pair]] == 1)
    model.maximize(sum(w * x[i] for i, w in enumerate(weights)))
    cp_solver = cp_model.CpSolver()
    cp_solver.parameters.max_time_in_seconds = time_limit_s
    cp_solver.parameters.num_workers = workers
    status = cp_solver.solve(model)
    if status == cp_model.OPTIMAL:
        return "optimal", cp_solver.objective_value, [bool(cp_solver.value(v)) for v in x]
    if status == cp_model.INFEASIBLE:
        return "infeasible", 0.0, []
    return "timeout", 0.0, []


def solve(instance: Instance, *, engine: str = "highs", time_limit_s: float = 30.0, workers: int = 2) -> Result:
    """Solve to proven optimality (HiGHS branch and cut by default, or OR-Tools CP-SAT),
    or say plainly why there is no allocation."""
    candidates = arcs(instance)
    for pair in instance.pinned:
        if pair not in candidates:
            return Result(
                "infeasible", 0, {}, {}, f"Pinned match {pair} is no longer possible (see its offer and request)."
            )
    if not candidates:
        return Result(
            "empty", 0, {}, {}, "No request can be served by any offer: check types, year groups, windows and travel."
        )
    pairs = sorted(candidates)
    weights = [candidates[p].total for p in pairs]
    if engine == "cpsat":
        status, value, chosen = _solve_cpsat(instance, pairs, weights, time_limit_s, workers)
    else:
        status, value, chosen = _solve_highs(instance, pairs, weights, time_limit_s)
    if status == "infeasible":
        return Result(
            "infeasible", 0, {}, {}, "The pinned and confirmed matches break an offer's sessions or an employer's cap."
        )
    if status != "optimal":
        return Result("timeout", 0, {}, {}, f"The solver did not prove an optimum in {time_limit_s:g} seconds.")
    matches = {p[0]: p[1] for p, on in zip(pairs, chosen, strict=True) if on}
    terms = {(r, o): candidates[(r, o)] for r, o in matches.items()}
    return Result("optimal", round(value), matches, terms)


def lp_bound(instance: Instance, *, time_limit_s: float = 60.0) -> float:
    """The LP relaxation's optimum: an upper bound on any allocation's objective."""
    candidates = arcs(instance)
    if not candidates:
        return 0.0
    pairs = sorted(candidates)
    status, value, _ = _solve_highs(instance, pairs, [candidates[p].total for p in pairs], time_limit_s, relax=True)
    return value if status == "optimal" else float("nan")


def greedy(instance: Instance) -> dict[int, int]:
    """A nearest-first baseline (not used to allocate; for comparison only): take the eligible
    pairs from the shortest travel up, keeping each that still fits."""
    candidates = arcs(instance)
    requests = {r.key: r for r in instance.requests}
    offers = {o.key: o for o in instance.offers}
    left = {o.key: o.sessions for o in instance.offers}
    taken: dict[int, int] = {}
    matches: dict[int, int] = {}
    for (r_key, o_key), terms in sorted(candidates.items(), key=lambda item: (item[1].travel, -item[1].total, item[0])):
        offer = offers[o_key]
        need = sessions_needed(requests[r_key], offer)
        cap = instance.employer_caps.get(offer.employer_key)
        if r_key in matches or left[o_key] < need or (cap is not None and taken.get(offer.employer_key, 0) >= cap):
            continue
        if terms.total <= 0:
            continue
        matches[r_key] = o_key
        left[o_key] -= need
        taken[offer.employer_key] = taken.get(offer.employer_key, 0) + 1
    return matches
