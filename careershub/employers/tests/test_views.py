from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.employers.models import Employer, Offer, SchoolRequest
from careershub.employers.tests.factories import (
    LATER,
    SOON,
    TODAY,
    employer_for,
    locate,
    offer_for,
    other_employer,
    request_for,
)
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

PAST = TODAY - datetime.timedelta(days=400)

HUB_AND_NATIONAL = {"hub_lead", "enterprise_coordinator", "other_hub_lead", "national_admin", "national_analyst"}


def expected(persona: str, allowed: set[str], refused: int) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    return 200 if persona in allowed else refused


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


# Employer profile -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_profile_is_for_employer_contacts_only(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("employers:profile"))
    assert response.status_code == expected(persona, {"employer"}, 403)


def test_employer_sets_up_profile_with_sic_section_and_audit(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("employer").post(
        reverse("employers:profile"),
        {
            "name": "Trafford Engineering Ltd",
            "companies_house_number": "0123 4567",
            "sic_code": "28290",
            "size_band": "small",
            "postcode": "m17 1aa",
            "latitude": "53.46",
            "longitude": "-2.31",
            "cap_per_term": "3",
        },
    )
    assert response.status_code == 302
    employer = Employer.objects.get(organisation=cast.employer_org)
    assert (employer.companies_house_number, employer.sic_section, employer.postcode) == ("01234567", "C", "M17 1AA")
    event = AuditEvent.objects.get(object_type="employers.Employer", object_id=str(employer.pk))
    assert event.organisation == cast.employer_org and event.actor == cast.employer


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"companies_house_number": "12345"}, "Companies House number of 8 characters"),
        ({"companies_house_number": "AB123456"}, "Companies House number of 8 characters"),
        ({"sic_code": "99998"}, "SIC 2007 code from the Companies House list"),
        ({"latitude": "53.4"}, "Enter both latitude and longitude"),
        ({"name": ""}, "Enter the name"),
    ],
)
def test_profile_errors(client_as, cast: Cast, data: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    form = {"name": "Trafford Engineering Ltd", "cap_per_term": "3", **data}
    response = client_as("employer").post(reverse("employers:profile"), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Employer.objects.exists()


# Offers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_offer_list_scoping(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    offer_for(employer_for(cast), title="Trafford talk")
    bakery, _ = other_employer(cast)
    offer_for(bakery, title="Bakery visit")
    response = client_as(persona).get(reverse("employers:offers"))
    assert response.status_code == expected(persona, {"employer"} | HUB_AND_NATIONAL, 403)
    if response.status_code == 200:
        content = response.content.decode()
        sees_trafford = persona in {
            "employer",
            "hub_lead",
            "enterprise_coordinator",
            "national_admin",
            "national_analyst",
        }
        assert ("Trafford talk" in content) == sees_trafford
        assert ("Bakery visit" in content) == (persona in {"other_hub_lead", "national_admin", "national_analyst"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_offer_detail_is_a_404_for_other_organisations(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(employer_for(cast))
    allowed = {"employer", "hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
    response = client_as(persona).get(reverse("employers:offer", args=[offer.pk]))
    assert response.status_code == expected(persona, allowed, 404)


def test_another_employer_cannot_see_or_list_our_offer(cast: Cast) -> None:
    offer = offer_for(employer_for(cast), title="Trafford talk")
    _, bakery_user = other_employer(cast)
    client = Client()
    client.force_login(bakery_user)
    assert client.get(reverse("employers:offer", args=[offer.pk])).status_code == 404
    assert "Trafford talk" not in client.get(reverse("employers:offers")).content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_employer_contacts_open_offer_form(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    employer_for(cast)
    response = client_as(persona).get(reverse("employers:offer-create"))
    assert response.status_code == expected(persona, {"employer"}, 403)


def test_offer_form_sends_an_employer_without_profile_to_set_it_up(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("employer").get(reverse("employers:offer-create"))
    assert response.status_code == 302 and response.url == reverse("employers:profile")


def offer_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Factory tour",
        "kind": "workplace_visit",
        "sessions": "2",
        "learners_per_session": "20",
        **date_fields("available_from", SOON),
        **date_fields("available_to", LATER),
        "delivery": "in_person",
        "year_groups": ["10", "9"],
        "sector": "",
    }
    data.update(overrides)
    return data


def test_employer_publishes_an_offer(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    response = client_as("employer").post(reverse("employers:offer-create"), offer_form())
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.employer == employer and offer.year_groups == ["9", "10"] and offer.sector == "C"
    assert (offer.latitude, offer.longitude) == (employer.latitude, employer.longitude)
    assert AuditEvent.objects.filter(object_type="employers.Offer", organisation=cast.employer_org).exists()


@pytest.mark.parametrize(
    ("overrides", "message", "located"),
    [
        ({"sessions": "0"}, "Offer at least 1 session", True),
        ({"learners_per_session": "0"}, "Take at least 1 learner", True),
        (
            {**date_fields("available_from", PAST), **date_fields("available_to", PAST)},
            "The availability window is in the past",
            True,
        ),
        ({}, "An in-person offer needs a location", False),
        ({"year_groups": []}, "Choose at least one year group", True),
    ],
)
def test_invalid_offers_are_refused_clearly(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, overrides: dict[str, object], message: str, located: bool
) -> None:
    employer_for(cast) if located else employer_for(cast, latitude=None, longitude=None)
    response = client_as("employer").post(reverse("employers:offer-create"), offer_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Offer.objects.exists()


# Requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_request_list_scoping(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    request_for(cast.ashby, notes="x")
    request_for(cast.brook, kind="mentoring")
    response = client_as(persona).get(reverse("employers:requests"))
    allowed = {"careers_leader", "senior_leader", "other_careers_leader"} | HUB_AND_NATIONAL
    assert response.status_code == expected(persona, allowed, 403)
    if response.status_code == 200:
        content = response.content.decode()
        north = {
            "careers_leader",
            "senior_leader",
            "hub_lead",
            "enterprise_coordinator",
            "national_admin",
            "national_analyst",
        }
        assert ("Ashby High School" in content) == (persona in north)
        assert ("Brook College" in content) == (
            persona in {"other_careers_leader", "other_hub_lead", "national_admin", "national_analyst"}
        )


@pytest.mark.parametrize("persona", PERSONAS)
def test_request_detail_is_a_404_for_other_organisations(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    school_request = request_for(cast.ashby)
    allowed = {
        "careers_leader",
        "senior_leader",
        "hub_lead",
        "enterprise_coordinator",
        "national_admin",
        "national_analyst",
    }
    response = client_as(persona).get(reverse("employers:request", args=[school_request.pk]))
    assert response.status_code == expected(persona, allowed, 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_careers_leaders_make_requests(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("employers:request-create"))
    assert response.status_code == expected(persona, {"careers_leader", "other_careers_leader"}, 403)


def request_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "talk",
        "year_group": "10",
        "learners": "28",
        **date_fields("window_start", SOON),
        **date_fields("window_end", LATER),
        "sectors": ["C", "F"],
        "delivery": "either",
        "max_travel_km": "15",
    }
    data.update(overrides)
    return data


def test_careers_leader_makes_a_request(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    locate(cast.ashby)
    response = client_as("careers_leader").post(reverse("employers:request-create"), request_form())
    assert response.status_code == 302
    school_request = SchoolRequest.objects.get()
    assert school_request.institution == cast.ashby and school_request.sectors == ["C", "F"]
    assert AuditEvent.objects.filter(object_type="employers.SchoolRequest", actor=cast.careers_leader).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"learners": "0"}, "Ask for at least 1 learner"),
        ({"max_travel_km": "500"}, "100 km or less"),
        ({**date_fields("window_end", PAST)}, "must be on or after its start"),
        ({"delivery": "in_person", "_unlocated": True}, "has no recorded location"),
    ],
)
def test_invalid_requests_are_refused_clearly(
    client_as, cast: Cast, overrides: dict[str, object], message: str
) -> None:  # type: ignore[no-untyped-def]
    if not overrides.pop("_unlocated", False):
        locate(cast.ashby)
    response = client_as("careers_leader").post(reverse("employers:request-create"), request_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SchoolRequest.objects.exists()


def test_senior_leader_cannot_post_a_request(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    locate(cast.ashby)
    assert client_as("senior_leader").post(reverse("employers:request-create"), request_form()).status_code == 403
    assert not SchoolRequest.objects.exists()


# Employer page ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_employer_detail_is_a_404_for_other_organisations(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    allowed = {"employer", "hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
    response = client_as(persona).get(reverse("employers:detail", args=[employer.pk]))
    assert response.status_code == expected(persona, allowed, 404)


# Contacts and compliance ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["employers:contact-add", "employers:compliance-add"])
def test_only_employer_contacts_add_contacts_and_checks(client_as, cast: Cast, persona: str, name: str) -> None:  # type: ignore[no-untyped-def]
    employer_for(cast)
    response = client_as(persona).get(reverse(name))
    assert response.status_code == expected(persona, {"employer"}, 403)


def test_employer_adds_a_contact_and_a_check_with_expiry_warning(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    client = client_as("employer")
    response = client.post(
        reverse("employers:contact-add"), {"full_name": "Priya Shah", "email": "priya@trafford.example"}
    )
    assert response.status_code == 302
    assert employer.contacts.get().full_name == "Priya Shah"
    response = client.post(
        reverse("employers:compliance-add"),
        {
            "kind": "dbs",
            **date_fields("checked_on", TODAY - datetime.timedelta(days=300)),
            **date_fields("expires_on", TODAY + datetime.timedelta(days=20)),
        },
    )
    assert response.status_code == 302
    page = client_as("hub_lead").get(reverse("employers:detail", args=[employer.pk])).content.decode()
    assert "Priya Shah" in page and "DBS check" in page and "Expires soon" in page
    assert AuditEvent.objects.filter(object_type="employers.ComplianceFact").exists()
    # Renewed: the new check replaces the old, which no longer warns.
    client.post(
        reverse("employers:compliance-add"),
        {
            "kind": "dbs",
            **date_fields("checked_on", TODAY),
            **date_fields("expires_on", TODAY + datetime.timedelta(days=1000)),
        },
    )
    page = client_as("hub_lead").get(reverse("employers:detail", args=[employer.pk])).content.decode()
    assert "Expires soon" not in page and page.count("Replaced by a later check") == 1


def test_check_expiring_before_it_was_made_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    response = client_as("employer").post(
        reverse("employers:compliance-add"),
        {"kind": "insurance", **date_fields("checked_on", TODAY), **date_fields("expires_on", PAST)},
    )
    assert response.status_code == 200
    assert "must be on or after the date checked" in response.content.decode()
    assert not employer.compliance_facts.exists()


def test_employer_joins_a_hub_from_the_profile(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("employer").post(
        reverse("employers:profile"),
        {"name": "Trafford Engineering Ltd", "cap_per_term": "2", "hub": str(cast.north_hub.pk)},
    )
    assert response.status_code == 302
    employer = Employer.objects.get()
    assert employer.hub == cast.north_hub and employer.cap_per_term == 2
    assert client_as("hub_lead").get(reverse("employers:detail", args=[employer.pk])).status_code == 200
    assert client_as("other_hub_lead").get(reverse("employers:detail", args=[employer.pk])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_offering_employer_withdraws_an_offer(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(employer_for(cast))
    response = client_as(persona).post(reverse("employers:offer-withdraw", args=[offer.pk]))
    offer.refresh_from_db()
    if persona == "employer":
        assert response.status_code == 302 and offer.status == "withdrawn"
    else:
        readers = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
        assert response.status_code == expected(persona, set(), 403 if persona in readers else 404)
        assert offer.status == "published"


def test_another_employer_cannot_withdraw_our_offer(cast: Cast) -> None:
    offer = offer_for(employer_for(cast))
    _, bakery_user = other_employer(cast)
    client = Client()
    client.force_login(bakery_user)
    assert client.post(reverse("employers:offer-withdraw", args=[offer.pk])).status_code == 404
    offer.refresh_from_db()
    assert offer.status == "published"
