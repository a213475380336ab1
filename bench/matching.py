#!/usr/bin/env python3
"""Scaling of the exact employer-school allocation, at national size, on real institutions.

Usage: .venv/bin/python bench/matching.py [--sizes 200x800,400x1600,...] [--seed 1] [--cpsat-up-to 800]

Requests come from real schools and colleges (EduBase, July 2017 rows in the shared data folder,
`schools/edubase_2017_07_subset_unmatched_postcodes.csv`). That file has no coordinates, so each
institution is placed at its local authority district's centroid (ONS/DfE centroids in
`geography/dfe_lsip_dashboard_area_centroids_and_lmi_2025.csv`), or its LSIP area's centroid for
the county councils, with a seeded scatter of a few kilometres: real places, approximate points.
Employers (fictitious) sit near institutions, because employers cluster where people live. The
offers and requests themselves (types, year groups, windows, sizes, travel limits) are generated.

For each size it prints: candidate pairs, the time to find them, HiGHS's exact solve (branch
and cut, gap 0) and its time, the LP relaxation bound and the gap to it, the LP bound of the
model HiGHS is given (with the offers' valid inequalities, "LP+"), the greedy nearest-first
baseline, and up to `--cpsat-up-to` requests the CP-SAT optimum (which must be equal). It also
says into how many independent parts (connected components of requests, offers and capped
employers) the instance falls and the share of pairs in the largest: solving the parts apart
would only help if that share were small. "v.req" counts the requests with a virtual offer among
their pairs and "classes" the kinds of them an aggregated model would need: requests with the same
virtual offers, sessions needed and score beyond their own need are interchangeable for those
offers (ADR 13: they are not, so a model by class would be as large). "left" counts the requests
the allocation leaves out and "why s" the time to say why for each (`matching.unmatched`, stored
with every round). All in the
same run; no figure is typed in. Every solution is checked against the constraints. When the
time limit is reached the "optimum" column shows "~" and the allocation a round would then
propose (the solver's best, or the nearest-first one when better), with the proven bound. From
`solver.LP_START_FROM` candidate pairs up, the solver starts from the LP relaxation (rounded, then
a MIP over its support; ADR 13), and the proven bound may be the LP's.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.metadata
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from careershub.matching import solver, unmatched  # noqa: E402

SHARED = ROOT.parent.parent / "work" / "shared" / "data"
SHARED = Path("/work/shared/data") if not SHARED.exists() else SHARED
SCHOOLS = SHARED / "schools" / "edubase_2017_07_subset_unmatched_postcodes.csv"
CENTROIDS = SHARED / "geography" / "dfe_lsip_dashboard_area_centroids_and_lmi_2025.csv"
#: County (and renamed) local authorities of 2017 → the 2025 LAD or LSIP area holding them.
AREA_ALIASES = {
    "Suffolk": "New Anglia",
    "Norfolk": "New Anglia",
    "Northamptonshire": "South-East Midlands",
    "Surrey": "Enterprise M3",
    "Hampshire": "Solent",
    "Devon": "Heart of the South-West",
    "Bournemouth": "Dorset",
    "Poole": "Dorset",
    "Kingston upon Hull City of": "Kingston upon Hull, City of",
    "Bristol City of": "Bristol, City of",
    "Herefordshire": "Herefordshire, County of",
    "Durham": "County Durham",
}
KINDS = [
    ("talk", 30),
    ("workplace_visit", 20),
    ("work_experience", 10),
    ("mentoring", 10),
    ("mock_interviews", 10),
    ("careers_fair", 10),
    ("virtual_tour", 10),
]
YEARS = ["7", "8", "9", "10", "11", "12", "13"]
SECTORS = list("ABCDEFGHIJKLMNOPQRS")
DAY0 = datetime.date(2026, 9, 7)


def places(rng: random.Random) -> list[tuple[str, float, float]]:
    """(name, latitude, longitude) of each real institution (not nurseries), placed as above."""
    centroids: dict[str, tuple[float, float, float]] = {}
    with CENTROIDS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["geog"] in ("LADU", "LSIP") and row["LAT"] and row["LONG"]:
                spread = 5.0 if row["geog"] == "LADU" else 15.0
                centroids.setdefault(row["areaName"], (float(row["LAT"]), float(row["LONG"]), spread))
    found = []
    with SCHOOLS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Phase of education"] == "Nursery":
                continue
            authority = row["Local authority (name)"]
            area = centroids.get(AREA_ALIASES.get(authority, authority))
            if area is None:
                area = next((c for name, c in centroids.items() if authority.lower() in name.lower()), None)
            if area is None:
                continue
            lat, lon, spread = area
            north, east = rng.gauss(0, spread), rng.gauss(0, spread)
            found.append(
                (
                    row["Establishment name"],
                    lat + north / 111.0,
                    lon + east / (111.0 * math.cos(math.radians(lat))),
                )
            )
    return found


def instance(
    n_requests: int, n_offers: int, where: list[tuple[str, float, float]], seed: int, virtual_share: float = 0.2
) -> solver.Instance:
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    schools = rng.sample(where, min(n_requests, len(where)))
    requests = []
    for i in range(n_requests):
        _, lat, lon = schools[i % len(schools)]
        start = rng.randrange(0, 70)
        kind = rng.choices(kinds if virtual_share else kinds[:-1], weights if virtual_share else weights[:-1])[0]
        delivery = (
            "virtual" if kind == "virtual_tour" else rng.choices(["in_person", "either", "virtual"], [6, 3, 1])[0]
        )
        requests.append(
            solver.RequestSpec(
                key=i,
                kind=kind,
                year_group=rng.choice(YEARS),
                learners=rng.randrange(10, 121),
                window_start=DAY0 + datetime.timedelta(days=start),
                window_end=DAY0 + datetime.timedelta(days=start + rng.randrange(7, 31)),
                delivery=delivery,
                max_travel_km=rng.randrange(5, 26),
                sectors=frozenset(rng.sample(SECTORS, rng.randrange(0, 3))),
                latitude=lat,
                longitude=lon,
                fsm_percent=rng.random() * 60,
                opportunity_area=rng.random() < 0.1,
                benchmark5_percent=rng.randrange(0, 101),
                benchmark6_percent=rng.randrange(0, 101),
            )
        )
    offers: list[solver.OfferSpec] = []
    caps: dict[int, int] = {}
    employer = -1
    while len(offers) < n_offers:
        employer += 1
        caps[employer] = rng.randrange(1, 7)
        _, lat, lon = rng.choice(where)
        lat, lon = lat + rng.gauss(0, 3) / 111.0, lon + rng.gauss(0, 3) / 68.0
        sector = rng.choice(SECTORS)
        for _ in range(min(rng.randrange(1, 5), n_offers - len(offers))):
            kind = rng.choices(kinds if virtual_share else kinds[:-1], weights if virtual_share else weights[:-1])[0]
            virtual = kind == "virtual_tour" or rng.random() < virtual_share
            start = rng.randrange(0, 60)
            low = rng.randrange(0, 5)
            offers.append(
                solver.OfferSpec(
                    key=len(offers),
                    employer_key=employer,
                    kind=kind,
                    sessions=rng.randrange(1, 5),
                    learners_per_session=rng.choice([15, 30, 60, 90]),
                    available_from=DAY0 + datetime.timedelta(days=start),
                    available_to=DAY0 + datetime.timedelta(days=start + rng.randrange(14, 61)),
                    delivery="virtual" if virtual else "in_person",
                    year_groups=frozenset(YEARS[low : low + rng.randrange(2, 5)]),
                    sector=sector,
                    latitude=None if virtual else lat,
                    longitude=None if virtual else lon,
                )
            )
    return solver.Instance(
        requests=tuple(requests), offers=tuple(offers), employer_caps=caps, priority_sectors=frozenset("CFJQ")
    )


def components(inst: solver.Instance, found: solver.Candidates) -> tuple[int, float]:
    """How many independent parts the model has (requests and offers joined by a candidate pair,
    offers of a capped employer joined together), and the share of pairs in the largest part."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not len(found):
        return 0, 0.0
    n_requests, n_offers = len(inst.requests), len(inst.offers)
    employers = sorted({o.employer_key for o in inst.offers if o.employer_key in inst.employer_caps})
    node = {key: n_requests + n_offers + i for i, key in enumerate(employers)}
    capped = [(j, node[o.employer_key]) for j, o in enumerate(inst.offers) if o.employer_key in node]
    rows = [*found.request.tolist(), *(n_requests + j for j, _ in capped)]
    cols = [*(n_requests + found.offer).tolist(), *(e for _, e in capped)]
    size = n_requests + n_offers + len(employers)
    graph = coo_matrix(([1] * len(rows), (rows, cols)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    per_part = Counter(label[found.request].tolist())
    return len(per_part), max(per_part.values()) / len(found)


def virtual_classes(inst: solver.Instance, found: solver.Candidates) -> tuple[int, int]:
    """Requests with a virtual pair, and how many classes they fall into when two requests are
    alike if they have the same virtual offers, sessions needed and score less their own need."""
    virtual = [o.delivery == "virtual" for o in inst.offers]
    own = [solver.SERVED + sum(solver._need_terms(r)) for r in inst.requests]
    pairs: dict[int, list[tuple[int, int, int]]] = {}
    for a, b, need, weight in zip(
        found.request.tolist(), found.offer.tolist(), found.sessions.tolist(), found.weight.tolist(), strict=True
    ):
        if virtual[b]:
            pairs.setdefault(a, []).append((b, need, weight - own[a]))
    return len(pairs), len({tuple(sorted(p)) for p in pairs.values()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200x800,400x1600,800x3200,1600x6400,3200x12800,5000x20000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpsat-up-to", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--lp-time-limit", type=float, default=300.0)
    parser.add_argument(
        "--virtual-share",
        type=float,
        default=0.2,
        help="share of offers that are virtual (plus every virtual tour); 0: in person only, no virtual requests",
    )
    args = parser.parse_args()
    where = places(random.Random(args.seed))  # noqa: S311 - benchmark data
    print(
        f"{len(where)} real institutions placed; solver HiGHS {importlib.metadata.version('highspy')} through highspy "
        f"(LP bounds through scipy {__import__('scipy').__version__}); "
        f"virtual share {args.virtual_share}; time limit {args.time_limit:g} s"
    )
    header = (
        f"{'requests':>8} {'offers':>6} {'pairs':>8} {'find s':>6} {'solve s':>7} {'total s':>7} "
        f"{'optimum':>9} {'LP bound':>11} {'LP gap':>7} {'LP s':>5} {'LP+ bound':>11} {'LP+ gap':>7} "
        f"{'greedy':>9} {'gain':>6} {'CP-SAT':>9} {'CP s':>6} {'parts':>5} {'largest':>7} {'v.req':>6} {'classes':>7} "
        f"{'left':>5} {'why s':>5}"
    )
    print(header)
    for size in args.sizes.split(","):
        n_requests, n_offers = (int(part) for part in size.split("x"))
        inst = instance(n_requests, n_offers, where, args.seed, args.virtual_share)
        started = time.perf_counter()
        found = solver.candidates(inst)
        find_s = time.perf_counter() - started
        started = time.perf_counter()
        result = solver.solve(inst, time_limit_s=args.time_limit)
        total_s = time.perf_counter() - started
        problems = solver.check(inst, result.matches)
        # A time-out shows the allocation a round would propose ("~": not proven optimal).
        shown = f"{result.objective:>9}" if result.status == "optimal" else f"{'~' + str(result.objective):>9}"
        if problems:
            raise SystemExit(f"The solution breaks constraints: {problems[:3]}")
        # Why each request left out was left out (`matching.unmatched`, stored with each round).
        started = time.perf_counter()
        left_out = unmatched.unmatched(inst, result.matches)
        why_s = time.perf_counter() - started
        started = time.perf_counter()
        bound = solver.lp_bound(inst, time_limit_s=args.lp_time_limit)
        lp_s = time.perf_counter() - started
        tight = solver.lp_bound(inst, time_limit_s=args.lp_time_limit, tightened=True)
        parts, largest = components(inst, found)
        virtual_requests, classes = virtual_classes(inst, found)
        baseline = solver.objective(inst, solver.greedy(inst))
        value = result.objective
        gain = (value - baseline) / baseline * 100 if baseline else 0.0
        cp_text, cp_time = "-", "-"
        if n_requests <= args.cpsat_up_to:
            started = time.perf_counter()
            other = solver.solve(inst, engine="cpsat", time_limit_s=args.time_limit, workers=2)
            cp_time = f"{time.perf_counter() - started:.1f}"
            cp_text = str(other.objective) if other.status == "optimal" else other.status
        print(
            f"{n_requests:>8} {n_offers:>6} {len(found):>8} {find_s:>6.2f} {total_s - find_s:>7.2f} {total_s:>7.2f} "
            f"{shown} {bound:>11.1f} {(bound - value) / max(bound, 1) * 100:>6.3f}% "
            f"{lp_s:>5.1f} {tight:>11.1f} {(tight - value) / max(tight, 1) * 100:>6.3f}% "
            f"{baseline:>9} {gain:>5.1f}% {cp_text:>9} {cp_time:>6} {parts:>5} {largest:>7.1%} "
            f"{virtual_requests:>6} {classes:>7} {len(left_out):>5} {why_s:>5.2f}  {result.status}"
            + ("" if result.status == "optimal" else f" (proven bound {result.bound:.1f} at the limit)"),
            flush=True,
        )


if __name__ == "__main__":
    main()
