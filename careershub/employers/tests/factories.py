"""Test data for employers, offers and requests around the shared persona cast."""

from __future__ import annotations

import datetime
from typing import Any

from careershub.employers.models import Employer, Offer, SchoolRequest
from careershub.institutions.models import Institution
from careershub.organisations.models import Organisation, OrganisationKind, Role
from careershub.organisations.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from conftest import Cast

TODAY = datetime.date.today()
SOON = TODAY + datetime.timedelta(days=10)
LATER = TODAY + datetime.timedelta(days=60)


def employer_for(cast: Cast, **kwargs: Any) -> Employer:
    values: dict[str, Any] = {
        "organisation": cast.employer_org,
        "name": cast.employer_org.name,
        "sic_code": "28290",
        "sic_section": "C",
        "latitude": 53.42,
        "longitude": -2.35,
        "hub": cast.north_hub,
        "cap_per_term": 5,
    }
    values.update(kwargs)
    return Employer.objects.create(**values)


def other_employer(cast: Cast) -> tuple[Employer, Any]:
    """A second employer (in South Hub) with its own contact."""
    organisation: Organisation = OrganisationFactory.create(name="Salford Bakery", kind=OrganisationKind.EMPLOYER)
    user = UserFactory.create(email="contact@bakery.example")
    MembershipFactory.create(user=user, organisation=organisation, role=Role.EMPLOYER_CONTACT)
    employer = Employer.objects.create(
        organisation=organisation, name="Salford Bakery", latitude=53.48, longitude=-2.29, hub=cast.south_hub
    )
    return employer, user


def offer_for(employer: Employer, **kwargs: Any) -> Offer:
    values: dict[str, Any] = {
        "employer": employer,
        "title": "Engineering talk",
        "kind": "talk",
        "sessions": 2,
        "learners_per_session": 30,
        "available_from": SOON,
        "available_to": LATER,
        "delivery": "in_person",
        "latitude": employer.latitude,
        "longitude": employer.longitude,
        "year_groups": ["9", "10"],
        "sector": "C",
    }
    values.update(kwargs)
    return Offer.objects.create(**values)


def locate(institution: Institution, latitude: float = 53.43, longitude: float = -2.33) -> Institution:
    institution.latitude, institution.longitude = latitude, longitude
    institution.save()
    return institution


def request_for(institution: Institution, **kwargs: Any) -> SchoolRequest:
    values: dict[str, Any] = {
        "institution": institution,
        "kind": "talk",
        "year_group": "10",
        "learners": 25,
        "window_start": SOON,
        "window_end": LATER,
        "delivery": "either",
        "max_travel_km": 20,
        "sectors": ["C"],
    }
    values.update(kwargs)
    return SchoolRequest.objects.create(**values)
