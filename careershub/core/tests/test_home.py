from __future__ import annotations

import pytest

from conftest import PERSONAS


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_home_needs_sign_in_and_a_membership(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get("/")
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    elif persona == "outsider":
        assert response.status_code == 403
        assert b"You do not have access yet" in response.content
    else:
        assert response.status_code == 200


def test_health_is_public(client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
