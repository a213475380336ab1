"""The employer profile: a stale save never overwrites a newer one, and a postcode without
coordinates is located from the postcode reference data (full postcode, else its district)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from careershub.employers import services
from careershub.employers.models import Employer, Offer
from careershub.employers.tests.factories import employer_for
from careershub.employers.tests.test_views import offer_form
from careershub.geography.postcodes import load_file
from conftest import Cast

pytestmark = pytest.mark.django_db

POSTCODES = Path(__file__).resolve().parents[2] / "geography" / "tests" / "data" / "postcodes_onspd_made_up.csv"


@pytest.fixture
def postcodes() -> None:
    load_file(POSTCODES, source="made-up test postcodes")


def profile_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "Trafford Engineering Ltd", "cap_per_term": "3", "postcode": "", "version": ""}
    data.update(overrides)
    return data


# Optimistic version -----------------------------------------------------------------------


def test_a_stale_profile_save_is_refused_and_keeps_the_users_input(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer_for(cast, name="Trafford Engineering Ltd")
    client = client_as("employer")
    url = reverse("employers:profile")
    assert 'name="version" value="1"' in client.get(url).content.decode()

    first = client.post(url, profile_form(name="Trafford Engineering Group", cap_per_term="4", version="1"))
    assert first.status_code == 302
    employer = Employer.objects.get()
    assert (employer.name, employer.cap_per_term, employer.version) == ("Trafford Engineering Group", 4, 2)

    # A second tab opened on version 1 saves later: refused, nothing changed, its input kept.
    stale = client.post(url, profile_form(name="Trafford Old Name", cap_per_term="9", version="1"))
    content = stale.content.decode()
    assert stale.status_code == 200
    assert "Someone else changed this employer profile" in content and "govuk-error-summary" in content
    assert 'value="Trafford Old Name"' in content and 'value="9"' in content
    employer.refresh_from_db()
    assert (employer.name, employer.cap_per_term, employer.version) == ("Trafford Engineering Group", 4, 2)

    # Opened again, on the current version, the change goes through.
    assert 'name="version" value="2"' in client.get(url).content.decode()
    assert client.post(url, profile_form(name="Trafford Old Name", version="2")).status_code == 302
    assert Employer.objects.get().version == 3


def test_a_profile_set_up_meanwhile_is_not_overwritten(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("employer")
    form_without_profile = client.get(reverse("employers:profile")).content.decode()
    assert 'name="version"' in form_without_profile and 'name="version" value=' not in form_without_profile
    employer_for(cast, name="Set up by a colleague")  # a colleague set the profile up in the meantime
    response = client.post(reverse("employers:profile"), profile_form(name="Mine"))
    assert response.status_code == 200 and "Someone else changed this employer profile" in response.content.decode()
    assert Employer.objects.get().name == "Set up by a colleague"


def test_the_service_refuses_a_stale_version(cast: Cast) -> None:
    employer = employer_for(cast)
    with pytest.raises(services.StaleEdit):
        services.employer_save(organisation=cast.employer_org, name="X", expected_version=employer.version + 1)
    with pytest.raises(services.StaleEdit):
        services.employer_save(organisation=cast.employer_org, name="X")  # "no profile yet", but there is one
    saved = services.employer_save(organisation=cast.employer_org, name="X", expected_version=employer.version)
    assert saved.version == employer.version + 1 and saved.name == "X"


# Postcode locations -----------------------------------------------------------------------


@pytest.mark.usefixtures("postcodes")
def test_a_postcode_without_coordinates_is_located(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("employer")
    response = client.post(reverse("employers:profile"), profile_form(postcode="zz11ab"), follow=True)
    assert "Your location was found from your postcode, ZZ1 1AB." in response.content.decode()
    employer = Employer.objects.get()
    assert (employer.postcode, employer.latitude, employer.longitude) == ("ZZ1 1AB", 53.42, -2.32)
    assert employer.location_source == "postcode"
    detail = client.get(reverse("employers:detail", args=[employer.pk])).content.decode()
    assert "53.4200, -2.3200 (located by postcode)" in detail


@pytest.mark.usefixtures("postcodes")
def test_an_unknown_postcode_is_located_by_its_district(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("employer")
    response = client.post(
        reverse("employers:profile"), profile_form(postcode="ZZ1 9QQ", hub=str(cast.north_hub.pk)), follow=True
    )
    assert "You are located by postcode district (the middle of ZZ1)" in response.content.decode()
    employer = Employer.objects.get()
    assert (employer.latitude, employer.longitude) == pytest.approx((53.41, -2.32))
    assert employer.location_source == "outcode"
    for persona in ("employer", "hub_lead"):
        detail = client_as(persona).get(reverse("employers:detail", args=[employer.pk])).content.decode()
        assert "(located by postcode district)" in detail


@pytest.mark.usefixtures("postcodes")
def test_an_unlocated_postcode_leaves_no_location_and_says_so(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("employer")
    response = client.post(reverse("employers:profile"), profile_form(postcode="ZZ7 1AA"), follow=True)
    assert "Your profile has no location, so in-person offers cannot be matched" in response.content.decode()
    employer = Employer.objects.get()
    assert (employer.latitude, employer.longitude, employer.location_source) == (None, None, "")
    detail = client.get(reverse("employers:detail", args=[employer.pk])).content.decode()
    assert "No location: an in-person offer needs a location to be matched in person" in detail
    refused = client.post(reverse("employers:offer-create"), offer_form())
    assert "An in-person offer needs a location to be matched in person" in refused.content.decode()
    assert not Offer.objects.exists()
    assert client.post(reverse("employers:offer-create"), offer_form(delivery="virtual")).status_code == 302


@pytest.mark.usefixtures("postcodes")
def test_typed_coordinates_win_and_a_found_location_is_found_again(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("employer")
    url = reverse("employers:profile")
    client.post(url, profile_form(postcode="ZZ1 1AB", latitude="53.5", longitude="-2.2"))
    employer = Employer.objects.get()
    assert (employer.latitude, employer.longitude, employer.location_source) == (53.5, -2.2, "entered")
    assert 'value="53.5"' in client.get(url).content.decode()  # typed coordinates are offered back

    # Cleared by the user: found from the postcode; then the form does not offer the found
    # coordinates back as typed ones, so a new postcode is located afresh.
    client.post(url, profile_form(postcode="ZZ1 1AB", version="1"))
    employer.refresh_from_db()
    assert (employer.latitude, employer.location_source) == (53.42, "postcode")
    assert 'value="53.42"' not in client.get(url).content.decode()
    client.post(url, profile_form(postcode="ZZ9 1ZZ", version="2"))
    employer.refresh_from_db()
    assert (employer.latitude, employer.longitude, employer.location_source) == (51.5, -0.1, "postcode")


@pytest.mark.usefixtures("postcodes")
def test_an_in_person_offer_is_located_from_the_employers_postcode(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    # Saved before the postcode data was loaded: a postcode and no coordinates.
    employer = employer_for(cast, postcode="ZZ1 9QQ", latitude=None, longitude=None)
    client = client_as("employer")
    assert client.post(reverse("employers:offer-create"), offer_form()).status_code == 302
    offer = Offer.objects.get()
    assert (offer.latitude, offer.longitude) == pytest.approx((53.41, -2.32))
    assert offer.location_source == "outcode"
    for persona in ("employer", "hub_lead", "national_analyst"):
        page = client_as(persona).get(reverse("employers:offer", args=[offer.pk])).content.decode()
        assert "53.4100, -2.3200 (located by postcode district)" in page
    for persona in ("other_hub_lead", "careers_leader", "outsider"):
        assert client_as(persona).get(reverse("employers:offer", args=[offer.pk])).status_code in {403, 404}
    # An edit keeps locating it; a virtual offer has no location.
    values: dict[str, Any] = {f: getattr(offer, f) for f in services.OFFER_FIELDS}
    updated = services.offer_update(offer=offer, expected_version=1, **{**values, "delivery": "virtual"})
    assert (updated.latitude, updated.longitude, updated.location_source) == (None, None, "")
    employer.refresh_from_db()
    assert employer.latitude is None  # the offer does not change the employer's profile


@pytest.mark.parametrize("typed", ["not a postcode", "12345", "M17 1AAA"])
def test_a_profile_postcode_that_is_not_a_postcode_is_refused_beside_the_field(
    client_as, cast: Cast, typed: str
) -> None:  # type: ignore[no-untyped-def]
    response = client_as("employer").post(reverse("employers:profile"), profile_form(postcode=typed))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a UK postcode, like M17 1AA, or leave it blank" in page
    assert 'href="#id_postcode"' in page  # the error summary links to the field
    assert not Employer.objects.exists()


def test_the_service_refuses_a_postcode_that_is_not_one_and_saves_nothing(cast: Cast) -> None:
    with pytest.raises(services.EmployerError) as refused:
        services.employer_save(organisation=cast.employer_org, name="Trafford Engineering Ltd", postcode="nowhere")
    assert refused.value.field == "postcode"
    assert not Employer.objects.exists()
