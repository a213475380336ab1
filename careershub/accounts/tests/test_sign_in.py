from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import Cast

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_sign_in_and_out(cast: Cast) -> None:
    client = Client()
    response = client.post(reverse("accounts:sign-in"), {"username": "Leader@Ashby.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert client.post(reverse("accounts:sign-out")).status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_wrong_password_shows_an_error_summary(cast: Cast) -> None:
    response = Client().post(reverse("accounts:sign-in"), {"username": "leader@ashby.example", "password": "nope"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "Enter a correct email address and password" in content
    assert "<title>Error: Sign in" in content


def test_lock_out_after_repeated_failures(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:sign-in"), {"username": "leader@ashby.example", "password": "wrong"})
    locked = client.post(reverse("accounts:sign-in"), {"username": "leader@ashby.example", "password": PASSWORD})
    assert locked.status_code in {403, 429}
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert client.get(reverse("core:home")).status_code == 302


def test_password_reset_by_email(cast: Cast) -> None:
    client = Client()
    response = client.post(reverse("accounts:password-reset"), {"email": "leader@ashby.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/account/password-reset/\S+/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert "Set a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-42", "new_password2": "a-new-long-password-42"},
    )
    assert done.status_code == 302
    again = Client().post(
        reverse("accounts:sign-in"), {"username": "leader@ashby.example", "password": "a-new-long-password-42"}
    )
    assert again.status_code == 302


def test_reset_for_unknown_address_reveals_nothing(db: None) -> None:
    response = Client().post(reverse("accounts:password-reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If that address has an account" in response.content.decode()
    assert mail.outbox == []


def test_passwords_are_hashed_with_argon2_in_production_settings() -> None:
    from careershub import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("persona", ["anonymous", "careers_leader", "outsider"])
def test_sign_in_page_is_public(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("accounts:sign-in"))
    # Signed-in users are sent on to the home page.
    assert response.status_code == (200 if persona == "anonymous" else 302)
