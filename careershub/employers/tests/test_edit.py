"""Editing an offer: the employer's own only, and a stale edit never overwrites a newer one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.employers import services
from careershub.employers.models import Offer
from careershub.employers.tests.factories import employer_for, locate, offer_for, other_employer, request_for
from careershub.employers.tests.test_views import offer_form, request_form
from careershub.matching import services as matching_services
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_employer_opens_its_offer_for_editing(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(employer_for(cast))
    response = client_as(persona).get(reverse("employers:offer-edit", args=[offer.pk]))
    if persona == "employer":
        assert response.status_code == 200 and 'name="version" value="1"' in response.content.decode()
    elif persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_another_employer_gets_a_404(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(employer_for(cast))
    _, user = other_employer(cast)
    client = client_as("employer")
    client.force_login(user)
    assert client.get(reverse("employers:offer-edit", args=[offer.pk])).status_code == 404


def test_employer_edits_and_a_stale_edit_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(employer_for(cast))
    client = client_as("employer")
    url = reverse("employers:offer-edit", args=[offer.pk])
    first = client.post(url, offer_form(title="Robotics talk", sessions="4", version="1"))
    assert first.status_code == 302
    offer.refresh_from_db()
    assert (offer.title, offer.sessions, offer.version) == ("Robotics talk", 4, 2)
    assert AuditEvent.objects.filter(object_type="employers.Offer", action="update").exists()
    # A second tab opened on version 1 saves later: refused, nothing changed.
    stale = client.post(url, offer_form(title="Old title", version="1"))
    assert stale.status_code == 200 and "Someone else changed this offer" in stale.content.decode()
    offer.refresh_from_db()
    assert offer.title == "Robotics talk" and offer.version == 2


def test_edit_cannot_drop_below_confirmed_matches(cast: Cast) -> None:
    offer = offer_for(employer_for(cast), sessions=2, learners_per_session=30)
    request_for(locate(cast.ashby), learners=50)
    match_round = matching_services.round_solve(
        match_round=matching_services.round_create(hub=cast.north_hub, name="R")
    )
    matching_services.match_review(match=match_round.matches.get(), action="confirm")
    values = {f: getattr(offer, f) for f in services.OFFER_FIELDS}
    with pytest.raises(services.EmployerError, match="already need 2 sessions"):
        services.offer_update(offer=offer, expected_version=1, **{**values, "sessions": 1})
    assert Offer.objects.get().sessions == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_schools_careers_leader_edits_its_request(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    school_request = request_for(locate(cast.ashby))
    response = client_as(persona).get(reverse("employers:request-edit", args=[school_request.pk]))
    if persona == "careers_leader":
        assert response.status_code == 200 and 'name="version" value="1"' in response.content.decode()
    elif persona == "anonymous":
        assert response.status_code == 302
    elif persona == "other_careers_leader":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


def test_request_edit_and_stale_edit(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    school_request = request_for(locate(cast.ashby))
    client = client_as("careers_leader")
    url = reverse("employers:request-edit", args=[school_request.pk])
    assert client.post(url, request_form(learners="40", version="1")).status_code == 302
    school_request.refresh_from_db()
    assert (school_request.learners, school_request.version) == (40, 2)
    stale = client.post(url, request_form(learners="10", version="1"))
    assert stale.status_code == 200 and "Someone else changed this request" in stale.content.decode()
    school_request.refresh_from_db()
    assert school_request.learners == 40


def test_a_confirmed_request_cannot_be_edited(cast: Cast) -> None:
    offer_for(employer_for(cast))
    school_request = request_for(locate(cast.ashby))
    match_round = matching_services.round_solve(
        match_round=matching_services.round_create(hub=cast.north_hub, name="R")
    )
    matching_services.match_review(match=match_round.matches.get(), action="confirm")
    values = {f: getattr(school_request, f) for f in services.REQUEST_FIELDS}
    with pytest.raises(services.EmployerError, match="confirmed match"):
        services.request_update(school_request=school_request, expected_version=1, **values)
