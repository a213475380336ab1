"""National rounds: the national team allocates every hub's requests to every hub's offers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from careershub.employers.tests.factories import employer_for, locate, offer_for, other_employer, request_for
from careershub.matching import services
from careershub.matching.models import HubSectorPriorities, MatchRound, MatchStatus
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hubs(cast: Cast) -> None:
    """A request and an offer in each hub; each hub has its own priority sector."""
    offer_for(employer_for(cast), sector="C")
    south_employer, _ = other_employer(cast)
    south_employer.sic_section = "F"
    south_employer.save()
    offer_for(south_employer, title="Bakery talk", sector="F", latitude=53.48, longitude=-2.29)
    request_for(locate(cast.ashby), sectors=[])
    request_for(locate(cast.brook, 53.47, -2.28), sectors=[])
    HubSectorPriorities.objects.create(hub=cast.north_hub, sectors=["C"])
    HubSectorPriorities.objects.create(hub=cast.south_hub, sectors=["F"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_national_admins_run_national_rounds(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, two_hubs: None, persona: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(persona).post(reverse("matching:national-round-create"))
    if persona == "national_admin":
        assert response.status_code == 302
        match_round = MatchRound.objects.get()
        assert match_round.hub is None and match_round.matches.count() == 2
    else:
        assert response.status_code == (302 if persona == "anonymous" else 403)
        assert not MatchRound.objects.exists()


def test_national_round_scores_each_request_on_its_own_hub_priorities(cast: Cast, two_hubs: None) -> None:
    match_round = services.round_solve(match_round=services.round_create(hub=None, name="National"))
    terms = {
        m.request.institution.name: (m.offer.sector, m.terms["priority_sector"]) for m in match_round.matches.all()
    }
    # Each school gets the offer in its own hub's priority sector, scored as such.
    assert terms == {"Ashby High School": ("C", 20), "Brook College": ("F", 20)}
    # A hub round afterwards leaves out the requests a national match confirmed.
    first = match_round.matches.first()
    assert first is not None
    services.match_review(match=first, action="confirm")
    hub = first.request.institution.hub_memberships.get().hub
    hub_round = services.round_solve(match_round=services.round_create(hub=hub, name="Hub"))
    assert not hub_round.matches.filter(request=first.request).exists()
    first.refresh_from_db()
    assert first.status == MatchStatus.CONFIRMED


@pytest.mark.parametrize("persona", PERSONAS)
def test_national_round_page_by_persona(client_as, cast: Cast, two_hubs: None, persona: str) -> None:  # type: ignore[no-untyped-def]
    match_round = services.round_solve(match_round=services.round_create(hub=None, name="National"))
    response = client_as(persona).get(reverse("matching:round", args=[match_round.pk]))
    if persona in ("national_admin", "national_analyst"):
        content = response.content.decode()
        assert response.status_code == 200 and "National round across every Careers Hub" in content
        assert ("Solve again" in content) == (persona == "national_admin")
    elif persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code in (403, 404)
    index = client_as(persona).get(reverse("matching:index"))
    if persona == "national_admin":
        assert "Run a national matching round" in index.content.decode()
    if persona in ("national_admin", "national_analyst"):
        assert "National</a>: Solved, 2 requests matched (0 confirmed), 0 not matched" in index.content.decode()
