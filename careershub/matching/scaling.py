"""Solve synthetic instances of growing size and print solve time, the optimum, and the greedy
nearest-first baseline. Run: `python -m careershub.matching.scaling [max_requests]`.

Places are random points in a box around Greater Manchester (not real institutions yet); this
is a first scaling measurement, not the national `bench/` run the issue asks for.
"""

from __future__ import annotations

import datetime
import random
import sys
import time

from careershub.matching import solver

KINDS = ["talk", "workplace_visit", "virtual_tour", "mentoring"]
YEARS = ["9", "10", "11", "12"]
SECTORS = list("CFGJKMQ")
DAY0 = datetime.date(2026, 1, 5)


def instance(n_requests: int, n_offers: int, seed: int = 1) -> solver.Instance:
    rng = random.Random(seed)  # noqa: S311 - synthetic benchmark data, not security

    def place() -> tuple[float, float]:
        return 53.2 + rng.random() * 0.6, -2.8 + rng.random() * 1.0

    requests = []
    for i in range(n_requests):
        lat, lon = place()
        start = rng.randrange(0, 60)
        requests.append(
            solver.RequestSpec(
                key=i,
                kind=rng.choice(KINDS),
                year_group=rng.choice(YEARS),
                learners=rng.randrange(10, 90),
                window_start=DAY0 + datetime.timedelta(days=start),
                window_end=DAY0 + datetime.timedelta(days=start + rng.randrange(7, 40)),
                delivery=rng.choice(["in_person", "virtual", "either"]),
                max_travel_km=rng.randrange(5, 30),
                sectors=frozenset(rng.sample(SECTORS, 2)),
                latitude=lat,
                longitude=lon,
                fsm_percent=rng.random() * 50,
                opportunity_area=rng.random() < 0.2,
                benchmark5_percent=rng.randrange(0, 101),
                benchmark6_percent=rng.randrange(0, 101),
            )
        )
    offers = []
    n_employers = max(1, n_offers // 3)
    for j in range(n_offers):
        lat, lon = place()
        start = rng.randrange(0, 60)
        offers.append(
            solver.OfferSpec(
                key=j,
                employer_key=rng.randrange(n_employers),
                kind=rng.choice(KINDS),
                sessions=rng.randrange(1, 4),
                learners_per_session=rng.choice([15, 30, 60]),
                available_from=DAY0 + datetime.timedelta(days=start),
                available_to=DAY0 + datetime.timedelta(days=start + rng.randrange(14, 60)),
                delivery=rng.choice(["in_person", "virtual"]),
                year_groups=frozenset(rng.sample(YEARS, 2)),
                sector=rng.choice(SECTORS),
                latitude=lat,
                longitude=lon,
            )
        )
    caps = {e: rng.randrange(1, 6) for e in range(n_employers)}
    return solver.Instance(
        requests=tuple(requests), offers=tuple(offers), employer_caps=caps, priority_sectors=frozenset("CF")
    )


def main(max_requests: int = 1000) -> None:
    print(
        f"{'requests':>8} {'offers':>7} {'arcs':>8} {'build s':>8} {'solve s':>8} "
        f"{'optimum':>9} {'LP bound':>10} {'greedy':>9} {'gain':>6}"
    )
    n = 50
    while n <= max_requests:
        inst = instance(n, 4 * n)
        started = time.perf_counter()
        arcs = solver.arcs(inst)
        built = time.perf_counter() - started
        started = time.perf_counter()
        result = solver.solve(inst, time_limit_s=120, workers=2)
        solved = time.perf_counter() - started
        bound = solver.lp_bound(inst)
        baseline = solver.objective(inst, solver.greedy(inst))
        gain = (result.objective - baseline) / baseline * 100 if baseline else 0.0
        print(
            f"{n:>8} {4 * n:>7} {len(arcs):>8} {built:>8.2f} {solved:>8.2f} "
            f"{result.objective:>9} {bound:>10.1f} {baseline:>9} {gain:>5.1f}%"
            f"  {result.status}"
        )
        n *= 2


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
