"""An in-person offer at a site of its own (a second site, a factory, a ward): the site postcode
is checked and normalised, located from the loaded postcode data (never quietly replaced by the
employer's location), shown on the offer page, and it is where matching places the offer.

The made-up postcode data (geography/tests/data): ZZ1 1AB near Manchester, ZZ9 1ZZ in London;
the ZZ1 district is known but ZZ1 9QQ is not; nothing at all in ZZ7. The employer is at
53.42, -2.35 (Trafford), about 260 km from ZZ9 1ZZ.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.employers import services
from careershub.employers.models import Employer, Offer
from careershub.employers.tests.factories import employer_for, locate, offer_for, request_for
from careershub.employers.tests.test_views import offer_form
from careershub.geography.postcodes import load_file
from careershub.matching import services as matching
from careershub.matching import solver
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

POSTCODES = Path(__file__).resolve().parents[2] / "geography" / "tests" / "data" / "postcodes_onspd_made_up.csv"
LONDON_SITE = (51.5, -0.1)  # ZZ9 1ZZ
NEAR_THE_SITE = (51.52, -0.12)  # about 2.6 km from ZZ9 1ZZ
EMPLOYER = (53.42, -2.35)
OFFER_READERS = {"employer", "hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}


@pytest.fixture
def postcodes() -> None:
    load_file(POSTCODES, source="made-up test postcodes")


def trafford(cast: Cast, **kwargs: Any) -> Employer:
    return employer_for(cast, **{"postcode": "M17 1AA", "location_source": "entered", **kwargs})


def summary_rows(html: str) -> dict[str, str]:
    """The summary list of a page as {key: value}, whitespace collapsed."""
    pairs = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        re.DOTALL,
    )
    return {" ".join(key.split()): " ".join(value.split()) for key, value in pairs}


def field_error(html: str, field: str) -> str:
    """The error message shown beside a field (GOV.UK error message), whitespace collapsed."""
    found = re.search(rf'<p id="id_{field}-error" class="govuk-error-message">(.*?)</p>', html, re.DOTALL)
    assert found, f"no error message on {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# The form ----------------------------------------------------------------------------------


def test_the_form_offers_the_site_postcode_with_the_employers_postcode_as_hint(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    trafford(cast)
    page = client_as("employer").get(reverse("employers:offer-create")).content.decode()
    assert "Site postcode (optional)" in page
    assert "Leave blank if it happens at M17 1AA" in page


def test_without_an_employer_postcode_the_hint_says_your_own_address(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer_for(cast)
    page = client_as("employer").get(reverse("employers:offer-create")).content.decode()
    assert "Leave blank if it happens at your own address" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"site_postcode": "not a postcode"}, "Enter the site postcode as a full UK postcode, like M17 1AA"),
        ({"site_postcode": "ZZ9 1Z"}, "Enter the site postcode as a full UK postcode, like M17 1AA"),
        ({"site_postcode": "zz9"}, "Enter the full site postcode, like ZZ9 1AA, not only its first part"),
        (
            {"site_postcode": "ZZ9 1ZZ", "delivery": "virtual"},
            "A virtual offer has no site: remove the site postcode, or choose in person",
        ),
    ],
)
@pytest.mark.usefixtures("postcodes")
def test_a_bad_site_postcode_is_refused_beside_the_field(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, overrides: dict[str, str], message: str
) -> None:
    trafford(cast)
    response = client_as("employer").post(reverse("employers:offer-create"), offer_form(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "site_postcode") == f"Error: {message}"
    assert 'href="#id_site_postcode"' in html  # the error summary links to the field
    assert not Offer.objects.exists()


@pytest.mark.usefixtures("postcodes")
def test_the_site_postcode_is_normalised_and_located(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = trafford(cast)
    response = client_as("employer").post(
        reverse("employers:offer-create"), offer_form(site_postcode=" zz91zz "), follow=True
    )
    assert "Factory tour is published. Its site was found from its postcode, ZZ9 1ZZ." in response.content.decode()
    offer = Offer.objects.get()
    assert offer.site_postcode == "ZZ9 1ZZ"
    assert (offer.latitude, offer.longitude, offer.location_source) == (*LONDON_SITE, "postcode")
    employer.refresh_from_db()
    assert (employer.latitude, employer.longitude) == EMPLOYER  # the site does not move the employer


def test_the_service_refuses_what_the_form_refuses(cast: Cast) -> None:
    employer = trafford(cast)
    offer = offer_for(employer)
    values: dict[str, Any] = {f: getattr(offer, f) for f in services.OFFER_FIELDS}
    del values["site_postcode"]
    for delivery, site, message in [
        ("virtual", "ZZ9 1ZZ", "A virtual offer has no site"),
        ("in_person", "ZZ9", "Enter the full site postcode"),
        ("in_person", "SW1A 1AA 1", "Enter the site postcode as a full UK postcode"),
    ]:
        with pytest.raises(services.EmployerError, match=message) as refused:
            services.offer_create(employer=employer, **{**values, "delivery": delivery}, site_postcode=site)
        assert refused.value.field == "site_postcode"
        with pytest.raises(services.EmployerError, match=message):
            services.offer_update(
                offer=offer, expected_version=1, **{**values, "delivery": delivery}, site_postcode=site
            )
    assert Offer.objects.get().version == 1


def test_the_database_refuses_a_virtual_offer_with_a_site(cast: Cast) -> None:
    with pytest.raises(IntegrityError):
        offer_for(employer_for(cast), delivery="virtual", latitude=None, longitude=None, site_postcode="ZZ9 1ZZ")


# A site the postcode data does not have --------------------------------------------------------


@pytest.mark.usefixtures("postcodes")
def test_a_site_postcode_that_is_not_in_the_data_is_refused_not_put_at_the_employer(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    trafford(cast)  # the employer has a location: it must not stand in for the site
    response = client_as("employer").post(reverse("employers:offer-create"), offer_form(site_postcode="zz7 1aa"))
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "site_postcode") == (
        "Error: ZZ7 1AA is not in the postcode data this service has loaded, so the site cannot be located for "
        "matching in person. Check the site postcode, or leave it blank if the offer happens at M17 1AA."
    )
    assert 'value="zz7 1aa"' in html  # what was typed is kept
    assert not Offer.objects.exists()


def test_without_any_postcode_data_a_site_cannot_be_located(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer_for(cast)
    response = client_as("employer").post(reverse("employers:offer-create"), offer_form(site_postcode="ZZ9 1ZZ"))
    assert "ZZ9 1ZZ is not in the postcode data this service has loaded" in field_error(
        response.content.decode(), "site_postcode"
    )
    assert "leave it blank if the offer happens at your own address" in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.usefixtures("postcodes")
def test_a_site_postcode_missing_from_a_known_district_is_placed_at_the_district_and_says_so(  # type: ignore[no-untyped-def]
    client_as, cast: Cast
) -> None:
    trafford(cast)
    client = client_as("employer")
    response = client.post(reverse("employers:offer-create"), offer_form(site_postcode="ZZ1 9QQ"), follow=True)
    assert (
        "Its site is located by postcode district (the middle of ZZ1), as ZZ1 9QQ itself is not in the postcode data."
        in response.content.decode()
    )
    offer = Offer.objects.get()
    assert (offer.latitude, offer.longitude) == pytest.approx((53.41, -2.32))
    assert offer.location_source == "outcode"
    rows = summary_rows(client.get(reverse("employers:offer", args=[offer.pk])).content.decode())
    assert rows["Where"] == "ZZ1 9QQ"
    assert rows["Location"] == "53.4100, -2.3200 (located by postcode district)"


@pytest.mark.usefixtures("postcodes")
def test_an_edit_to_an_unknown_site_changes_nothing(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(trafford(cast), location_source="entered")
    response = client_as("employer").post(
        reverse("employers:offer-edit", args=[offer.pk]), offer_form(site_postcode="ZZ7 1AA", version="1")
    )
    assert "ZZ7 1AA is not in the postcode data" in field_error(response.content.decode(), "site_postcode")
    offer.refresh_from_db()
    assert (offer.site_postcode, offer.latitude, offer.longitude, offer.version) == ("", *EMPLOYER, 1)


# Edits keep the optimistic version ------------------------------------------------------------


@pytest.mark.usefixtures("postcodes")
def test_an_edit_moves_the_offer_to_its_site_and_back_and_a_stale_edit_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(trafford(cast), location_source="entered")
    client = client_as("employer")
    url = reverse("employers:offer-edit", args=[offer.pk])

    moved = client.post(url, offer_form(site_postcode="zz9 1zz", version="1"), follow=True)
    assert "Factory tour has been updated. Its site was found from its postcode, ZZ9 1ZZ." in moved.content.decode()
    offer.refresh_from_db()
    assert (offer.site_postcode, offer.latitude, offer.longitude, offer.version) == ("ZZ9 1ZZ", *LONDON_SITE, 2)
    event = AuditEvent.objects.filter(object_type="employers.Offer", action="update").latest("pk")
    assert event.changes["site_postcode"] == ["", "ZZ9 1ZZ"]

    # The form opens on the site and the current version.
    form = client.get(url).content.decode()
    assert 'value="ZZ9 1ZZ"' in form and 'name="version" value="2"' in form

    # A second tab opened on version 1 saves later: refused, the site stays.
    stale = client.post(url, offer_form(site_postcode="ZZ1 1AB", version="1"))
    assert stale.status_code == 200 and "Someone else changed this offer" in stale.content.decode()
    offer.refresh_from_db()
    assert (offer.site_postcode, offer.latitude, offer.version) == ("ZZ9 1ZZ", LONDON_SITE[0], 2)

    # Cleared: back at the employer's location.
    assert client.post(url, offer_form(site_postcode="", version="2")).status_code == 302
    offer.refresh_from_db()
    assert (offer.site_postcode, offer.latitude, offer.longitude, offer.location_source) == ("", *EMPLOYER, "entered")


# The offer page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employer_values", "offer_values", "where"),
    [
        ({}, {"site_postcode": "ZZ9 1ZZ", "latitude": 51.5, "longitude": -0.1}, "ZZ9 1ZZ"),
        ({}, {}, "At Trafford Engineering Ltd (M17 1AA)"),
        ({"postcode": ""}, {}, "At Trafford Engineering Ltd"),
        ({}, {"delivery": "virtual", "latitude": None, "longitude": None}, "Virtual"),
    ],
)
def test_the_offer_page_says_where(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, employer_values: dict[str, Any], offer_values: dict[str, Any], where: str
) -> None:
    offer = offer_for(trafford(cast, **employer_values), **offer_values)
    rows = summary_rows(client_as("employer").get(reverse("employers:offer", args=[offer.pk])).content.decode())
    assert rows["Where"] == where


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_an_offer_at_a_site_is_unchanged(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    offer = offer_for(trafford(cast), site_postcode="ZZ9 1ZZ", latitude=51.5, longitude=-0.1)
    client = client_as(persona)
    detail = client.get(reverse("employers:offer", args=[offer.pk]))
    edit = client.get(reverse("employers:offer-edit", args=[offer.pk]))
    if persona == "anonymous":
        assert (detail.status_code, edit.status_code) == (302, 302)
    elif persona == "outsider":
        assert (detail.status_code, edit.status_code) == (403, 403)
    elif persona in OFFER_READERS:
        assert detail.status_code == 200
        assert summary_rows(detail.content.decode())["Where"] == "ZZ9 1ZZ"
        assert edit.status_code == (200 if persona == "employer" else 403)
    else:
        assert detail.status_code == 404
        assert edit.status_code == 403


# Matching ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("postcodes")
def test_matching_places_the_offer_at_its_site(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    trafford(cast)
    # Ashby asks for a workplace visit and is near the London site, 260 km from the employer.
    school_request = request_for(locate(cast.ashby, *NEAR_THE_SITE), kind="workplace_visit", max_travel_km=10)
    client_as("employer").post(reverse("employers:offer-create"), offer_form(site_postcode="ZZ9 1ZZ"))
    offer = Offer.objects.get()

    instance = matching.build_instance(
        hub=cast.north_hub,
        requests=matching.hub_requests(cast.north_hub, school_request.window_start),
        offers=matching.hub_offers(cast.north_hub, school_request.window_start),
    )
    (spec,) = instance.offers
    assert (spec.latitude, spec.longitude) == LONDON_SITE
    found = solver.candidates(instance)
    pairs = {
        (instance.requests[r].key, instance.offers[o].key) for r, o in zip(found.request, found.offer, strict=True)
    }
    assert pairs == {(school_request.pk, offer.pk)}
    assert list(found.travel) == [3]  # km to the site, not to the employer

    match_round = matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Autumn"))
    match = match_round.matches.get()
    assert (match.request_id, match.offer_id) == (school_request.pk, offer.pk)
    matching.match_review(match=match, action="confirm")
    assert "It takes place at the employer's site at ZZ9 1ZZ." in mail.outbox[0].body


def test_a_school_near_the_employer_but_far_from_the_site_is_not_matched(cast: Cast) -> None:
    employer = trafford(cast)
    request_for(locate(cast.ashby, 53.43, -2.33), max_travel_km=20)  # 1.5 km from the employer
    offer_for(employer, site_postcode="ZZ9 1ZZ", latitude=51.5, longitude=-0.1)
    match_round = matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Autumn"))
    assert not match_round.matches.exists()
    # The same offer without a site is matched: it is the site that keeps them apart.
    Offer.objects.update(site_postcode="", latitude=EMPLOYER[0], longitude=EMPLOYER[1])
    match_round = matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Spring"))
    assert match_round.matches.count() == 1
