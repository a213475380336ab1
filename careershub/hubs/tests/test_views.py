from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from markupsafe import escape

from careershub.audit.models import AuditEvent
from careershub.hubs.models import CoordinatorAssignment, HubMembership
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

HUB_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
HUB_MANAGERS = {"hub_lead", "national_admin"}


def expected_status(persona: str, allowed: set[str], refused_status: int = 404) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    return 200 if persona in allowed else refused_status


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_list_is_for_hub_and_national_staff(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("hubs:list"))
    allowed = HUB_READERS | {"other_hub_lead"}
    assert response.status_code == expected_status(persona, allowed, refused_status=403)


def test_hub_list_shows_only_own_hub_to_a_hub_lead(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    content = client_as("hub_lead").get(reverse("hubs:list")).content.decode()
    assert "North Hub" in content
    assert "South Hub" not in content
    national = client_as("national_analyst").get(reverse("hubs:list")).content.decode()
    assert "North Hub" in national and "South Hub" in national


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_detail_is_a_404_for_other_organisations(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("hubs:detail", args=[cast.north_hub.pk]))
    assert response.status_code == expected_status(persona, HUB_READERS)
    if response.status_code == 200:
        assert "Ashby High School" in response.content.decode()
        assert "Brook College" not in response.content.decode()


def test_hub_detail_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(30):
        HubMembership.objects.create(
            hub=cast.north_hub,
            institution=InstitutionFactory.create(urn=700000 + n),
            joined_on=datetime.date(2020, 1, 1),
        )
    client = client_as("hub_lead")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("hubs:detail", args=[cast.north_hub.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_managers_can_open_add_member(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("hubs:add-institution", args=[cast.north_hub.pk]))
    if persona in HUB_MANAGERS:
        assert response.status_code == 200
    elif persona in {"enterprise_coordinator", "national_analyst"}:
        assert response.status_code == 403
    else:
        assert response.status_code == expected_status(persona, set())


def test_hub_lead_adds_an_institution_and_it_is_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    newcomer = InstitutionFactory.create(name="Cedar School", urn=123456)
    response = client_as("hub_lead").post(
        reverse("hubs:add-institution", args=[cast.north_hub.pk]),
        {"urn": "123456", "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2024"},
    )
    assert response.status_code == 302
    membership = HubMembership.objects.get(institution=newcomer)
    assert membership.hub == cast.north_hub and membership.joined_on == datetime.date(2024, 9, 1)
    event = AuditEvent.objects.get(object_type="hubs.HubMembership", object_id=str(membership.pk))
    assert event.actor == cast.hub_lead
    assert event.organisation == cast.north_hub.organisation
    assert event.changes["joined_on"] == [None, "2024-09-01"]


def test_adding_a_member_of_another_hub_is_refused_clearly(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("hub_lead").post(
        reverse("hubs:add-institution", args=[cast.north_hub.pk]),
        {"urn": str(cast.brook.urn), "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2024"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Brook College is a member of South Hub" in content
    assert "Error:" in content  # page title marks the error
    assert HubMembership.objects.filter(institution=cast.brook, left_on__isnull=True).get().hub == cast.south_hub


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"urn": "", "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2024"}, "Enter the URN"),
        ({"urn": "abc", "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2024"}, "must be a number"),
        ({"urn": "999999", "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2024"}, "no school"),
        ({"urn": "800001", "joined_on-day": "31", "joined_on-month": "2", "joined_on-year": "2024"}, "real date"),
        ({"urn": "800001", "joined_on-day": "", "joined_on-month": "2", "joined_on-year": "2024"}, "include a day"),
        ({"urn": "800001"}, "Enter date it joined"),
    ],
)
def test_add_member_errors_name_the_field(client_as, cast: Cast, data: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    before = HubMembership.objects.count()
    response = client_as("hub_lead").post(reverse("hubs:add-institution", args=[cast.north_hub.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="govuk-error-summary"' in response.content.decode()
    assert HubMembership.objects.count() == before


def test_hub_lead_cannot_manage_another_hub(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("other_hub_lead").post(
        reverse("hubs:add-institution", args=[cast.north_hub.pk]),
        {"urn": "800001", "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2024"},
    )
    assert response.status_code == 404


def test_recording_leaving_keeps_history(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    membership = HubMembership.objects.get(institution=cast.ashby)
    url = reverse("hubs:remove-institution", args=[cast.north_hub.pk, membership.pk])
    too_early = client_as("hub_lead").post(url, {"left_on-day": "1", "left_on-month": "1", "left_on-year": "2010"})
    assert "on or after the date it joined" in too_early.content.decode()
    response = client_as("hub_lead").post(url, {"left_on-day": "31", "left_on-month": "8", "left_on-year": "2025"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == datetime.date(2025, 8, 31)
    page = client_as("hub_lead").get(reverse("hubs:detail", args=[cast.north_hub.pk])).content.decode()
    assert "Former members" in page
    # A former member can join another hub afterwards.
    rejoin = client_as("other_hub_lead").post(
        reverse("hubs:add-institution", args=[cast.south_hub.pk]),
        {"urn": str(cast.ashby.urn), "joined_on-day": "1", "joined_on-month": "9", "joined_on-year": "2025"},
    )
    assert rejoin.status_code == 302
    assert HubMembership.objects.filter(institution=cast.ashby).count() == 2


def test_enterprise_coordinator_can_be_assigned(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    coordinator_membership = cast.enterprise_coordinator.memberships.get()
    response = client_as("hub_lead").post(
        reverse("hubs:assign-coordinator", args=[cast.north_hub.pk]),
        {"institution": str(cast.ashby.pk), "coordinator": str(coordinator_membership.pk)},
    )
    assert response.status_code == 302
    assignment = CoordinatorAssignment.objects.get(institution=cast.ashby)
    assert assignment.coordinator == cast.enterprise_coordinator
    page = client_as("enterprise_coordinator").get(reverse("hubs:detail", args=[cast.north_hub.pk])).content.decode()
    assert escape(cast.enterprise_coordinator.full_name) in page  # a name such as O'Neill is escaped


def test_coordinator_choices_exclude_other_hubs_schools(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    coordinator_membership = cast.enterprise_coordinator.memberships.get()
    response = client_as("hub_lead").post(
        reverse("hubs:assign-coordinator", args=[cast.north_hub.pk]),
        {"institution": str(cast.brook.pk), "coordinator": str(coordinator_membership.pk)},
    )
    assert response.status_code == 200
    assert "Choose a school or college" in response.content.decode()
    assert not CoordinatorAssignment.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_national_admin_creates_hubs(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("hubs:create"))
    assert response.status_code == expected_status(persona, {"national_admin"}, refused_status=403)


def test_national_admin_creates_a_hub(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("national_admin").post(
        reverse("hubs:create"),
        {
            "name": "  West   Hub ",
            "lead_body": "West Combined Authority",
            "lead_body_kind": "combined_authority",
            "wave": "3",
            "launched_on-day": "1",
            "launched_on-month": "6",
            "launched_on-year": "2020",
        },
    )
    assert response.status_code == 302
    duplicate = client_as("national_admin").post(
        reverse("hubs:create"),
        {"name": "west hub", "lead_body": "X", "lead_body_kind": "other", "wave": "3"},
    )
    assert "There is already a hub called west hub" in duplicate.content.decode()
