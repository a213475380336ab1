from __future__ import annotations

import pytest
from django.urls import reverse

from careershub.organisations.models import Role
from careershub.organisations.services import MembershipError, member_add
from conftest import Cast

pytestmark = pytest.mark.django_db


def test_a_user_with_two_memberships_switches(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    assert cast.brook.organisation is not None
    second = member_add(user=cast.careers_leader, organisation=cast.brook.organisation, role=Role.CAREERS_LEADER)
    client = client_as("careers_leader")
    home = client.get(reverse("core:home")).content.decode()
    assert "Switch organisation" in home
    response = client.post(reverse("organisations:switch"), {"membership": str(second.pk)})
    assert response.status_code == 302
    home = client.get(reverse("core:home")).content.decode()
    assert "Brook College is a member of South Hub" in home


def test_switching_to_someone_elses_membership_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    others = cast.other_careers_leader.memberships.get()
    response = client_as("careers_leader").post(reverse("organisations:switch"), {"membership": str(others.pk)})
    assert response.status_code == 200
    assert "Choose an organisation" in response.content.decode()
    home = client_as("careers_leader").get(reverse("core:home")).content.decode()
    assert "Ashby High School is a member of North Hub" in home


def test_switch_page_needs_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(reverse("organisations:switch")).status_code == 302


def test_roles_must_fit_the_organisation_kind(cast: Cast) -> None:
    with pytest.raises(MembershipError, match="hub lead must belong to a careers hub"):
        member_add(user=cast.outsider, organisation=cast.national, role=Role.HUB_LEAD)
