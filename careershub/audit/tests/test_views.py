from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.hubs import services as hub_services
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

READERS = {"careers_leader", "hub_lead", "other_hub_lead", "other_careers_leader", "national_admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_audit_trail_is_for_leads_and_national_admins(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("audit:list"))
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if persona in READERS else 403)


def test_each_lead_reads_only_their_organisation(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    newcomer = InstitutionFactory.create(name="Juniper Academy")
    hub_services.hub_add_institution(
        hub=cast.north_hub, institution=newcomer, joined_on=datetime.date(2024, 9, 1), actor=cast.hub_lead
    )
    north = client_as("hub_lead").get(reverse("audit:list")).content.decode()
    assert "Juniper Academy joined North Hub" in north
    assert cast.hub_lead.email in north
    assert "joined_on: – → 2024-09-01" in north
    south = client_as("other_hub_lead").get(reverse("audit:list")).content.decode()
    assert "Juniper Academy" not in south
    national = client_as("national_admin").get(reverse("audit:list")).content.decode()
    assert "Juniper Academy joined North Hub" in national
