from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.employers.models import Offer, SchoolRequest
from careershub.employers.tests.factories import employer_for, locate, offer_for, other_employer, request_for
from careershub.matching import services, solver
from careershub.matching.models import HubSectorPriorities, Match, MatchRound, MatchStatus, Response, RoundStatus
from careershub.organisations.models import Role
from careershub.organisations.tests.factories import MembershipFactory, UserFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

HUB_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
HUB_MANAGERS = {"hub_lead", "national_admin"}


def expected(persona: str, allowed: set[str], refused: int) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    return 200 if persona in allowed else refused


@dataclass
class World:
    offer: Offer
    request: SchoolRequest
    round: MatchRound


@pytest.fixture
def world(cast: Cast) -> World:
    employer = employer_for(cast)
    offer = offer_for(employer, sessions=1)
    school_request = request_for(locate(cast.ashby))
    match_round = services.round_create(hub=cast.north_hub, name="Autumn", actor=cast.hub_lead)
    services.round_solve(match_round=match_round, actor=cast.hub_lead)
    return World(offer=offer, request=school_request, round=match_round)


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_matching_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("matching:hub", args=[cast.north_hub.pk]))
    refused = 404 if persona == "other_hub_lead" else 403
    assert response.status_code == expected(persona, HUB_READERS, refused)
    if response.status_code == 200:
        assert ("Run a new matching round" in response.content.decode()) == (persona in HUB_MANAGERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_managers_run_a_round(client_as, cast: Cast, persona: str, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    offer_for(employer_for(cast))
    request_for(locate(cast.ashby))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(persona).post(reverse("matching:round-create", args=[cast.north_hub.pk]))
    if persona in HUB_MANAGERS:
        assert response.status_code == 302
        match_round = MatchRound.objects.get()
        assert match_round.status == RoundStatus.SOLVED and match_round.matches.count() == 1
    else:
        refused = 404 if persona == "other_hub_lead" else 403
        assert response.status_code == expected(persona, set(), refused)
        assert not MatchRound.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_round_page_explains_each_match(client_as, world: World, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("matching:round", args=[world.round.pk]))
    assert response.status_code == expected(persona, HUB_READERS, 404)
    if response.status_code == 200:
        content = response.content.decode()
        assert "Ashby High School" in content and "Request served: +100" in content
        assert "A sector the school asked for: +10" in content
        assert ("Confirm" in content) == (persona in HUB_MANAGERS)


def test_empty_round_is_reported_plainly(client_as, cast: Cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        client_as("hub_lead").post(reverse("matching:round-create", args=[cast.north_hub.pk]))
    match_round = MatchRound.objects.get()
    assert match_round.status == RoundStatus.EMPTY
    content = client_as("hub_lead").get(reverse("matching:round", args=[match_round.pk])).content.decode()
    assert "No request can be served by any offer" in content


def test_need_and_priority_terms_come_from_the_database(cast: Cast) -> None:
    from careershub.geography.models import OpportunityArea

    HubSectorPriorities.objects.create(hub=cast.north_hub, sectors=["C"])
    ashby = locate(cast.ashby)
    ashby.percent_fsm = 31.6  # type: ignore[assignment]
    ashby.save()
    area = OpportunityArea.objects.first()
    if area is not None and area.local_authorities.exists():
        ashby.local_authority = area.local_authorities.first()
        ashby.save()
    offer_for(employer_for(cast))
    request_for(ashby, sectors=["F"])
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    terms = match_round.matches.get().terms
    assert terms["fsm"] == 32 and terms["priority_sector"] == 20 and terms["requested_sector"] == 0
    assert terms["benchmark5_gap"] == 20 and terms["benchmark6_gap"] == 20  # no measurement result yet
    assert terms["opportunity_area"] == (30 if area is not None and ashby.local_authority_id else 0)
    assert 0 < terms["travel"] <= 20
    assert match_round.objective == terms["total"]


def test_pin_remove_and_resolve_keep_reviewed_matches(
    client_as, cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    near = offer_for(employer, title="Near", sessions=1)
    far = offer_for(employer, title="Far", sessions=1, latitude=53.5, longitude=-2.3)
    first = request_for(locate(cast.ashby))
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    match = match_round.matches.get()
    assert (match.request, match.offer) == (first, near)
    client = client_as("hub_lead")
    client.post(reverse("matching:match-review", args=[match.pk]), {"action": "remove"})
    assert Match.objects.get(pk=match.pk).status == MatchStatus.REMOVED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matching:round-solve", args=[match_round.pk]))
    live = match_round.matches.exclude(status=MatchStatus.REMOVED).get()
    assert live.offer == far  # the removed pair is not proposed again
    client.post(reverse("matching:match-review", args=[live.pk]), {"action": "pin"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matching:round-solve", args=[match_round.pk]))
    assert Match.objects.get(pk=live.pk).status == MatchStatus.PINNED
    assert (
        AuditEvent.objects.filter(object_type="matching.Match", organisation=cast.north_hub.organisation).count() == 2
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_managers_review_matches(client_as, world: World, persona: str) -> None:  # type: ignore[no-untyped-def]
    match = world.round.matches.get()
    response = client_as(persona).post(reverse("matching:match-review", args=[match.pk]), {"action": "pin"})
    if persona in HUB_MANAGERS:
        assert response.status_code == 302
        assert Match.objects.get(pk=match.pk).status == MatchStatus.PINNED
    else:
        refused = 403 if persona in {"enterprise_coordinator", "national_analyst", "outsider"} else 404
        assert response.status_code == (302 if persona == "anonymous" else refused)
        assert Match.objects.get(pk=match.pk).status == MatchStatus.PROPOSED


def test_confirming_emails_both_sides_and_they_reply(client_as, cast: Cast, world: World) -> None:  # type: ignore[no-untyped-def]
    match = world.round.matches.get()
    client_as("hub_lead").post(reverse("matching:match-review", args=[match.pk]), {"action": "confirm"})
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"contact@employer.example", "leader@ashby.example"}
    assert "accept or decline" in mail.outbox[0].body

    employer = client_as("employer")
    assert "Engineering talk" in employer.get(reverse("matching:responses")).content.decode()
    assert employer.post(reverse("matching:respond", args=[match.pk]), {"decision": "accept"}).status_code == 302
    match.refresh_from_db()
    assert match.employer_response == Response.ACCEPTED and match.status == MatchStatus.CONFIRMED
    assert mail.outbox[-1].to == ["lead@north.example", "ec@north.example"] or set(mail.outbox[-1].to) == {
        "lead@north.example",
        "ec@north.example",
    }

    # Replying twice is refused; the school declines, which frees the request for a re-solve.
    employer.post(reverse("matching:respond", args=[match.pk]), {"decision": "decline"})
    assert Match.objects.get(pk=match.pk).employer_response == Response.ACCEPTED
    client_as("careers_leader").post(reverse("matching:respond", args=[match.pk]), {"decision": "decline"})
    match.refresh_from_db()
    assert match.school_response == Response.DECLINED and match.status == MatchStatus.REMOVED
    assert "has declined" in mail.outbox[-1].subject


@pytest.mark.parametrize("persona", PERSONAS)
def test_reply_permissions(client_as, cast: Cast, world: World, persona: str) -> None:  # type: ignore[no-untyped-def]
    match = world.round.matches.get()
    services.match_review(match=match, action="confirm")
    response = client_as(persona).post(reverse("matching:respond", args=[match.pk]), {"decision": "accept"})
    if persona in {"employer", "careers_leader"}:
        assert response.status_code == 302
    elif persona == "senior_leader":
        assert response.status_code == 403  # read only
    elif persona == "other_careers_leader":
        assert response.status_code == 404  # another school's match
    else:
        assert response.status_code == (302 if persona == "anonymous" else 403)
    match.refresh_from_db()
    answered = {"employer": match.employer_response, "careers_leader": match.school_response}
    for who, value in answered.items():
        assert (value == Response.ACCEPTED) == (persona == who)


def test_another_employer_cannot_answer_our_match(cast: Cast, world: World) -> None:
    match = world.round.matches.get()
    services.match_review(match=match, action="confirm")
    _, bakery_user = other_employer(cast)
    client = Client()
    client.force_login(bakery_user)
    assert client.post(reverse("matching:respond", args=[match.pk]), {"decision": "decline"}).status_code == 404
    assert "Engineering talk" not in client.get(reverse("matching:responses")).content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_responses_page(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("matching:responses"))
    allowed = {"employer", "careers_leader", "senior_leader", "other_careers_leader"}
    assert response.status_code == expected(persona, allowed, 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_priorities_are_edited_by_managers(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).post(
        reverse("matching:priorities", args=[cast.north_hub.pk]), {"sectors": ["C", "F"]}
    )
    if persona in HUB_MANAGERS:
        assert response.status_code == 302
        assert HubSectorPriorities.objects.get(hub=cast.north_hub).sectors == ["C", "F"]
    else:
        refused = 404 if persona == "other_hub_lead" else 403
        assert response.status_code == expected(persona, set(), refused)
        assert not HubSectorPriorities.objects.exists()


def test_employer_cap_is_respected_end_to_end(cast: Cast) -> None:
    employer = employer_for(cast, cap_per_term=1)
    offer_for(employer, sessions=5)
    locate(cast.ashby)
    request_for(cast.ashby)
    request_for(cast.ashby, year_group="9")
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    assert match_round.matches.count() == 1


def test_national_admin_runs_a_round_for_any_hub(cast: Cast) -> None:
    user = UserFactory.create(email="second-admin@national.example")
    MembershipFactory.create(user=user, organisation=cast.national, role=Role.NATIONAL_ADMIN)
    client = Client()
    client.force_login(user)
    assert client.post(reverse("matching:round-create", args=[cast.south_hub.pk])).status_code == 302
    assert MatchRound.objects.get().hub == cast.south_hub


def test_benchmark_gaps_come_from_the_latest_measurement_result(cast: Cast) -> None:
    import datetime

    from django.utils import timezone

    from careershub.evaluations.tests.factories import ALL_BENCHMARKS, submitted_evaluation

    ashby = locate(cast.ashby)
    year_ago = timezone.now() - datetime.timedelta(days=400)
    submitted_evaluation(ashby, achieved=ALL_BENCHMARKS - {5}, submitted_at=year_ago)
    offer_for(employer_for(cast))
    request_for(ashby)
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    terms = match_round.matches.get().terms
    assert terms["benchmark6_gap"] == 0
    assert 0 < terms["benchmark5_gap"] <= 20


@pytest.mark.parametrize("persona", PERSONAS)
def test_index_sends_hub_staff_to_their_hub(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("matching:index"))
    if persona in {"hub_lead", "enterprise_coordinator"}:
        assert response.status_code == 302 and response.url == reverse("matching:hub", args=[cast.north_hub.pk])
    elif persona == "other_hub_lead":
        assert response.status_code == 302 and response.url == reverse("matching:hub", args=[cast.south_hub.pk])
    elif persona in {"national_admin", "national_analyst"}:
        assert response.status_code == 200
        assert "North Hub" in response.content.decode() and "South Hub" in response.content.decode()
    else:
        assert response.status_code == expected(persona, set(), 403)


def test_round_page_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast, cap_per_term=50)
    locate(cast.ashby)
    for n in range(15):
        offer_for(employer, title=f"Talk {n}", sessions=1)
        request_for(cast.ashby, learners=10 + n)
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    assert match_round.matches.count() == 15
    client = client_as("hub_lead")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("matching:round", args=[match_round.pk])).status_code == 200


def test_round_page_warns_of_expiring_checks(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    import datetime

    from careershub.employers.models import ComplianceFact

    employer = employer_for(cast)
    today = datetime.date.today()
    ComplianceFact.objects.create(
        employer=employer, kind="dbs", checked_on=today - datetime.timedelta(days=300), expires_on=today
    )
    ComplianceFact.objects.create(
        employer=employer, kind="insurance", checked_on=today, expires_on=today + datetime.timedelta(days=365)
    )
    offer_for(employer)
    request_for(locate(cast.ashby))
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    client = client_as("hub_lead")
    with django_assert_max_num_queries(15):
        content = client.get(reverse("matching:round", args=[match_round.pk])).content.decode()
    assert "DBS check expires soon" in content
    assert "liability insurance expires" not in content


def test_priority_sectors_beside_local_labour_market(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    from careershub.matching import lmi

    trafford = cast.ashby.local_authority
    assert trafford is not None and trafford.lsip_area is not None
    cast.north_hub.local_authorities.add(trafford)
    HubSectorPriorities.objects.create(hub=cast.north_hub, sectors=["C"])
    figures, missing = lmi.hub_figures(cast.north_hub, ["C"])
    assert [area.area for area in figures] == [trafford.lsip_area.name] and not missing
    manufacturing = next(row for row in figures[0].rows if row.industry == "Manufacturing")
    assert manufacturing.priority and manufacturing.sections == ("C",)
    assert abs(sum(row.share for row in figures[0].rows) - 1) < 0.02
    content = client_as("hub_lead").get(reverse("matching:priorities", args=[cast.north_hub.pk])).content.decode()
    assert f"People in employment by industry, {trafford.lsip_area.name}, 2022" in content
    assert "Manufacturing (C) <strong" in content


def test_a_round_is_solved_in_the_background(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """Until the queued task runs, the round says it is waiting and nothing can be reviewed or re-queued."""
    offer_for(employer_for(cast), sessions=1)
    request_for(locate(cast.ashby))
    client = client_as("hub_lead")
    client.post(reverse("matching:round-create", args=[cast.north_hub.pk]))  # the task runs on commit: not here
    match_round = MatchRound.objects.get()
    assert match_round.status == RoundStatus.QUEUED and not match_round.matches.exists()
    content = client.get(reverse("matching:round", args=[match_round.pk])).content.decode()
    assert "This round is waiting to be solved" in content and "Solve again" not in content
    response = client.post(reverse("matching:round-solve", args=[match_round.pk]), follow=True)
    assert "already being solved" in response.content.decode()
    services.round_solve_queued(round_id=match_round.pk, actor=cast.hub_lead)  # what the task does
    match_round.refresh_from_db()
    assert match_round.status == RoundStatus.SOLVED and match_round.matches.count() == 1
    content = client.get(reverse("matching:round", args=[match_round.pk])).content.decode()
    assert "being solved" not in content and "Solve again" in content
    assert services.round_solve_queued(round_id=match_round.pk).status == RoundStatus.SOLVED  # not queued: no-op


def test_a_stalled_round_says_so_and_can_be_solved_again(client_as, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    """A round whose task was lost (no worker, or a worker stopped mid-solve) does not stay locked."""
    import datetime

    from django.utils import timezone

    settings.MATCHING_TIME_LIMIT_S = 60
    offer_for(employer_for(cast), sessions=1)
    request_for(locate(cast.ashby))
    client = client_as("hub_lead")
    client.post(reverse("matching:round-create", args=[cast.north_hub.pk]))  # queued; its task never runs here
    match_round = MatchRound.objects.get()
    url = reverse("matching:round", args=[match_round.pk])
    recent = timezone.now() - datetime.timedelta(minutes=5)
    MatchRound.objects.filter(pk=match_round.pk).update(status=RoundStatus.SOLVING, queued_at=recent)
    content = client.get(url).content.decode()
    assert "This round is being solved" in content and "background worker may have" not in content
    assert "Solve again" not in content
    with pytest.raises(services.MatchingError, match="already being solved"):
        services.round_queue(match_round=match_round)
    long_ago = timezone.now() - datetime.timedelta(minutes=12)  # 60 s limit + 10 minutes, passed
    MatchRound.objects.filter(pk=match_round.pk).update(queued_at=long_ago)
    content = client.get(url).content.decode()
    assert "background worker may have" in content and "Solve again" in content
    response = client.post(reverse("matching:round-solve", args=[match_round.pk]), follow=True)
    assert "being solved again in the background" in response.content.decode()
    match_round.refresh_from_db()
    assert match_round.status == RoundStatus.QUEUED
    assert match_round.queued_at is not None and match_round.queued_at > long_ago
    assert not match_round.stalled
    services.round_solve_queued(round_id=match_round.pk, actor=cast.hub_lead)  # what the task does
    match_round.refresh_from_db()
    assert match_round.status == RoundStatus.SOLVED and match_round.matches.count() == 1


def test_matches_cannot_be_reviewed_while_their_round_is_solving(world: World) -> None:
    match = world.round.matches.get()
    MatchRound.objects.filter(pk=world.round.pk).update(status=RoundStatus.SOLVING)
    with pytest.raises(services.MatchingError, match="being solved"):
        services.match_review(match=match, action="confirm")
    assert Match.objects.get(pk=match.pk).status == MatchStatus.PROPOSED


def test_a_failed_solve_is_reported_on_the_round(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver crashed")

    services.round_queue(match_round=world.round)
    monkeypatch.setattr(services.solver, "solve", broken)
    with pytest.raises(RuntimeError):
        services.round_solve_queued(round_id=world.round.pk)
    world.round.refresh_from_db()
    assert world.round.status == RoundStatus.FAILED and "Nothing was changed" in world.round.message
    assert world.round.matches.count() == 1  # the earlier proposal is still there
    services.round_queue(match_round=world.round)  # and it can be asked for again


def test_a_timed_out_round_keeps_the_best_allocation_found(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    offer = offer_for(employer_for(cast), sessions=1)
    school_request = request_for(locate(cast.ashby))
    terms = solver.Terms(100, 10, 0, 20, 20, 0, 10, 3)
    message = "These proposals are the best it found: at most 4 points below the best possible."
    pair = (school_request.pk, offer.pk)
    best = solver.Result("timeout", terms.total, {school_request.pk: offer.pk}, {pair: terms}, message)
    monkeypatch.setattr(services.solver, "solve", lambda *a, **k: best)
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    assert match_round.status == RoundStatus.TIMEOUT and match_round.objective == terms.total
    assert match_round.matches.get().status == MatchStatus.PROPOSED and "at most 4 points" in match_round.message
    nothing = solver.Result("timeout", 0, {}, {}, "The solver found no allocation it could offer in 120 seconds.")
    monkeypatch.setattr(services.solver, "solve", lambda *a, **k: nothing)
    match_round = services.round_solve(match_round=match_round)
    assert match_round.status == RoundStatus.FAILED and not match_round.matches.exists()


@pytest.mark.django_db(transaction=True)
def test_solving_again_while_a_solve_holds_the_round_is_refused_at_once(cast: Cast) -> None:
    """A solve under way holds the round's row (PostgreSQL): asking again is refused without waiting
    for it, and leaves the asking transaction usable."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writes)")
    match_round = MatchRound.objects.create(hub=cast.north_hub, name="Spring", status=RoundStatus.SOLVED)
    locked, release = threading.Event(), threading.Event()

    def solving() -> None:
        try:
            with transaction.atomic():
                MatchRound.objects.select_for_update().get(pk=match_round.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=solving)
    thread.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            with pytest.raises(services.MatchingError, match="already being solved"):
                services.round_queue(match_round=match_round)
            assert MatchRound.objects.get(pk=match_round.pk).status == RoundStatus.SOLVED  # still usable
    finally:
        release.set()
        thread.join()
    assert services.round_queue(match_round=match_round).status == RoundStatus.QUEUED


def _round_with_a_request_left_out(cast: Cast) -> tuple[MatchRound, SchoolRequest, SchoolRequest]:
    """North Hub's round: Ashby's talk matched; its workplace visit (no such offer) and its Year 7
    talk (no offer for Year 7) left out."""
    offer_for(employer_for(cast))
    ashby = locate(cast.ashby)
    request_for(ashby)
    visit = request_for(ashby, kind="workplace_visit")
    year7 = request_for(ashby, year_group="7")
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Spring"))
    return match_round, visit, year7


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_round_says_which_requests_it_left_out_and_why(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    match_round, visit, year7 = _round_with_a_request_left_out(cast)
    assert match_round.status == RoundStatus.SOLVED and match_round.matches.count() == 1
    client = client_as(persona)
    page = client.get(reverse("matching:round", args=[match_round.pk]))
    listing = client.get(reverse("matching:round-unmatched", args=[match_round.pk]))
    assert page.status_code == listing.status_code == expected(persona, HUB_READERS, 404)
    if page.status_code != 200:
        return
    content = page.content.decode()
    assert 'data-unmatched="no_offer">1<' in content and 'data-unmatched="year_group">1<' in content
    rows = listing.content.decode()
    assert f'data-unmatched-request="{visit.pk}">No employer in the round offered a workplace visit.' in rows
    assert f'data-unmatched-request="{year7.pk}">No talk on offer was for Year 7.' in rows
    one_reason = client.get(reverse("matching:round-unmatched", args=[match_round.pk]), {"reason": "year_group"})
    assert str(year7.pk) in one_reason.content.decode()
    assert f'data-unmatched-request="{visit.pk}"' not in one_reason.content.decode()


def test_solving_again_replaces_the_reasons(cast: Cast) -> None:
    match_round, _visit, year7 = _round_with_a_request_left_out(cast)
    offer_for(Offer.objects.get().employer, kind="workplace_visit")
    services.round_solve(match_round=match_round)
    assert list(match_round.unmatched.values_list("request", "reason")) == [(year7.pk, "year_group")]


def test_an_empty_round_says_why_for_each_request(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer_for(employer_for(cast))
    far = request_for(locate(cast.ashby, latitude=54.43), max_travel_km=10)  # about 110 km north
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    assert match_round.status == RoundStatus.EMPTY
    why = match_round.unmatched.get()
    assert (why.request_id, why.reason, why.nearest_km, why.travel_limit_km) == (far.pk, "too_far", 112, 10)
    content = client_as("hub_lead").get(reverse("matching:round-unmatched", args=[match_round.pk])).content.decode()
    assert "The nearest talk that suited it was 112 km away, beyond its limit of 10 km." in content


def test_the_school_sees_why_its_request_was_not_matched_until_it_changes_it(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    from careershub.employers import services as employer_services

    _, visit, year7 = _round_with_a_request_left_out(cast)
    client = client_as("careers_leader")
    listing = client.get(reverse("employers:requests")).content.decode()
    assert f'data-request-state="{year7.pk}">Waiting to be matched. Not matched in the round of' in listing
    assert "No talk on offer was for Year 7." in listing
    detail = client.get(reverse("employers:request", args=[year7.pk])).content.decode()
    assert "No talk on offer was for Year 7." in detail
    # Changed since: the reason may no longer hold, so it is no longer given.
    employer_services.request_update(
        school_request=year7,
        expected_version=year7.version,
        kind="talk",
        year_group="9",
        learners=year7.learners,
        window_start=year7.window_start,
        window_end=year7.window_end,
        sectors=year7.sectors,
        delivery=year7.delivery,
        max_travel_km=year7.max_travel_km,
        notes="",
        actor=cast.careers_leader,
    )
    listing = client.get(reverse("employers:requests")).content.decode()
    assert f'data-request-state="{year7.pk}">Waiting to be matched<' in listing
    assert "No employer in the round offered a workplace visit." in listing
    # Another school's leader sees neither request.
    other = client_as("other_careers_leader").get(reverse("employers:requests")).content.decode()
    assert f'data-request-state="{visit.pk}"' not in other


def test_a_later_round_proposing_a_match_replaces_the_reason(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    _, visit, _ = _round_with_a_request_left_out(cast)
    offer_for(Offer.objects.get().employer, kind="workplace_visit")
    later = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Summer"))
    assert later.matches.filter(request=visit).exists()
    listing = client_as("careers_leader").get(reverse("employers:requests")).content.decode()
    assert f'data-request-state="{visit.pk}">Waiting to be matched<' in listing


def test_round_page_filters_matches_by_status_and_pages_them(
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from careershub.matching import views

    employer = employer_for(cast, cap_per_term=80)
    locate(cast.ashby)
    for n in range(60):
        offer_for(employer, title=f"Talk {n}", sessions=1)
        request_for(cast.ashby, learners=10 + n % 20)
    request_for(cast.ashby, kind="mentoring")  # left out: no mentoring on offer
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    assert match_round.matches.count() == 60
    first = match_round.matches.order_by("pk").first()
    assert first is not None
    services.match_review(match=first, action="confirm")
    client = client_as("hub_lead")
    url = reverse("matching:round", args=[match_round.pk])
    with django_assert_max_num_queries(13):
        content = client.get(url).content.decode()
    assert content.count('<h3 class="govuk-summary-card__title"') == views.ROUND_PAGE_SIZE
    assert "All (60)" in content and "Proposed (59)" in content and "Confirmed (1)" in content
    assert 'data-unmatched="no_offer">1<' in content
    assert client.get(url, {"page": 2}).content.decode().count('<h3 class="govuk-summary-card__title"') == 10
    confirmed = client.get(url, {"status": "confirmed"}).content.decode()
    assert confirmed.count('<h3 class="govuk-summary-card__title"') == 1 and first.offer.title in confirmed
    assert "There are no removed matches" in client.get(url, {"status": "removed"}).content.decode()
    # Reviewing a match on page 2 of the proposals comes back to page 2 of the proposals.
    second_page = client.get(url, {"status": "proposed", "page": 2}).content.decode()
    assert 'name="status" value="proposed"' in second_page and 'name="page" value="2"' in second_page
    match = match_round.matches.filter(status="proposed").order_by("-score", "pk").last()
    assert match is not None
    response = client.post(
        reverse("matching:match-review", args=[match.pk]), {"action": "pin", "status": "proposed", "page": "2"}
    )
    assert response.url == f"{url}?status=proposed&page=2#matches"
    bad = client.post(
        reverse("matching:match-review", args=[match.pk]), {"action": "unpin", "status": "x", "page": "-1"}
    )
    assert bad.url == url
    with django_assert_max_num_queries(9):
        listing = client.get(reverse("matching:round-unmatched", args=[match_round.pk]))
    assert listing.status_code == 200 and "Mentoring" in listing.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_round_as_a_spreadsheet(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    match_round, _, _ = _round_with_a_request_left_out(cast)
    Offer.objects.update(title="=HYPERLINK(1)")  # a title a spreadsheet would run as a formula
    response = client_as(persona).get(reverse("matching:round-csv", args=[match_round.pk]))
    assert response.status_code == expected(persona, HUB_READERS, 404)
    if response.status_code != 200:
        return
    assert response["Content-Disposition"] == f'attachment; filename="matching-round-{match_round.pk}-spring.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["Request"], row["Year group"], row["Result"]) for row in rows] == [
        ("Talk", "Year 10", "Proposed"),
        ("Workplace visit", "Year 10", "Not matched"),
        ("Talk", "Year 7", "Not matched"),
    ]
    matched, not_offered, _ = rows
    assert matched["School or college"] == "Ashby High School" and matched["Offer"] == "'=HYPERLINK(1)"
    assert int(matched["Score"]) > 100 and matched["Employer's reply"] == "Waiting for a reply"
    assert not_offered["Why not matched"] == "No employer in the round offered a workplace visit."
    assert not_offered["Employer"] == not_offered["Score"] == ""


def test_the_hubs_rounds_say_how_many_requests_each_matched(
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    import re

    spring, _, _ = _round_with_a_request_left_out(cast)
    services.match_review(match=spring.matches.get(), action="confirm")
    empty = services.round_create(hub=cast.north_hub, name="Not solved")
    client = client_as("enterprise_coordinator")
    with django_assert_max_num_queries(10):
        content = client.get(reverse("matching:hub", args=[cast.north_hub.pk])).content.decode()

    def cells(match_round: MatchRound) -> list[str]:
        row = re.search(rf'data-round="{match_round.pk}">(.*?)</tr>', content, re.S)
        assert row is not None
        return [
            re.sub(r"<[^>]+>|requests not matched in .*", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        ]

    assert cells(spring)[1:6] == [
        "Solved",
        spring.solved_at.strftime("%-d %B %Y") if spring.solved_at else "",
        "1",
        "1",
        "2",
    ]
    assert cells(empty)[2:6] == ["Not yet", "0", "0", "0"]


def test_a_requests_page_says_what_the_hubs_offers_could_do_for_it_now(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast, cap_per_term=10)
    ashby = locate(cast.ashby)  # about 2.6 km from the employer
    near = request_for(ashby, learners=30, max_travel_km=20)
    client = client_as("careers_leader")

    def outlook(school_request: SchoolRequest, persona: str = "careers_leader") -> str:
        html = client_as(persona).get(reverse("employers:request", args=[school_request.pk])).content.decode()
        found = re.search(r'<p class="govuk-body" id="outlook">(.*?)</p>', html, re.S)
        return found.group(1) if found else ""

    assert outlook(near).startswith("None of North Hub's published offers could take this request now.")
    assert "No employer in your Careers Hub offers a talk at the moment." in outlook(near)
    offer = offer_for(employer, sessions=2, learners_per_session=30)
    assert outlook(near).startswith("1 published offer from North Hub's employers could take this request")
    # Hub staff read the same; another school's leader cannot open the request at all.
    assert outlook(near, "hub_lead").startswith("1 published offer")
    assert client_as("other_careers_leader").get(reverse("employers:request", args=[near.pk])).status_code == 404
    # Sessions already booked by confirmed matches are taken off: 60 learners need both sessions.
    other = request_for(ashby, learners=30, year_group="9")
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    services.match_review(match=match_round.matches.get(request=other), action="confirm")
    big = request_for(ashby, learners=60, year_group="9")
    assert "No talk that suits it has sessions enough left for 60 learners" in outlook(big)
    # A confirmed request shows where it stands instead.
    assert outlook(other) == ""
    # Too far: the nearest distance and the limit.
    offer.latitude, offer.longitude = 53.62, -2.35  # about 21 km north of Ashby
    offer.save()
    tight = request_for(ashby, learners=10, max_travel_km=5)
    assert "The nearest talk that suits it is 21 km away, beyond its limit of 5 km." in outlook(tight)
    assert client.get(reverse("employers:request", args=[tight.pk])).status_code == 200


def test_a_later_round_does_not_book_sessions_another_round_has_confirmed_or_pinned(cast: Cast) -> None:
    from careershub.matching.queries import offer_state, with_bookings

    employer = employer_for(cast, cap_per_term=10)
    offer = offer_for(employer, sessions=2, learners_per_session=30)
    ashby = locate(cast.ashby)
    first = request_for(ashby, learners=30)
    autumn = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Autumn"))
    services.match_review(match=autumn.matches.get(request=first), action="confirm")
    pinned = request_for(ashby, learners=25, year_group="9")
    spring = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Spring"))
    services.match_review(match=spring.matches.get(request=pinned), action="pin")
    # Both sessions are now taken: a third round has nothing left to give, and says so.
    late = request_for(ashby, learners=10)
    summer = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Summer"))
    assert not summer.matches.exists()
    why = summer.unmatched.get(request=late)
    assert why.reason == "sessions"
    assert "had sessions enough left for 10 learners" in why.explanation()
    # Re-solving a round keeps its own pinned match's sessions (they are not booked "elsewhere").
    spring = services.round_solve(match_round=spring)
    assert spring.matches.filter(request=pinned).exists()
    assert offer_state(with_bookings(Offer.objects.filter(pk=offer.pk)).get()) == "1 of 2 sessions booked"
    # Once the confirmed match is declined, its session is free again (for the declined request
    # or the late one: they score the same).
    services.match_respond(match=autumn.matches.get(request=first), side="school", accept=False)
    summer = services.round_solve(match_round=summer)
    assert summer.matches.get().request in (first, late)


def _employer_at_its_cap(cast: Cast) -> MatchRound:
    """An employer taking one request a term, with a round this term that has confirmed one."""
    offer_for(employer_for(cast, cap_per_term=1), sessions=5)
    first = request_for(locate(cast.ashby))
    autumn = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Autumn"))
    services.match_review(match=autumn.matches.get(request=first), action="confirm")
    return autumn


def test_an_employers_cap_counts_requests_from_every_round_of_the_term(cast: Cast) -> None:
    import datetime

    autumn = _employer_at_its_cap(cast)
    ashby = cast.ashby
    second = request_for(ashby, year_group="9")
    again = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="Autumn, again"))
    assert not again.matches.exists()
    why = again.unmatched.get(request=second)
    assert (why.reason, why.offers, why.full, why.capped) == ("not_chosen", 1, 0, 1)
    assert why.explanation() == (
        "1 offer could take it, but 1 belonged to an employer already at its limit of requests this term."
    )
    # A round of an earlier term does not count towards this term's cap.
    MatchRound.objects.filter(pk=autumn.pk).update(created_at=autumn.created_at - datetime.timedelta(days=200))
    again = services.round_solve(match_round=again)
    assert again.matches.get().request == second


def test_the_term_an_employers_cap_counts_over() -> None:
    import datetime

    day = datetime.date
    assert services.cap_period(day(2026, 12, 8)) == (day(2026, 9, 1), day(2026, 12, 31))
    assert services.cap_period(day(2027, 2, 1)) == (day(2027, 1, 1), day(2027, 3, 31))
    assert services.cap_period(day(2027, 6, 30)) == (day(2027, 4, 1), day(2027, 7, 31))
    assert services.cap_period(day(2027, 8, 15)) == (day(2027, 8, 1), day(2027, 8, 31))


def test_a_requests_outlook_sets_apart_offers_whose_employer_is_at_its_cap(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    _employer_at_its_cap(cast)
    ashby = cast.ashby
    waiting = request_for(ashby, year_group="9")
    html = client_as("careers_leader").get(reverse("employers:request", args=[waiting.pk])).content.decode()
    assert (
        "None of North Hub's published offers could take this request now: the 1 that suits it belongs to an "
        "employer already at the limit of requests they take this term."
    ) in html
    other, _ = other_employer(cast)
    other.hub, other.latitude, other.longitude = cast.north_hub, 53.43, -2.33
    other.save()
    offer_for(other, title="Bakery talk")
    html = client_as("careers_leader").get(reverse("employers:request", args=[waiting.pk])).content.decode()
    assert "1 published offer from North Hub's employers could take this request" in html
    assert "1 more suits it but belongs to an employer already at the limit" in html
