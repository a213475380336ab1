"""Why a round left a request unmatched, from the same instance the solver was given.

Pure Python (no Django), like `solver`. A request the allocation does not serve either had no
offer it could take, or had some and the allocation used them for other requests. For the first
kind, the offers of its type are narrowed in the order a careers leader would change the request
(year group, window, delivery, sessions, then travel), and the step that leaves none is the reason:
the reason names what to change. Every step is `solver.eligible`'s own test, so a request gets a
reason other than `NOT_CHOSEN` and `EXCLUDED` exactly when it has no eligible offer at all (a
property test checks both against `solver.eligible`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from careershub.matching import solver
from careershub.matching.solver import Instance, RequestSpec

NO_OFFER = "no_offer"  # no offer of its type in the round
YEAR_GROUP = "year_group"  # of its type, none suitable for its year group
WINDOW = "window"  # ... none available within its window
DELIVERY = "delivery"  # ... none delivered as it asked (in person or virtual)
SESSIONS = "sessions"  # ... none with enough sessions for its learners
NO_LOCATION = "no_location"  # only in-person offers were left and the school has no location
TOO_FAR = "too_far"  # only in-person offers were left, all beyond its travel limit
EXCLUDED = "excluded"  # hub staff removed every pair it could have had
NOT_CHOSEN = "not_chosen"  # it had offers; the allocation used them for other requests

REASONS = (NO_OFFER, YEAR_GROUP, WINDOW, DELIVERY, SESSIONS, NO_LOCATION, TOO_FAR, EXCLUDED, NOT_CHOSEN)


@dataclass(frozen=True)
class Unmatched:
    reason: str
    #: NOT_CHOSEN: the offers it could take; of those, how many had too few sessions left once
    #: the allocation's matches were counted (`full`) and how many had room but belonged to an
    #: employer already at its cap (`capped`).
    offers: int = 0
    full: int = 0
    capped: int = 0
    #: TOO_FAR: the nearest offer that passed every other test, in whole kilometres.
    nearest_km: int | None = None


def unmatched(instance: Instance, matches: Mapping[int, int]) -> dict[int, Unmatched]:
    """For each request of `instance` that `matches` (request key -> offer key, a feasible
    allocation) leaves out: why."""
    left = [index for index, request in enumerate(instance.requests) if request.key not in matches]
    if not left:
        return {}
    found = solver.candidates(instance)
    with_offers: dict[int, list[int]] = {}
    for r, o in zip(found.request.tolist(), found.offer.tolist(), strict=True):
        with_offers.setdefault(r, []).append(o)
    result: dict[int, Unmatched] = {}
    allocation = _Allocation(instance, matches)
    narrowing = _Narrowing(instance)
    for index in left:
        request = instance.requests[index]
        offers = with_offers.get(index)
        result[request.key] = allocation.reason(request, offers) if offers else narrowing.reason(request)
    return result


class _Allocation:
    """The sessions each offer's matches use and the requests each employer has, counted once
    for every request with candidate offers (NOT_CHOSEN)."""

    def __init__(self, instance: Instance, matches: Mapping[int, int]) -> None:
        self.instance = instance
        offers = {o.key: o for o in instance.offers}
        requests = {r.key: r for r in instance.requests}
        self.used: dict[int, int] = {}
        self.per_employer: dict[int, int] = {}
        for r_key, o_key in matches.items():
            offer = offers[o_key]
            self.used[o_key] = self.used.get(o_key, 0) + solver.sessions_needed(requests[r_key], offer)
            self.per_employer[offer.employer_key] = self.per_employer.get(offer.employer_key, 0) + 1

    def reason(self, request: RequestSpec, candidate_offers: list[int]) -> Unmatched:
        full = capped = 0
        for o in candidate_offers:
            offer = self.instance.offers[o]
            if self.used.get(offer.key, 0) + solver.sessions_needed(request, offer) > offer.sessions:
                full += 1
                continue
            cap = self.instance.employer_caps.get(offer.employer_key)
            if cap is not None and self.per_employer.get(offer.employer_key, 0) >= cap:
                capped += 1
        return Unmatched(NOT_CHOSEN, offers=len(candidate_offers), full=full, capped=capped)


class _Narrowing:
    """The offers of each type as arrays, narrowed one test at a time for a request with none."""

    def __init__(self, instance: Instance) -> None:
        self.offers = instance.offers
        self.excluded = instance.excluded
        kinds = np.array([o.kind for o in self.offers])
        self.by_kind = {kind: np.flatnonzero(kinds == kind) for kind in set(kinds.tolist())}
        self.start = np.array([o.available_from.toordinal() for o in self.offers], dtype=np.int64)
        self.end = np.array([o.available_to.toordinal() for o in self.offers], dtype=np.int64)
        self.year_masks: dict[str, np.ndarray] = {}
        self.virtual = np.array([o.delivery == "virtual" for o in self.offers], dtype=bool)
        self.sessions = np.array([o.sessions for o in self.offers], dtype=np.int64)
        self.per_session = np.array([o.learners_per_session for o in self.offers], dtype=np.int64)
        nan = float("nan")
        self.lat = np.array([nan if o.latitude is None else o.latitude for o in self.offers], dtype=float)
        self.lon = np.array([nan if o.longitude is None else o.longitude for o in self.offers], dtype=float)

    def _for_year(self, year_group: str) -> np.ndarray:
        """Which offers are suitable for the year group, worked out once per year group."""
        if year_group not in self.year_masks:
            self.year_masks[year_group] = np.array([year_group in o.year_groups for o in self.offers], dtype=bool)
        return self.year_masks[year_group]

    def reason(self, request: RequestSpec) -> Unmatched:
        pool = self.by_kind.get(request.kind)
        if pool is None or not len(pool):
            return Unmatched(NO_OFFER)
        pool = pool[self._for_year(request.year_group)[pool]]
        if not len(pool):
            return Unmatched(YEAR_GROUP)
        pool = pool[
            (self.end[pool] >= request.window_start.toordinal()) & (self.start[pool] <= request.window_end.toordinal())
        ]
        if not len(pool):
            return Unmatched(WINDOW)
        if request.delivery != "either":
            pool = pool[self.virtual[pool] == (request.delivery == "virtual")]
            if not len(pool):
                return Unmatched(DELIVERY)
        per_session = self.per_session[pool]
        needed = -(-request.learners // np.maximum(per_session, 1))
        pool = pool[(per_session > 0) & (self.sessions[pool] > 0) & (needed <= self.sessions[pool])]
        if not len(pool):
            return Unmatched(SESSIONS)
        # What is left passes every test but travel, and a virtual offer has none: with a virtual
        # offer left, or an in-person one in reach, every pair it could have had was excluded.
        if self.virtual[pool].any():
            return Unmatched(EXCLUDED)
        if request.latitude is None or request.longitude is None:
            return Unmatched(NO_LOCATION)
        located = pool[~(np.isnan(self.lat[pool]) | np.isnan(self.lon[pool]))]
        if not len(located):
            return Unmatched(NO_LOCATION)
        # Whole kilometres, rounded as `solver.candidates` rounds them.
        km = np.round(
            solver._haversine(
                np.full(len(located), request.latitude),
                np.full(len(located), request.longitude),
                self.lat[located],
                self.lon[located],
            )
        ).astype(np.int64)
        if (km <= request.max_travel_km).any():
            return Unmatched(EXCLUDED)
        return Unmatched(TOO_FAR, nearest_km=int(km.min()))
