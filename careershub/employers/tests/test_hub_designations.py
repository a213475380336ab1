"""Hub leads name Cornerstone Employers and link Enterprise Advisers to member institutions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from careershub.employers import services
from careershub.employers.models import EmployerContact
from careershub.employers.tests.factories import employer_for
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db
MANAGERS = {"hub_lead", "national_admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_cornerstone_by_persona(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    response = client_as(persona).post(reverse("employers:cornerstone", args=[employer.pk]), {"cornerstone": "yes"})
    employer.refresh_from_db()
    if persona in MANAGERS:
        assert response.status_code == 302 and employer.is_cornerstone
    else:
        assert not employer.is_cornerstone
        if persona == "anonymous":
            assert response.status_code == 302
        elif persona in ("other_hub_lead", "enterprise_coordinator", "national_analyst", "employer"):
            assert response.status_code in (403, 404)
        else:
            assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_adviser_page_by_persona(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    contact = services.contact_add(employer=employer, full_name="Pat Volunteer", email="pat@employer.example")
    response = client_as(persona).get(reverse("employers:contact-adviser", args=[employer.pk, contact.pk]))
    if persona in MANAGERS:
        assert response.status_code == 200 and "Ashby High School" in response.content.decode()
        assert "Brook College" not in response.content.decode()  # not a member of North Hub
    elif persona == "anonymous":
        assert response.status_code == 302
    elif persona == "other_hub_lead":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


def test_link_an_enterprise_adviser(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    contact = services.contact_add(employer=employer, full_name="Pat Volunteer", email="pat@employer.example")
    url = reverse("employers:contact-adviser", args=[employer.pk, contact.pk])
    assert client_as("hub_lead").post(url, {"institution": cast.ashby.pk}).status_code == 302
    contact = EmployerContact.objects.get(pk=contact.pk)
    assert contact.is_enterprise_adviser and contact.adviser_institution == cast.ashby
    page = client_as("hub_lead").get(reverse("employers:detail", args=[employer.pk])).content.decode()
    assert "Enterprise Adviser to Ashby High School" in page
    with pytest.raises(services.EmployerError, match="not a member"):
        services.contact_set_adviser(contact=contact, institution=cast.brook)
    services.contact_set_adviser(contact=contact, institution=None)
    assert not EmployerContact.objects.get(pk=contact.pk).is_enterprise_adviser
