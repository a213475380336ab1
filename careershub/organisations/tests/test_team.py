from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from careershub.accounts.models import User
from careershub.audit.models import AuditEvent
from careershub.organisations.models import Membership, Role
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db
LEADS = {"careers_leader", "other_careers_leader", "hub_lead", "other_hub_lead", "national_admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_people_page_lists_only_own_organisation(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("organisations:team"))
    if persona == "anonymous":
        assert response.status_code == 302
        return
    if persona == "outsider":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    content = response.content.decode()
    assert ("leader@ashby.example" in content) == (persona in {"careers_leader", "senior_leader"})
    assert ("Add a person" in content) == (persona in LEADS)


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"anonymous", "outsider"}))
def test_only_leads_add_people(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("organisations:team-invite"))
    assert response.status_code == (200 if persona in LEADS else 403)


def test_careers_leader_invites_a_colleague_who_sets_a_password(
    client_as, cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("careers_leader").post(
            reverse("organisations:team-invite"),
            {"full_name": "Priya Shah", "email": "Priya.Shah@Ashby.example", "role": Role.SENIOR_LEADER},
        )
    assert response.status_code == 302
    user = User.objects.get(email="priya.shah@ashby.example")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).organisation == cast.ashby.organisation
    assert AuditEvent.objects.filter(object_type="organisations.Membership", actor=cast.careers_leader).exists()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/account/password-reset/\S+/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    client = Client()
    page = client.get(link.group(1), follow=True)
    assert "Set a new password" in page.content.decode()


def test_roles_offered_fit_the_organisation(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(
        reverse("organisations:team-invite"), {"full_name": "X Y", "email": "x@y.example", "role": Role.HUB_LEAD}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "Choose a role" in response.content.decode()
    assert not User.objects.filter(email="x@y.example").exists()


def test_another_organisations_membership_is_404(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    other = cast.other_careers_leader.memberships.get()
    assert client_as("careers_leader").get(reverse("organisations:team-remove", args=[other.pk])).status_code == 404
    assert client_as("careers_leader").post(reverse("organisations:team-remove", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.ended_at is None


def test_last_lead_cannot_be_removed_but_others_can(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    own = cast.careers_leader.memberships.get()
    response = client_as("careers_leader").post(reverse("organisations:team-remove", args=[own.pk]))
    assert "the only careers leader" in response.content.decode()
    senior = cast.senior_leader.memberships.get()
    response = client_as("careers_leader").post(reverse("organisations:team-remove", args=[senior.pk]))
    assert response.status_code == 302
    assert client_as("senior_leader").get(reverse("core:home")).status_code == 403
