from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from markupsafe import escape

from careershub.hubs.models import CoordinatorAssignment
from careershub.institutions.models import EstablishmentStatus, InstitutionKind
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

MEMBERS = set(PERSONAS) - {"outsider", "anonymous"}


def expected(persona: str) -> int:
    return {"anonymous": 302, "outsider": 403}.get(persona, 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_directory_is_for_every_member(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("institutions:list"))
    assert response.status_code == expected(persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_profile_is_for_every_member(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("institutions:detail", args=[cast.ashby.urn]))
    assert response.status_code == expected(persona)


def test_unknown_urn_is_404(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    assert client_as("careers_leader").get(reverse("institutions:detail", args=[123])).status_code == 404


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "ashby"}, True),
        ({"q": "800001"}, True),
        ({"q": "m33"}, True),
        ({"q": "M33 3AB"}, True),
        ({"q": "Trafford"}, True),
        ({"q": "nowhere at all"}, False),
        ({"kind": "special_school"}, False),
        ({"kind": "mainstream_school"}, True),
        ({"phase": "Secondary"}, True),
        ({"la": "358"}, True),
        ({"la": "999"}, True),  # an unknown filter value is ignored, not an error
    ],
)
def test_search_and_filters(client_as, cast: Cast, query: dict[str, str], found: bool) -> None:  # type: ignore[no-untyped-def]
    content = client_as("national_analyst").get(reverse("institutions:list"), query).content.decode()
    assert ("Ashby High School" in content) is found


def test_filter_by_hub(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    content = (
        client_as("national_analyst").get(reverse("institutions:list"), {"hub": cast.south_hub.pk}).content.decode()
    )
    assert "Brook College" in content and "Ashby High School" not in content


def test_closed_institutions_only_on_request(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    InstitutionFactory.create(name="Old Grammar School", status=EstablishmentStatus.CLOSED)
    client = client_as("careers_leader")
    assert "Old Grammar School" not in client.get(reverse("institutions:list")).content.decode()
    shown = client.get(reverse("institutions:list"), {"include_closed": "on"}).content.decode()
    assert "Old Grammar School" in shown


def test_pagination_keeps_the_search(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(60):
        InstitutionFactory.create(name=f"Willow School {n:02d}", kind=InstitutionKind.SPECIAL_SCHOOL)
    client = client_as("hub_lead")
    with django_assert_max_num_queries(12):
        first = client.get(reverse("institutions:list"), {"q": "willow"})
    content = first.content.decode()
    assert "60 results" in content
    assert "q=willow&amp;page=2" in content
    second = client.get(reverse("institutions:list"), {"q": "willow", "page": "3"}).content.decode()
    assert "Willow School 59" in second


def test_partnership_details_are_scoped(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    CoordinatorAssignment.objects.create(
        hub=cast.north_hub,
        coordinator=cast.enterprise_coordinator,
        institution=cast.ashby,
        assigned_on=datetime.date(2024, 1, 1),
    )
    url = reverse("institutions:detail", args=[cast.ashby.urn])
    for persona in ("careers_leader", "hub_lead", "enterprise_coordinator", "national_analyst"):
        content = client_as(persona).get(url).content.decode()
        assert "Hub membership history" in content, persona
        assert escape(cast.enterprise_coordinator.full_name) in content, persona
    for persona in ("other_careers_leader", "other_hub_lead", "employer"):
        content = client_as(persona).get(url).content.decode()
        assert "Member of" in content and "North Hub" in content, persona  # public fact
        assert "Hub membership history" not in content, persona
        assert escape(cast.enterprise_coordinator.full_name) not in content, persona
        assert reverse("hubs:detail", args=[cast.north_hub.pk]) not in content, persona
