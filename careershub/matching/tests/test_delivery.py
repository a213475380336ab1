"""Delivered encounters become activities with participants; both sides leave feedback; the hub
sees a summary per employer and per offer."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from careershub.activities.models import Activity
from careershub.activities.queries import coverage_data
from careershub.employers.tests.factories import employer_for, locate, offer_for, request_for
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory
from careershub.matching import delivery, services
from careershub.matching.models import Delivery, Feedback, Match, MatchStatus
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def accepted(cast: Cast) -> Match:
    offer_for(employer_for(cast), kind="workplace_visit", title="Factory visit")
    request_for(locate(cast.ashby), kind="workplace_visit", year_group="10")
    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    match = match_round.matches.get()
    services.match_review(match=match, action="confirm", actor=cast.hub_lead)
    services.match_respond(match=match, side="employer", accept=True, actor=cast.employer)
    services.match_respond(match=match, side="school", accept=True, actor=cast.careers_leader)
    return Match.objects.get(pk=match.pk)


def learners(cast: Cast) -> list[Learner]:
    return [LearnerFactory.create(institution=cast.ashby, year_group=10) for _ in range(6)] + [
        LearnerFactory.create(institution=cast.ashby, year_group=11, registration_group="11B")
    ]


def post_delivery(client, match: Match, **extra: str):  # type: ignore[no-untyped-def]
    data = {
        "delivered_on-day": str(TODAY.day),
        "delivered_on-month": str(TODAY.month),
        "delivered_on-year": str(TODAY.year),
        "how": "year_group",
        "checklist": ["purpose_shared", "two_way_interaction", "range_of_people", "task_set"],
        "met_criteria": "yes",
        "rating": "4",
        "comment": "Great visit",
    }
    data.update(extra)
    return client.post(reverse("matching:deliver", args=[match.pk]), data)


def test_delivery_creates_activity_with_participants_that_coverage_counts(client_as, cast: Cast, accepted: Match):  # type: ignore[no-untyped-def]
    learners(cast)
    response = post_delivery(client_as("careers_leader"), accepted)
    assert response.status_code == 302, response.context_data["form"].errors if response.status_code == 200 else ""
    recorded = Delivery.objects.get(match=accepted)
    activity = recorded.activity
    assert activity is not None
    assert activity.activity_type == "workplace_visit" and activity.provider_name == cast.employer_org.name
    assert activity.benchmarks == [6] and activity.range_of_people and not activity.employer_feedback
    assert sorted(activity.participants.values_list("year_group", flat=True)) == [10] * 6
    assert recorded.participant_count == 6
    _, facts = coverage_data(cast.ashby)
    counted = [f for f in facts if any(e.date == TODAY for e in f.events)]
    assert len(counted) == 6
    school = Feedback.objects.get(match=accepted, side="school")
    assert school.rating == 4 and school.met_criteria
    # Only once
    assert post_delivery(client_as("careers_leader"), accepted).status_code == 302
    assert Activity.objects.count() == 1


def test_delivery_by_registration_group_and_refusals(client_as, cast: Cast, accepted: Match):  # type: ignore[no-untyped-def]
    learners(cast)
    client = client_as("careers_leader")
    future = TODAY + datetime.timedelta(days=3)
    response = post_delivery(
        client,
        accepted,
        **{
            "delivered_on-day": str(future.day),
            "delivered_on-month": str(future.month),
            "delivered_on-year": str(future.year),
        },
    )
    assert response.status_code == 200 and "today or in the past" in response.content.decode()
    response = post_delivery(client, accepted, how="upns", upns="NOTAUPN")
    assert response.status_code == 200 and "could not be found" in response.content.decode()
    assert not Activity.objects.exists()
    assert post_delivery(client, accepted, how="registration_group", registration_group="11b").status_code == 302
    assert Delivery.objects.get().participant_count == 1


def test_delivery_needs_both_acceptances(cast: Cast) -> None:
    offer_for(employer_for(cast))
    request_for(locate(cast.ashby))
    match = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R")).matches.get()
    services.match_review(match=match, action="confirm")
    with pytest.raises(delivery.DeliveryError, match="both sides have accepted"):
        delivery.delivery_record(
            match=match, delivered_on=TODAY, learners=learners(cast), checklist=[], met_criteria=True, rating=3
        )


@pytest.mark.parametrize("persona", PERSONAS)
def test_deliver_page_by_persona(client_as, cast: Cast, accepted: Match, persona: str):  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("matching:deliver", args=[accepted.pk]))
    if persona == "anonymous":
        assert response.status_code == 302 and ("sign-in" in response.url or "login" in response.url)
    elif persona == "careers_leader":
        assert response.status_code == 200
        assert "Young people met a range of people" in response.content.decode()
    elif persona == "other_careers_leader":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_employer_feedback_and_hub_summary(client_as, cast: Cast, accepted: Match, persona: str):  # type: ignore[no-untyped-def]
    delivery.delivery_record(
        match=accepted,
        delivered_on=TODAY,
        learners=learners(cast),
        checklist=["purpose_shared"],
        met_criteria=True,
        rating=5,
        actor=cast.careers_leader,
    )
    response = client_as(persona).post(
        reverse("matching:feedback", args=[accepted.pk]), {"met_criteria": "yes", "would_host_again": "yes"}
    )
    if persona == "employer":
        assert response.status_code == 302
        assert Feedback.objects.get(side="employer").would_host_again is True
    elif persona == "anonymous":
        assert response.status_code == 302 and not Feedback.objects.filter(side="employer").exists()
    else:
        assert response.status_code in (403, 404) and not Feedback.objects.filter(side="employer").exists()
    summary = client_as(persona).get(reverse("matching:hub-feedback", args=[cast.north_hub.pk]))
    readers = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
    if persona in readers:
        content = summary.content.decode()
        assert summary.status_code == 200 and cast.employer_org.name in content and "Factory visit" in content
        assert "5.0" in content
    elif persona == "anonymous":
        assert summary.status_code == 302
    else:
        assert summary.status_code == (404 if persona == "other_hub_lead" else 403)


def test_summary_withholds_small_learner_counts(cast: Cast, accepted: Match) -> None:
    delivery.delivery_record(
        match=accepted,
        delivered_on=TODAY,
        learners=learners(cast)[:3],
        checklist=[],
        met_criteria=False,
        rating=2,
    )
    rows = delivery.summarise(Delivery.objects.select_related("match__offer__employer"), by="employer")
    assert rows[0].learners == 3 and rows[0].mean_rating == 2.0 and rows[0].met_criteria_school == 0


def test_hub_feedback_query_budget(client_as, cast: Cast, accepted: Match, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    delivery.delivery_record(
        match=accepted, delivered_on=TODAY, learners=learners(cast), checklist=[], met_criteria=True, rating=3
    )
    client = client_as("hub_lead")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("matching:hub-feedback", args=[cast.north_hub.pk])).status_code == 200


def test_the_data_file_names_real_activity_types() -> None:
    from careershub.employers.models import EncounterType

    assert set(delivery.activity_type_for()) == set(EncounterType.values)
    assert MatchStatus.CONFIRMED  # the module imports cleanly


def test_the_list_of_requests_says_where_each_stands(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    offer_for(employer_for(cast), kind="workplace_visit", title="Factory visit")
    asked = request_for(locate(cast.ashby), kind="workplace_visit", year_group="10")
    request_for(cast.ashby, kind="mock_interviews", year_group="11", status="withdrawn")
    past = request_for(cast.ashby, kind="mentoring", year_group="11")
    type(past).objects.filter(pk=past.pk).update(
        window_start=TODAY - datetime.timedelta(days=40), window_end=TODAY - datetime.timedelta(days=1)
    )

    def states(persona: str = "careers_leader") -> dict[int, str]:
        html = client_as(persona).get(reverse("employers:requests")).content.decode()
        return {int(pk): unescape(text) for pk, text in re.findall(r'data-request-state="(\d+)">([^<]*)<', html)}

    match_round = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R"))
    match = match_round.matches.get()
    # In the list's order (by window): a proposal is the hub's until it confirms it.
    assert list(states().values()) == ["Not matched: its window has passed", "Waiting to be matched", "Withdrawn"]
    services.match_review(match=match, action="confirm", actor=cast.hub_lead)
    employer = cast.employer_org.name
    assert states()[asked.pk] == f"Matched with {employer}: waiting for the school's reply"
    services.match_respond(match=Match.objects.get(pk=match.pk), side="school", accept=True, actor=cast.careers_leader)
    assert states("hub_lead")[asked.pk] == f"Matched with {employer}: waiting for the employer's reply"
    services.match_respond(match=Match.objects.get(pk=match.pk), side="employer", accept=True, actor=cast.employer)
    assert states()[asked.pk] == f"Arranged with {employer}"
    Delivery.objects.create(match=match, delivered_on=TODAY)
    assert states()[asked.pk] == f"Took place on {TODAY:%-d %B %Y} with {employer}"
    client = client_as("careers_leader")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("employers:requests")).status_code == 200


def test_the_list_of_offers_says_how_much_of_each_is_booked(
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    visit = offer_for(employer, kind="workplace_visit", title="Factory visit", sessions=3, learners_per_session=15)
    withdrawn = offer_for(employer, title="Old talk", status="withdrawn")
    request_for(locate(cast.ashby), kind="workplace_visit", year_group="10", learners=25)  # 2 sessions of 15

    def states() -> dict[int, str]:
        html = client_as("employer").get(reverse("employers:offers")).content.decode()
        return {int(pk): text for pk, text in re.findall(r'data-offer-state="(\d+)">([^<]*)<', html)}

    assert states() == {visit.pk: "0 of 3 sessions booked", withdrawn.pk: "Withdrawn"}
    match = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R")).matches.get()
    assert states()[visit.pk] == "0 of 3 sessions booked"  # proposed only
    services.match_review(match=match, action="confirm", actor=cast.hub_lead)
    assert states()[visit.pk] == "2 of 3 sessions booked"
    services.match_respond(match=Match.objects.get(pk=match.pk), side="employer", accept=False, actor=cast.employer)
    assert states()[visit.pk] == "0 of 3 sessions booked"  # declined: removed
    client = client_as("hub_lead")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("employers:offers")).status_code == 200


def test_the_hubs_matching_page_counts_its_requests_with_no_match(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer_for(employer_for(cast), kind="workplace_visit", title="Factory visit")
    request_for(locate(cast.ashby), kind="workplace_visit", year_group="10")
    request_for(cast.ashby, kind="mock_interviews", year_group="11")  # no offer of its kind
    request_for(cast.brook, kind="mentoring", year_group="11")  # South Hub's

    def unmatched(persona: str) -> str:
        html = client_as(persona).get(reverse("matching:hub", args=[cast.north_hub.pk])).content.decode()
        found = re.search(r'<p class="govuk-body" id="unmatched">\s*(.*?)\s*<a', html, re.S)
        assert found is not None and f'href="{reverse("employers:requests")}"' in html
        return unescape(found.group(1))

    assert unmatched("hub_lead") == "2 open requests from member schools and colleges have no match yet."
    assert unmatched("national_admin") == unmatched("hub_lead")  # North Hub's only, not Brook's
    match = services.round_solve(match_round=services.round_create(hub=cast.north_hub, name="R")).matches.get()
    assert unmatched("enterprise_coordinator") == "1 open request from member schools and colleges has no match yet."
    services.match_review(match=match, action="confirm", actor=cast.hub_lead)
    services.match_respond(match=Match.objects.get(pk=match.pk), side="employer", accept=False, actor=cast.employer)
    assert unmatched("hub_lead") == (
        "2 open requests from member schools and colleges have no match yet (1 after a confirmed match was declined)."
    )
