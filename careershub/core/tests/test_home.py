from __future__ import annotations

import re

import pytest
from django.urls import reverse

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


INSTITUTION_NAVIGATION = [
    "Home",
    "Self-evaluation",
    "Careers programme",
    "Learners",
    "Activities",
    "Employer encounters",
    "Careers Hub",
    "Schools and colleges",
]


def _active(html: str) -> list[str]:
    """The texts of the service navigation's active items."""
    found = re.search(r'<nav[^>]*aria-label="Main"[^>]*>(.*?)</nav>', html, re.S)
    assert found is not None
    items = re.findall(r'<li class="govuk-service-navigation__item([^"]*)"[^>]*>(.*?)</li>', found.group(1), re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", text).strip() for classes, text in items if "--active" in classes]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["careers_leader", "senior_leader"])
def test_a_schools_leaders_have_eight_navigation_items_standing_for_their_sections(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    assert _nav_links(client.get("/").content.decode(), "Main") == INSTITUTION_NAVIGATION
    for path, section in [
        ("/", "Home"),
        (reverse("risk:list"), "Learners"),
        (reverse("destinations:leavers"), "Learners"),
        (reverse("activities:coverage"), "Activities"),
        (reverse("matching:responses"), "Employer encounters"),
        (reverse("reviews:index"), "Careers Hub"),
        (reverse("events:list"), "Careers Hub"),
        (reverse("core:careers-hub"), "Careers Hub"),
    ]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert _active(response.content.decode()) == [section], path


HUB_NAVIGATION = [
    "Home",
    "Schools and colleges",
    "Hubs",
    "Employers",
    "Matching",
    "Peer review",
    "Programme templates",
    "Insight",
    "Events",
    "NEET and destinations",
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"])
def test_hub_and_national_staff_have_one_item_for_neet_and_destinations(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    expected = HUB_NAVIGATION + (["GIAS import"] if persona == "national_admin" else [])
    assert _nav_links(client.get("/").content.decode(), "Main") == expected
    # The section's first page, the area NEET picture, links the other two it stands for.
    area = client.get(reverse("neet:index"), follow=True)
    assert area.status_code == 200 and _active(area.content.decode()) == ["NEET and destinations"]
    links = _nav_links(area.content.decode(), "NEET and destinations")
    assert links is not None and links[0].startswith("Leavers&#39; destinations")
    assert any(link.startswith("Risk of NEET indicator") for link in links) == (persona == "hub_lead")
    pages = [reverse("destinations:summary")] + ([reverse("risk:configuration")] if persona == "hub_lead" else [])
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _active(response.content.decode()) == ["NEET and destinations"], path
    assert _active(client.get(reverse("matching:index"), follow=True).content.decode()) == ["Matching"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_careers_hub_page_is_for_a_schools_leaders(client_as, cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("core:careers-hub"))
    if persona in {"careers_leader", "senior_leader", "other_careers_leader"}:
        html = response.content.decode()
        assert response.status_code == 200
        hub = "North Hub" if persona != "other_careers_leader" else "South Hub"
        assert f"is a member of {hub}." in html
        for name in ("reviews:index", "training:list", "funds:institution", "events:list", "insight:index"):
            assert f'href="{reverse(name)}"' in html
    elif persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


@pytest.mark.django_db
def test_careers_hub_page_of_a_school_in_no_hub(client_as, cast) -> None:  # type: ignore[no-untyped-def]
    cast.ashby.hub_memberships.all().delete()
    html = client_as("careers_leader").get(reverse("core:careers-hub")).content.decode()
    assert "Ashby High School is not in a Careers Hub." in html
