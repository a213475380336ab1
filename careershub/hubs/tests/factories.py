from __future__ import annotations

import datetime

import factory

from careershub.hubs.models import Hub, HubMembership, LeadBodyKind
from careershub.institutions.tests.factories import InstitutionFactory
from careershub.organisations.models import OrganisationKind
from careershub.organisations.tests.factories import OrganisationFactory


class HubFactory(factory.django.DjangoModelFactory[Hub]):
    class Meta:
        model = Hub

    name = factory.Sequence(lambda n: f"Test Careers Hub {n}")
    organisation = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.HUB, name=factory.SelfAttribute("..name")
    )
    lead_body = "Test Combined Authority"
    lead_body_kind = LeadBodyKind.COMBINED_AUTHORITY
    wave = 1
    launched_on = datetime.date(2018, 9, 1)


class HubMembershipFactory(factory.django.DjangoModelFactory[HubMembership]):
    class Meta:
        model = HubMembership

    hub = factory.SubFactory(HubFactory)
    institution = factory.SubFactory(InstitutionFactory)
    joined_on = datetime.date(2019, 9, 1)
