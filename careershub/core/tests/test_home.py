from __future__ import annotations

import re

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


def _nav_links(html: str, label: str) -> list[str] | None:
    """The link texts of the <nav> with this aria-label, or None when the page has none."""
    found = re.search(rf'<nav[^>]*aria-label="{label}"[^>]*>(.*?)</nav>', html, re.S)
    if found is None:
        return None
    return [
        re.sub(r"<[^>]+>|\s+", " ", text).strip() for text in re.findall(r"<a[^>]*>(.*?)</a>", found.group(1), re.S)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["careers_leader", "senior_leader", "hub_lead", "employer", "national_analyst"])
def test_organisation_links_sit_beside_the_organisation_not_in_the_service_navigation(  # type: ignore[no-untyped-def]
    client_as, persona: str
) -> None:
    html = client_as(persona).get("/").content.decode()
    own, main = _nav_links(html, "Your organisation"), _nav_links(html, "Main")
    assert own is not None and main is not None
    bar = html[html.index('class="app-organisation-bar"') : html.index('aria-label="Main"')]
    assert 'aria-label="Your organisation"' in bar
    assert "People" in own
    assert ("Audit trail" in own) == (persona in {"careers_leader", "hub_lead"})
    assert "Home" in main and not set(main) & {"People", "Audit trail", "Switch organisation"}
