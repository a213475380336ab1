"""Why a round left a request unmatched (`matching.unmatched`): by hand for each reason, and a
property against `solver.eligible` for any allocation."""

from __future__ import annotations

import dataclasses
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from careershub.matching import solver, unmatched
from careershub.matching.solver import Instance, OfferSpec, RequestSpec
from careershub.matching.tests.test_solver import DAY0, _offer, _request, instances
from careershub.matching.unmatched import Unmatched


def _why(requests: tuple[RequestSpec, ...], offers: tuple[OfferSpec, ...], **kwargs: object) -> dict[int, Unmatched]:
    instance = Instance(requests=requests, offers=offers, **kwargs)  # type: ignore[arg-type]
    return unmatched.unmatched(instance, solver.solve(instance).matches)


def test_each_test_an_offer_fails_is_named_in_the_order_a_school_would_change_its_request() -> None:
    request = _request(key=1, year_group="9", learners=90, delivery="in_person", max_travel_km=10)
    assert _why((request,), ()) == {1: Unmatched(unmatched.NO_OFFER)}
    assert _why((request,), (_offer(kind="workplace_visit"),)) == {1: Unmatched(unmatched.NO_OFFER)}
    assert _why((request,), (_offer(year_groups=frozenset({"10"})),)) == {1: Unmatched(unmatched.YEAR_GROUP)}
    later = _offer(year_groups=frozenset({"9"}), available_from=DAY0 + datetime.timedelta(days=31))
    assert _why((request,), (later,)) == {1: Unmatched(unmatched.WINDOW)}
    virtual = _offer(year_groups=frozenset({"9"}), delivery="virtual")
    assert _why((request,), (virtual,)) == {1: Unmatched(unmatched.DELIVERY)}
    small = _offer(year_groups=frozenset({"9"}), sessions=2, learners_per_session=30)  # 90 learners need 3
    assert _why((request,), (small,)) == {1: Unmatched(unmatched.SESSIONS)}
    # Enough sessions, in person, 23 km north (0.2 degrees of latitude), beyond 10 km; a nearer
    # offer that fails an earlier test is not the nearest.
    far = _offer(key=101, year_groups=frozenset({"9"}), sessions=3, latitude=53.45 + 0.2)
    near_but_full = _offer(key=102, year_groups=frozenset({"9"}), sessions=1, latitude=53.46)
    assert _why((request,), (far, near_but_full)) == {1: Unmatched(unmatched.TOO_FAR, nearest_km=22)}
    assert _why((dataclasses.replace(request, latitude=None),), (far,)) == {1: Unmatched(unmatched.NO_LOCATION)}
    # The same request asking for either is offered the virtual one; withdrawn by hub staff:
    either = dataclasses.replace(request, delivery="either", learners=30)
    assert _why((either,), (virtual,)) == {}
    assert _why((either,), (virtual,), excluded=frozenset({(1, 100)})) == {1: Unmatched(unmatched.EXCLUDED)}
    # An in-person offer exactly at the travel limit is within reach: removed, not too far.
    here = dataclasses.replace(request, max_travel_km=0, learners=30)
    same_place = _offer(year_groups=frozenset({"9"}))
    assert _why((here,), (same_place,)) == {}
    assert _why((here,), (same_place,), excluded=frozenset({(1, 100)})) == {1: Unmatched(unmatched.EXCLUDED)}


def test_a_request_with_offers_says_how_many_were_full_and_how_many_employers_were_at_their_cap() -> None:
    needy = _request(key=1, fsm_percent=50)
    others = (_request(key=2), _request(key=3))
    one_session = _offer(key=100, employer_key=1)
    capped = _offer(key=101, employer_key=2, sessions=5)
    result = _why((needy, *others), (one_session, capped), employer_caps={1: 5, 2: 1})
    # Two of three served; the one left out could take either offer: one is full, one's employer
    # has its one request.
    assert len(result) == 1
    (reason,) = result.values()
    assert reason == Unmatched(unmatched.NOT_CHOSEN, offers=2, full=1, capped=1)


@st.composite
def instances_with_gaps(draw: st.DrawFn) -> Instance:
    """`test_solver.instances`, some requests without a location and some pairs excluded."""
    instance = draw(instances())
    requests = tuple(
        dataclasses.replace(r, latitude=None, longitude=None) if draw(st.booleans()) and draw(st.booleans()) else r
        for r in instance.requests
    )
    pairs = [(r.key, o.key) for r in requests for o in instance.offers]
    excluded = draw(st.sets(st.sampled_from(pairs))) if pairs else set()
    return dataclasses.replace(instance, requests=requests, excluded=frozenset(excluded))


STAGES = (
    (unmatched.NO_OFFER, lambda r, o: r.kind == o.kind),
    (unmatched.YEAR_GROUP, lambda r, o: r.year_group in o.year_groups),
    (unmatched.WINDOW, lambda r, o: o.available_from <= r.window_end and r.window_start <= o.available_to),
    (unmatched.DELIVERY, lambda r, o: r.delivery in ("either", o.delivery)),
    (
        unmatched.SESSIONS,
        lambda r, o: o.sessions > 0 and o.learners_per_session > 0 and solver.sessions_needed(r, o) <= o.sessions,
    ),
)


def reason_by_definition(instance: Instance, request: RequestSpec) -> str:
    eligible = [o for o in instance.offers if solver.eligible(request, o)]
    if any((request.key, o.key) not in instance.excluded for o in eligible):
        return unmatched.NOT_CHOSEN
    if eligible:
        return unmatched.EXCLUDED
    left = list(instance.offers)
    for reason, test in STAGES:
        left = [o for o in left if test(request, o)]
        if not left:
            return reason
    distances = [km for o in left if (km := solver.travel_km(request, o)) is not None]
    return unmatched.TOO_FAR if distances else unmatched.NO_LOCATION


@settings(max_examples=150, deadline=None)
@given(instances_with_gaps(), st.booleans())
def test_every_request_left_out_gets_the_reason_its_offers_give(instance: Instance, optimal: bool) -> None:
    matches = solver.solve(instance, time_limit_s=10).matches if optimal else solver.greedy(instance)
    assert solver.check(instance, matches) == []
    result = unmatched.unmatched(instance, matches)
    assert set(result) == {r.key for r in instance.requests} - set(matches)
    for request in instance.requests:
        if request.key not in result:
            continue
        why = result[request.key]
        assert why.reason == reason_by_definition(instance, request)
        if why.reason == unmatched.TOO_FAR:
            left = [o for o in instance.offers if all(test(request, o) for _, test in STAGES)]
            distances = [km for o in left if (km := solver.travel_km(request, o)) is not None]
            assert why.nearest_km == min(distances) > request.max_travel_km
        if why.reason == unmatched.NOT_CHOSEN:
            eligible = [
                o
                for o in instance.offers
                if solver.eligible(request, o) and (request.key, o.key) not in instance.excluded
            ]
            assert why.offers == len(eligible)
            assert why.full + why.capped <= why.offers
            if optimal:
                # Every score here is above 0 (travel is at most 40 km): an offer with room and an
                # employer under its cap would have taken it, so each is full or capped.
                assert why.full + why.capped == why.offers
