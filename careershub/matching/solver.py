"""The allocation of school requests to employer offers, solved exactly: HiGHS (branch and cut,
through highspy, gap 0; its LP relaxation through `scipy.optimize.milp`) by default, or OR-Tools
CP-SAT (`engine="cpsat"`). HiGHS is also given valid inequalities on the offers' sessions
(`_offer_rows`): they cut off no allocation, only fractional points of the LP relaxation.

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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

SERVED = 100
OPPORTUNITY_AREA = 30
PRIORITY_SECTOR = 20
REQUESTED_SECTOR = 10
MAX_GAP = 20
#: HiGHS's presolve is used for models with fewer candidate pairs than this: it shortens the
#: search at 1,600 x 6,400 (48,009 pairs) but takes longer than it saves from 3,200 x 12,800
#: (192,331 pairs) up (measured on the bench, ADR 13). Speed only: the optimum is the same.
PRESOLVE_UP_TO = 100_000
#: From this many candidate pairs up, branch and cut starts from an allocation built on the LP
#: relaxation (`_lp_start`) rather than from the nearest-first one alone, and the LP's optimum
#: bounds a time-out: at 5,000 x 20,000 with a 30 s limit HiGHS's own search found 743,804 (and
#: took 51-58 s); from the LP, 762,429 is found within the 30 s (ADR 13). Speed only: the optimum
#: is the same.
LP_START_FROM = 100_000
#: HiGHS's root on the whole model solves the LP `_lp_start` solved again and then cuts, about 2.5
#: times that LP's time at 3,200 x 12,800 and 5,000 x 20,000 (ADR 13): with less than this many
#: times the LP's time left, branch and cut could not get past its root.
ROOT_LP_FACTOR = 5.0
#: `_lp_start`'s MIP takes the pairs the LP uses and those it prices within this many points of
#: being worth using (reduced cost): none when branch and cut follows (3,200 x 12,800 is then
#: proven in 15-17 s, against 21 s with 2 or 5), 5 when the MIP's allocation is the answer
#: (5,000 x 20,000 in 20 s: 0 gives 41,100 pairs and 762,398 found, 2 gives 63,789 and 762,420,
#: 5 gives 91,309 and 762,429; ADR 13).
SUPPORT_REDUCED_COST = 0.0
SUPPORT_REDUCED_COST_ALONE = 5.0


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
    #: The priority sectors of the request's own hub, in a round across hubs (None: the round's).
    priority_sectors: frozenset[str] | None = None


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
    #: "optimal", "empty", "infeasible" or "timeout" (then `matches` holds the best allocation
    #: found, if any, and `message` says how far it can be from the optimum).
    status: str
    objective: int
    matches: dict[int, int]  # request key -> offer key
    terms: dict[tuple[int, int], Terms]
    message: str = ""
    #: When the time ran out: the best allocation's objective found so far and the proven upper
    #: bound (for the bench's report; such an allocation is not offered to users as optimal).
    best_found: float = 0.0
    bound: float = float("nan")


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
        priority_sector=PRIORITY_SECTOR
        if offer.sector
        and offer.sector
        in (request.priority_sectors if request.priority_sectors is not None else set(priority_sectors))
        else 0,
        requested_sector=REQUESTED_SECTOR if offer.sector and offer.sector in request.sectors else 0,
        travel=km,
    )


def arcs_reference(instance: Instance) -> dict[tuple[int, int], Terms]:
    """Every eligible pair by checking each (request, offer) in turn: the definition, for tests.
    `candidates` finds the same pairs without looking at every one."""
    result = {}
    for request in instance.requests:
        for offer in instance.offers:
            pair = (request.key, offer.key)
            if pair in instance.excluded:
                continue
            if eligible(request, offer):
                result[pair] = score(request, offer, instance.priority_sectors)
    return result


@dataclass(frozen=True)
class Candidates:
    """The eligible (request, offer) pairs as parallel arrays: indexes into `instance.requests`
    and `instance.offers`, the sessions the pair uses, its travel and its score."""

    request: np.ndarray
    offer: np.ndarray
    sessions: np.ndarray
    travel: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.request)

    def subset(self, keep: np.ndarray) -> Candidates:
        """The pairs `keep` (a mask) selects, in the same order."""
        return Candidates(
            self.request[keep], self.offer[keep], self.sessions[keep], self.travel[keep], self.weight[keep]
        )


_EMPTY = np.zeros(0, dtype=np.int64)
_EARTH_KM = 6371.0


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def candidates(instance: Instance) -> Candidates:
    """The eligible pairs, found without trying every pair: in-person offers through a k-d tree
    of their places (one per encounter type, searched within each request's travel limit), virtual
    offers by type; then year group, windows, delivery and sessions are checked on the arrays.
    Gives exactly the pairs `eligible` accepts (a property test compares it with `arcs_reference`)."""
    from scipy.spatial import cKDTree

    requests, offers = instance.requests, instance.offers
    if not requests or not offers:
        return Candidates(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY)
    nan = float("nan")
    r_kind = np.array([r.kind for r in requests])
    o_kind = np.array([o.kind for o in offers])
    r_lat = np.array([nan if r.latitude is None else r.latitude for r in requests])
    r_lon = np.array([nan if r.longitude is None else r.longitude for r in requests])
    o_lat = np.array([nan if o.latitude is None else o.latitude for o in offers])
    o_lon = np.array([nan if o.longitude is None else o.longitude for o in offers])
    r_in_person = np.array([r.delivery != "virtual" for r in requests])
    r_virtual = np.array([r.delivery != "in_person" for r in requests])
    o_virtual = np.array([o.delivery == "virtual" for o in offers])
    r_max = np.array([r.max_travel_km for r in requests], dtype=np.int64)
    r_located = ~(np.isnan(r_lat) | np.isnan(r_lon))
    o_located = ~(np.isnan(o_lat) | np.isnan(o_lon))
    parts_r: list[np.ndarray] = []
    parts_o: list[np.ndarray] = []
    for kind in np.unique(o_kind):
        same_kind_requests = r_kind == kind
        # Virtual offers: every request of the type that takes a virtual encounter.
        v_offers = np.flatnonzero((o_kind == kind) & o_virtual)
        v_requests = np.flatnonzero(same_kind_requests & r_virtual)
        if len(v_offers) and len(v_requests):
            parts_r.append(np.repeat(v_requests, len(v_offers)))
            parts_o.append(np.tile(v_offers, len(v_requests)))
        # In-person offers: within the travel limit (+0.5 km: distances are rounded), by k-d tree.
        p_offers = np.flatnonzero((o_kind == kind) & ~o_virtual & o_located)
        p_requests = np.flatnonzero(same_kind_requests & r_in_person & r_located)
        if len(p_offers) and len(p_requests):
            tree = cKDTree(_unit_vectors(o_lat[p_offers], o_lon[p_offers]))
            radius = 2 * np.sin(np.minimum((r_max[p_requests] + 0.5) / _EARTH_KM, np.pi) / 2) * 1.000001
            found = tree.query_ball_point(_unit_vectors(r_lat[p_requests], r_lon[p_requests]), r=radius)
            lengths = np.array([len(f) for f in found], dtype=np.int64)
            if lengths.sum():
                parts_r.append(np.repeat(p_requests, lengths))
                parts_o.append(p_offers[np.concatenate([np.asarray(f, dtype=np.int64) for f in found])])
    if not parts_r:
        return Candidates(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY)
    ri = np.concatenate(parts_r)
    oi = np.concatenate(parts_o)
    # Year group, windows and sessions.
    year_ok = _member([r.year_group for r in requests], [o.year_groups for o in offers], ri, oi)
    r_start = np.array([r.window_start.toordinal() for r in requests])
    r_end = np.array([r.window_end.toordinal() for r in requests])
    o_start = np.array([o.available_from.toordinal() for o in offers])
    o_end = np.array([o.available_to.toordinal() for o in offers])
    window_ok = (r_end[ri] >= o_start[oi]) & (o_end[oi] >= r_start[ri])
    learners = np.array([r.learners for r in requests], dtype=np.int64)
    per_session = np.array([o.learners_per_session for o in offers], dtype=np.int64)
    o_sessions = np.array([o.sessions for o in offers], dtype=np.int64)
    usable = (per_session[oi] > 0) & (o_sessions[oi] > 0)
    needed = -(-learners[ri] // np.maximum(per_session[oi], 1))
    keep = year_ok & window_ok & usable & (needed <= o_sessions[oi])
    ri, oi, needed = ri[keep], oi[keep], needed[keep]
    # Travel in whole kilometres (0 for a virtual offer), as `travel_km` rounds it.
    travel = np.zeros(len(ri), dtype=np.int64)
    physical = ~o_virtual[oi]
    travel[physical] = np.round(
        _haversine(r_lat[ri[physical]], r_lon[ri[physical]], o_lat[oi[physical]], o_lon[oi[physical]])
    ).astype(np.int64)
    keep = travel <= r_max[ri]
    if instance.excluded:
        r_keys = np.array([r.key for r in requests])
        o_keys = np.array([o.key for o in offers])
        keep &= np.fromiter(
            ((int(r_keys[a]), int(o_keys[b])) not in instance.excluded for a, b in zip(ri, oi, strict=True)),
            dtype=bool,
            count=len(ri),
        )
    ri, oi, needed, travel = ri[keep], oi[keep], needed[keep], travel[keep]
    # Scores: the same terms as `score`.
    need = np.array([sum(_need_terms(r)) for r in requests], dtype=np.int64)
    o_sector = [o.sector for o in offers]
    r_priorities = [instance.priority_sectors if r.priority_sectors is None else r.priority_sectors for r in requests]
    has_sector = np.array([bool(sector) for sector in o_sector], dtype=bool)[oi]
    priority = (has_sector & _member(o_sector, r_priorities, oi, ri)).astype(np.int64)
    asked = (has_sector & _member(o_sector, [r.sectors for r in requests], oi, ri)).astype(np.int64)
    weight = SERVED + need[ri] + PRIORITY_SECTOR * priority + REQUESTED_SECTOR * asked - travel
    order = np.lexsort((oi, ri))
    return Candidates(ri[order], oi[order], needed[order], travel[order], weight[order])


def _member(items: list[str], sets: list[frozenset[str]], item_index: np.ndarray, set_index: np.ndarray) -> np.ndarray:
    """For each pair k: is items[item_index[k]] in sets[set_index[k]]? On bit masks (one bit per
    distinct label) when there are at most 62 labels, else one pair at a time."""
    labels = sorted(set(items).union(*sets)) if sets else sorted(set(items))
    if len(labels) > 62:
        return np.fromiter(
            (items[a] in sets[b] for a, b in zip(item_index.tolist(), set_index.tolist(), strict=True)),
            dtype=bool,
            count=len(item_index),
        )
    bit = {label: i for i, label in enumerate(labels)}
    item_bit = np.array([bit[item] for item in items], dtype=np.int64)
    set_mask = np.array([sum(1 << bit[label] for label in members) for members in sets], dtype=np.int64)
    return ((set_mask[set_index] >> item_bit[item_index]) & 1).astype(bool)


def _need_terms(request: RequestSpec) -> tuple[int, int, int, int]:
    return (
        round(max(0.0, min(100.0, request.fsm_percent))),
        OPPORTUNITY_AREA if request.opportunity_area else 0,
        _gap(request.benchmark5_percent),
        _gap(request.benchmark6_percent),
    )


def arcs(instance: Instance) -> dict[tuple[int, int], Terms]:
    """Every eligible (request, offer) pair that is not excluded, with its terms."""
    found = candidates(instance)
    return {
        (instance.requests[a].key, instance.offers[b].key): score(
            instance.requests[a], instance.offers[b], instance.priority_sectors
        )
        for a, b in zip(found.request.tolist(), found.offer.tolist(), strict=True)
    }


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


def _matrix(instance: Instance, found: Candidates) -> tuple[csr_matrix, np.ndarray]:
    """The constraint rows A x <= b: one per request (at most one offer), one per offer (its
    sessions) and one per employer with a cap."""
    n_requests, n_offers = len(instance.requests), len(instance.offers)
    employer_keys = sorted(instance.employer_caps)
    employer_row = {key: n_requests + n_offers + i for i, key in enumerate(employer_keys)}
    o_employer_row = np.array([employer_row.get(o.employer_key, -1) for o in instance.offers], dtype=np.int64)
    n = len(found)
    columns = np.arange(n)
    capped = o_employer_row[found.offer] >= 0
    rows = np.concatenate([found.request, n_requests + found.offer, o_employer_row[found.offer][capped]])
    cols = np.concatenate([columns, columns, columns[capped]])
    values = np.concatenate([np.ones(n), found.sessions.astype(float), np.ones(int(capped.sum()))])
    upper = np.concatenate(
        [
            np.ones(n_requests),
            np.array([o.sessions for o in instance.offers], dtype=float),
            np.array([instance.employer_caps[key] for key in employer_keys], dtype=float),
        ]
    )
    matrix = coo_matrix((values, (rows, cols)), shape=(len(upper), n)).tocsr()
    return matrix, upper


def _offer_rows(instance: Instance, found: Candidates, clique_limit: int = 4) -> tuple[csr_matrix, np.ndarray]:
    """Valid inequalities that tighten the offers' sessions rows (they remove no allocation, only
    fractional points of the LP relaxation, so the optimum is the same; the solver's bound at each
    node is closer to it). For an offer of S sessions, call a pair "big" when it needs more than
    S / 2 sessions: two big pairs never fit together.

    - at most one big pair per offer (when the row alone allows more);
    - for each pair a needing t <= S / 2: a and the pairs needing more than S - t sessions do not fit
      together, so x_a + (those pairs) <= 1 (a clique of the conflict graph);
    - for an offer of 4 sessions: n2 + 2 (n3 + n4) <= 2, where nk counts the pairs needing k
      sessions (a facet of the integer hull of 2 n2 + 3 n3 + 4 n4 <= 4; for 3 sessions the hull is
      the first rule).
    """
    n = len(found)
    o_sessions = np.array([o.sessions for o in instance.offers], dtype=np.int64)
    size = o_sessions[found.offer]
    need = found.sessions
    # Pairs sorted by offer, then by sessions needed: the pairs of an offer needing at least k
    # sessions are a suffix of that offer's run.
    order = np.lexsort((need, found.offer))
    offer_sorted, need_sorted = found.offer[order], need[order]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    count = 0

    def add(row_of_entry: np.ndarray, entries: np.ndarray, coefficients: np.ndarray, bound: np.ndarray) -> None:
        nonlocal count
        rows.append(count + row_of_entry)
        cols.append(entries)
        values.append(coefficients)
        upper.append(bound)
        count += len(bound)

    # Where each offer's run reaches `threshold` sessions (keys sorted like `order`).
    scale = int(need.max()) + 2
    keys = offer_sorted * scale + need_sorted

    def suffix_start(pairs: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        return np.searchsorted(keys, found.offer[pairs] * scale + np.clip(threshold, 0, scale - 1))

    def segments(begin: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The positions begin[i] .. begin[i] + lengths[i] - 1, one run after another."""
        return np.repeat(begin - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))

    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    run_end = np.searchsorted(keys, found.offer * scale + scale)
    # At most one big pair per offer (implied by the row for 1 or 2 sessions, by the facet below for 4).
    big = 2 * need > size
    first_big = suffix_start(np.arange(n), size // 2 + 1)
    heads = np.flatnonzero(big & (first_big == position) & (run_end - first_big >= 2) & (size > 2) & (size != 4))
    if len(heads):
        lengths = run_end[heads] - first_big[heads]
        add(
            np.repeat(np.arange(len(heads)), lengths),
            order[segments(first_big[heads], lengths)],
            np.ones(int(lengths.sum())),
            np.ones(len(heads)),
        )
    # Cliques: a small pair with the big pairs it cannot share the offer with. When there are many
    # such big pairs, the small pairs needing the same t are taken together instead (fewer
    # nonzeros): sum of them + m * (those big pairs) <= m, m = how many of them fit at most.
    small = np.flatnonzero(~big)
    start = suffix_start(small, size[small] - need[small] + 1)
    lengths = run_end[small] - start
    keep = lengths > 0
    small, start, lengths = small[keep], start[keep], lengths[keep]
    single = lengths <= clique_limit
    if single.any():
        one, one_start, one_lengths = small[single], start[single], lengths[single]
        entries = np.concatenate([one, order[segments(one_start, one_lengths)]])
        row_of = np.concatenate([np.arange(len(one)), np.repeat(np.arange(len(one)), one_lengths)])
        add(row_of, entries, np.ones(len(entries)), np.ones(len(one)))
    if not single.all():
        many, many_start, many_lengths = small[~single], start[~single], lengths[~single]
        # One row per (offer, t): its small pairs, and the big pairs once (from the first of them).
        group_keys, group_of, group_sizes = np.unique(
            found.offer[many] * scale + need[many], return_inverse=True, return_counts=True
        )
        first = np.zeros(len(group_keys), dtype=np.int64)
        first[group_of[::-1]] = np.arange(len(many))[::-1]
        weight = np.minimum(group_sizes, size[many[first]] // need[many[first]]).astype(float)
        big_entries = order[segments(many_start[first], many_lengths[first])]
        add(
            np.concatenate([group_of, np.repeat(np.arange(len(group_keys)), many_lengths[first])]),
            np.concatenate([many, big_entries]),
            np.concatenate([np.ones(len(many)), np.repeat(weight, many_lengths[first])]),
            weight,
        )
    # Offers of 4 sessions: n2 + 2 (n3 + n4) <= 2.
    four = np.flatnonzero((size == 4) & (need >= 2))
    if len(four):
        offers_four, row_of = np.unique(found.offer[four], return_inverse=True)
        add(row_of, four, np.where(need[four] >= 3, 2.0, 1.0), np.full(len(offers_four), 2.0))
    if not count:
        return csr_matrix((0, n)), np.zeros(0)
    matrix = coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(count, n)
    ).tocsr()
    return matrix, np.concatenate(upper)


def _pinned_columns(instance: Instance, found: Candidates) -> np.ndarray:
    if not instance.pinned:
        return _EMPTY
    r_keys = np.array([r.key for r in instance.requests])[found.request]
    o_keys = np.array([o.key for o in instance.offers])[found.offer]
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(r_keys, o_keys, strict=True))}
    return np.array([index[pair] for pair in instance.pinned], dtype=np.int64)


def _solve_highs(
    instance: Instance,
    found: Candidates,
    time_limit_s: float,
    relax: bool = False,
    tighten: bool = True,
    start: np.ndarray | None = None,
    lp_start: bool = True,
) -> tuple[str, float, np.ndarray, tuple[float, float]]:
    """HiGHS on the model (with the offers' valid inequalities unless `tighten` is off): the LP
    relaxation through `scipy.optimize.milp` when `relax`, else branch and cut through highspy
    with `start` (by default the nearest-first allocation) as its first incumbent, and presolve
    only below `PRESOLVE_UP_TO` pairs (ADR 13: above, it costs more than it saves)."""
    matrix, upper = _matrix(instance, found)
    if tighten:
        extra, extra_upper = _offer_rows(instance, found)
        matrix, upper = vstack([matrix, extra]).tocsr(), np.concatenate([upper, extra_upper])
    lower_bounds = np.zeros(len(found))
    lower_bounds[_pinned_columns(instance, found)] = 1
    if relax:
        result = milp(
            -found.weight.astype(float),
            constraints=LinearConstraint(matrix, -np.inf, upper),
            integrality=np.zeros(len(found)),
            bounds=Bounds(lower_bounds, np.ones(len(found))),
            options={"time_limit": time_limit_s, "presolve": True},
        )
        if result.status == 0:
            return "optimal", -float(result.fun), np.asarray(result.x) > 0.5, (-float(result.fun), -float(result.fun))
        return "timeout", 0.0, np.zeros(0, dtype=bool), (0.0, float("nan"))
    if start is None:
        start = _greedy_columns(instance, found)
    if not lp_start or len(found) < LP_START_FROM:
        return _solve_highspy(found, matrix, upper, lower_bounds, time_limit_s, start)
    deadline = time.monotonic() + time_limit_s
    start, lp_value, search = _lp_start(instance, found, matrix, upper, lower_bounds, deadline, start)
    value = float(found.weight[start].sum())
    if _reaches(value, lp_value):
        # No allocation can score more than the LP relaxation: the start is optimal.
        return "optimal", value, start, (value, value)
    if not search:
        return "timeout", value, start, (value, lp_value)
    started = value
    status, value, chosen, (best, bound) = _solve_highspy(
        found, matrix, upper, lower_bounds, max(1.0, deadline - time.monotonic()), start
    )
    if status == "timeout":
        if not len(chosen) or best < started:
            # Never give back less than the start from the LP.
            value, chosen, best = started, start, started
        if math.isfinite(lp_value):
            bound = min(bound, lp_value) if math.isfinite(bound) else lp_value
    return status, value, chosen, (best, bound)


def _lp_start(
    instance: Instance,
    found: Candidates,
    matrix: csr_matrix,
    upper: np.ndarray,
    lower_bounds: np.ndarray,
    deadline: float,
    nearest: np.ndarray,
) -> tuple[np.ndarray, float, bool]:
    """A first incumbent for branch and cut on a large model, the LP relaxation's optimum (an
    upper bound on every allocation; nan if the LP did not finish in time), and whether branch
    and cut on the whole model is worth the time left.

    1. The LP relaxation of the model HiGHS is given (offers' inequalities included).
    2. Its solution rounded: the pairs taken as `greedy` takes them, with the same checks, but in
       order of their LP value (the pinned first, then the largest LP value, best score, shortest
       travel).
    3. A MIP over the pairs the LP uses or prices at a small loss (`SUPPORT_REDUCED_COST`),
       started from the better of the two: in a third of the time left; or in all of it, over
       more pairs (`SUPPORT_REDUCED_COST_ALONE`), when less than `ROOT_LP_FACTOR` times the LP's
       time is left (branch and cut on the whole model could not get past its root).

    Returns the best of these and the nearest-first allocation (each is feasible: built by the
    same checks as `greedy`, or solved by HiGHS on the same rows)."""
    began = time.monotonic()
    n = len(found)
    highs = _highs(found, matrix, upper, lower_bounds, integer=False)
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("time_limit", max(1.0, deadline - time.monotonic()))
    stop = _stop_after(deadline)
    for interrupt in (highs.cbSimplexInterrupt, highs.cbIpmInterrupt):
        interrupt.subscribe(stop)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return nearest, float("nan"), True
    lp_s = time.monotonic() - began
    bound = -float(highs.getInfo().objective_function_value)
    solution = highs.getSolution()
    x = np.asarray(solution.col_value)
    rounded = _greedy_columns(instance, found, np.lexsort((found.travel, -found.weight, -np.round(x, 6))))
    best = max((nearest, rounded), key=lambda chosen: int(found.weight[chosen].sum()))
    left_s = deadline - time.monotonic()
    search = left_s >= ROOT_LP_FACTOR * lp_s
    if search:
        left_s /= 3
    near = SUPPORT_REDUCED_COST if search else SUPPORT_REDUCED_COST_ALONE
    keep = (x > 1e-6) | best | (np.asarray(solution.col_dual) <= near + 1e-9)
    if left_s < 1.0 or _reaches(float(found.weight[best].sum()), bound):
        return best, bound, search
    sub = found.subset(keep)
    status, _, chosen, _ = _solve_highs(instance, sub, left_s, start=best[keep], lp_start=False)
    if status in {"optimal", "timeout"} and len(chosen) and sub.weight[chosen].sum() > found.weight[best].sum():
        best = np.zeros(n, dtype=bool)
        best[np.flatnonzero(keep)[chosen]] = True
    return best, bound, search


def _highs(
    found: Candidates, matrix: csr_matrix, upper: np.ndarray, lower_bounds: np.ndarray, *, integer: bool
) -> highspy.Highs:
    """highspy holding the model (maximise the pairs' scores, A x <= upper, lower_bounds <= x <=
    1), as a MIP or as its LP relaxation, quiet."""
    n = len(found)
    columns = matrix.tocsc()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = n, columns.shape[0]
    model.col_cost_ = -found.weight.astype(float)
    model.col_lower_, model.col_upper_ = lower_bounds, np.ones(n)
    model.row_lower_, model.row_upper_ = np.full(columns.shape[0], -highspy.kHighsInf), upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = columns.indptr
    model.a_matrix_.index_ = columns.indices
    model.a_matrix_.value_ = columns.data
    if integer:
        model.integrality_ = [highspy.HighsVarType.kInteger] * n
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(model)
    return highs


def _reaches(value: float, bound: float) -> bool:
    """Whether an allocation scoring `value` reaches an upper `bound` from an LP (so is optimal):
    scores are whole points, so the bound rounded down, after a margin for the LP's tolerances."""
    return math.isfinite(bound) and value >= math.floor(bound + 1e-6 * max(1.0, abs(bound)))


def _solve_highspy(
    found: Candidates,
    matrix: csr_matrix,
    upper: np.ndarray,
    lower_bounds: np.ndarray,
    time_limit_s: float,
    start_columns: np.ndarray,
) -> tuple[str, float, np.ndarray, tuple[float, float]]:
    n = len(found)
    highs = _highs(found, matrix, upper, lower_bounds, integer=True)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 0.0)
    highs.setOptionValue("presolve", "on" if n < PRESOLVE_UP_TO else "off")
    # Nor, from the same size, the feasibility jump heuristic: at 5,000 x 20,000 it ran 24-55 s
    # before the root LP began, calling no interrupt callback and so past any time limit, only to
    # find nothing better than the nearest-first start (ADR 13); below, it helps the proofs.
    highs.setOptionValue("mip_heuristic_run_feasibility_jump", n < PRESOLVE_UP_TO)
    # From the size where `_lp_start` gives the start, HiGHS's own sub-MIP heuristics (which do
    # the same) are off too: at 5,000 x 20,000 one ran 36 s past the deadline, in a sub-MIP its
    # interrupt callback does not reach (ADR 13).
    for heuristic in ("rins", "rens", "root_reduced_cost"):
        highs.setOptionValue(f"mip_heuristic_run_{heuristic}", n < LP_START_FROM)
    start = highspy.HighsSolution()
    start.col_value = start_columns.astype(float).tolist()
    start.value_valid = True
    highs.setSolution(start)
    # HiGHS checks its time limit only now and then (its root LP ran 10-30 s past a 30 s limit at
    # 5,000 x 20,000): its interrupt callbacks, called throughout simplex, interior point and
    # branch and cut, stop it at the deadline too; a stop is reported as a time-out.
    stop = _stop_after(time.monotonic() + time_limit_s)
    for interrupt in (highs.cbSimplexInterrupt, highs.cbIpmInterrupt, highs.cbMipInterrupt):
        interrupt.subscribe(stop)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # feasible
    chosen = np.asarray(highs.getSolution().col_value) > 0.5 if has_solution else np.zeros(0, dtype=bool)
    if status == highspy.HighsModelStatus.kOptimal:
        value = -float(info.objective_function_value)
        return "optimal", value, chosen, (value, value)
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", 0.0, np.zeros(0, dtype=bool), (0.0, 0.0)
    best = -float(info.objective_function_value) if has_solution else 0.0
    bound = -float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else float("nan")
    return "timeout", best, chosen, (best, bound)


def _stop_after(deadline: float) -> Callable[[highspy.HighsCallbackEvent], None]:
    """A HiGHS interrupt callback that stops the solve once `time.monotonic()` passes `deadline`."""

    def stop(event: highspy.HighsCallbackEvent) -> None:
        if time.monotonic() > deadline:
            event.interrupt()

    return stop


def _solve_cpsat(
    instance: Instance, found: Candidates, time_limit_s: float, workers: int
) -> tuple[str, float, np.ndarray, tuple[float, float]]:
    matrix, upper = _matrix(instance, found)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(found))]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        terms = [int(c) * x[i] for i, c in zip(matrix.indices[start:end], matrix.data[start:end], strict=True)]
        model.add(sum(terms) <= int(upper[row]))
    for i in _pinned_columns(instance, found):
        model.add(x[int(i)] == 1)
    model.maximize(sum(int(w) * x[i] for i, w in enumerate(found.weight)))
    cp_solver = cp_model.CpSolver()
    cp_solver.parameters.max_time_in_seconds = time_limit_s
    cp_solver.parameters.num_workers = workers
    status = cp_solver.solve(model)
    if status == cp_model.OPTIMAL:
        value = cp_solver.objective_value
        return "optimal", value, np.array([bool(cp_solver.value(v)) for v in x], dtype=bool), (value, value)
    if status == cp_model.INFEASIBLE:
        return "infeasible", 0.0, np.zeros(0, dtype=bool), (0.0, 0.0)
    if status == cp_model.FEASIBLE:
        best = cp_solver.objective_value
        chosen = np.array([bool(cp_solver.value(v)) for v in x], dtype=bool)
        return "timeout", best, chosen, (best, cp_solver.best_objective_bound)
    return "timeout", 0.0, np.zeros(0, dtype=bool), (0.0, cp_solver.best_objective_bound)


def solve(instance: Instance, *, engine: str = "highs", time_limit_s: float = 30.0, workers: int = 2) -> Result:
    """Solve to proven optimality (HiGHS branch and cut by default, or OR-Tools CP-SAT),
    or say plainly why there is no allocation.

    `time_limit_s` bounds the whole call: the solver gets what is left of it after the candidate
    pairs and the nearest-first allocation (its first incumbent, and the fallback on a time-out)
    have been worked out."""
    started = time.monotonic()
    found = candidates(instance)
    pairs = (
        {
            (instance.requests[a].key, instance.offers[b].key)
            for a, b in zip(found.request.tolist(), found.offer.tolist(), strict=True)
        }
        if instance.pinned
        else set()
    )
    for pair in instance.pinned:
        if pair not in pairs:
            return Result(
                "infeasible", 0, {}, {}, f"Pinned match {pair} is no longer possible (see its offer and request)."
            )
    if not len(found):
        return Result(
            "empty", 0, {}, {}, "No request can be served by any offer: check types, year groups, windows and travel."
        )
    nearest = _greedy_columns(instance, found)
    left_s = max(1.0, time_limit_s - (time.monotonic() - started))
    if engine == "cpsat":
        status, value, chosen, (best, bound) = _solve_cpsat(instance, found, left_s, workers)
    else:
        status, value, chosen, (best, bound) = _solve_highs(instance, found, left_s, start=nearest)
    if status == "infeasible":
        return Result(
            "infeasible", 0, {}, {}, "The pinned and confirmed matches break an offer's sessions or an employer's cap."
        )
    matches: dict[int, int] = {}
    terms: dict[tuple[int, int], Terms] = {}
    for a, b in zip(found.request[chosen].tolist(), found.offer[chosen].tolist(), strict=True):
        request, offer = instance.requests[a], instance.offers[b]
        matches[request.key] = offer.key
        terms[(request.key, offer.key)] = score(request, offer, instance.priority_sectors)
    if status != "optimal":
        # HiGHS's bound is trivial when its root LP did not finish: keep the smaller valid one.
        bound = min(bound, _request_bound(found)) if math.isfinite(bound) else _request_bound(found)
        nearest_matches = {
            instance.requests[a].key: instance.offers[b].key
            for a, b in zip(found.request[nearest].tolist(), found.offer[nearest].tolist(), strict=True)
        }
        return _timed_out(instance, matches, terms, time_limit_s, best, bound, nearest_matches)
    return Result("optimal", round(value), matches, terms)


def _timed_out(
    instance: Instance,
    matches: dict[int, int],
    terms: dict[tuple[int, int], Terms],
    time_limit_s: float,
    best: float,
    bound: float,
    nearest: dict[int, int],
) -> Result:
    """When the time ran out: the solver's best allocation, or the nearest-first one when that is
    better (or the solver had none), each checked against every constraint, with how far below the
    proven bound it can be. Offered for review as not proven optimal."""
    if matches and check(instance, matches):
        matches, terms = {}, {}
    source = "the best the solver found"
    if not check(instance, nearest) and objective(instance, nearest) > sum(t.total for t in terms.values()):
        requests = {r.key: r for r in instance.requests}
        offers = {o.key: o for o in instance.offers}
        matches = nearest
        terms = {(r, o): score(requests[r], offers[o], instance.priority_sectors) for r, o in nearest.items()}
        source = "a nearest-first allocation, better than anything the solver had found"
    if not matches:
        return Result(
            "timeout",
            0,
            {},
            {},
            f"The solver found no allocation it could offer in {time_limit_s:g} seconds.",
            best_found=best,
            bound=bound,
        )
    objective_found = sum(t.total for t in terms.values())
    short = max(0, math.floor(bound + 1e-6) - objective_found) if math.isfinite(bound) else None
    how_far = (
        f"at most {short} points ({short / max(objective_found, 1):.2%}) below the best possible"
        if short is not None
        else "not proven to be the best possible"
    )
    return Result(
        "timeout",
        objective_found,
        matches,
        terms,
        f"The solver did not prove the best allocation in {time_limit_s:g} seconds. These proposals are "
        f"{source}: {how_far}. Review them as usual, or solve again to keep looking.",
        best_found=best,
        bound=bound,
    )


def _request_bound(found: Candidates) -> float:
    """An upper bound on any allocation's objective that needs no LP: each request is matched at
    most once, so it adds at most its best pair's score (or nothing)."""
    best = np.zeros(int(found.request.max()) + 1 if len(found) else 0)
    np.maximum.at(best, found.request, found.weight.astype(float))
    return float(best.sum())


def lp_bound(instance: Instance, *, time_limit_s: float = 60.0, tightened: bool = False) -> float:
    """The LP relaxation's optimum: an upper bound on any allocation's objective. With
    `tightened`, of the model `solve` gives HiGHS (with the offers' valid inequalities, see
    `_offer_rows`): a bound at least as close to the optimum."""
    found = candidates(instance)
    if not len(found):
        return 0.0
    status, value, _, _ = _solve_highs(instance, found, time_limit_s, relax=True, tighten=tightened)
    return value if status == "optimal" else float("nan")


def greedy(instance: Instance) -> dict[int, int]:
    """A nearest-first allocation: the pinned pairs first, then the eligible pairs from the shortest
    travel up (best score first among equals), keeping each that still fits. The bench's
    baseline, and what a round falls back to when the solver runs out of time with nothing
    better (`solve`); never offered as optimal."""
    found = candidates(instance)
    chosen = _greedy_columns(instance, found)
    return {
        instance.requests[a].key: instance.offers[b].key
        for a, b in zip(found.request[chosen].tolist(), found.offer[chosen].tolist(), strict=True)
    }


def _greedy_columns(instance: Instance, found: Candidates, order: np.ndarray | None = None) -> np.ndarray:
    """`greedy` as a mask over the candidate pairs (also HiGHS's first incumbent in `solve`).
    With `order` (an order of the pairs), the pairs are taken in that order instead of
    nearest-first, with the same checks (`_lp_start` rounds the LP relaxation so)."""
    left = [o.sessions for o in instance.offers]
    employer_of = [o.employer_key for o in instance.offers]
    taken: dict[int, int] = {}
    served = [False] * len(instance.requests)
    chosen = np.zeros(len(found), dtype=bool)

    def take(i: int, a: int, b: int, need: int) -> None:
        served[a] = True
        chosen[i] = True
        left[b] -= need
        taken[employer_of[b]] = taken.get(employer_of[b], 0) + 1

    if order is None:
        order = np.lexsort((found.offer, found.request, -found.weight, found.travel))
    # Plain lists in the loop: indexing numpy arrays one element at a time is far slower.
    in_order = order.tolist()
    request_of, offer_of = found.request.tolist(), found.offer.tolist()
    sessions_of, weight_of = found.sessions.tolist(), found.weight.tolist()
    if instance.pinned:
        r_keys = [r.key for r in instance.requests]
        o_keys = [o.key for o in instance.offers]
        for i in in_order:
            a, b = request_of[i], offer_of[i]
            if (r_keys[a], o_keys[b]) in instance.pinned and not served[a]:
                take(i, a, b, sessions_of[i])
    caps = instance.employer_caps
    for i in in_order:
        a, b, need = request_of[i], offer_of[i], sessions_of[i]
        if served[a] or left[b] < need or weight_of[i] <= 0:
            continue
        employer = employer_of[b]
        cap = caps.get(employer)
        if cap is not None and taken.get(employer, 0) >= cap:
            continue
        take(i, a, b, need)
    return chosen
