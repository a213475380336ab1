"""The fixed cast of personas every view test uses.

- careers_leader / senior_leader: Ashby High School, a member of North Hub
- other_careers_leader: Brook College, a member of South Hub
- hub_lead / enterprise_coordinator: North Hub;  other_hub_lead: South Hub
- national_admin / national_analyst: the national team
- employer: an employer contact
- participation_officer: Trafford Council's participation officer (Ashby is in Trafford, Brook in Manchester)
- outsider: a signed-in account with no membership
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client

from careershub.accounts.models import User
from careershub.geography.tests.factories import LocalAuthorityFactory, RegionFactory
from careershub.hubs.models import Hub
from careershub.hubs.tests.factories import HubFactory, HubMembershipFactory
from careershub.institutions.models import Institution
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.organisations.models import Organisation, OrganisationKind, Role
from careershub.organisations.tests.factories import MembershipFactory, NewUserFactory, OrganisationFactory

#: Fixtures through which a test reaches the database (pytest-django's); a test using none of
#: them, and not marked `django_db`, cannot touch it (pytest-django refuses).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only tests that use the database (CI's second pass, on PostgreSQL: the others "
        "ran on SQLite just before and do not depend on the database)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        uses = item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@dataclass
class Cast:
    national: Organisation
    employer_org: Organisation
    north_hub: Hub
    south_hub: Hub
    ashby: Institution
    brook: Institution
    careers_leader: User
    senior_leader: User
    other_careers_leader: User
    hub_lead: User
    enterprise_coordinator: User
    other_hub_lead: User
    national_admin: User
    national_analyst: User
    employer: User
    participation_officer: User
    outsider: User
    local_authority_org: Organisation

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = [
    "careers_leader",
    "senior_leader",
    "other_careers_leader",
    "hub_lead",
    "enterprise_coordinator",
    "other_hub_lead",
    "national_admin",
    "national_analyst",
    "employer",
    "participation_officer",
    "outsider",
    "anonymous",
]


@pytest.fixture
def cast(db: None) -> Cast:
    national = OrganisationFactory.create(name="National team", kind=OrganisationKind.NATIONAL)
    employer_org = OrganisationFactory.create(name="Trafford Engineering Ltd", kind=OrganisationKind.EMPLOYER)
    north_hub = HubFactory.create(name="North Hub")
    south_hub = HubFactory.create(name="South Hub")
    # Real reference data when present; transactional (browser) tests flush it, so fall back.
    north_west = RegionFactory.create(gss_code="E12000002", name="North West")
    trafford = LocalAuthorityFactory.create(dfe_code="358", gss_code="E08000009", name="Trafford", region=north_west)
    manchester = LocalAuthorityFactory.create(
        dfe_code="352", gss_code="E08000003", name="Manchester", region=north_west
    )
    local_authority_org = OrganisationFactory.create(
        name="Trafford Council", kind=OrganisationKind.LOCAL_AUTHORITY, local_authority=trafford
    )
    ashby = InstitutionWithOrganisationFactory.create(name="Ashby High School", urn=800001, local_authority=trafford)
    brook = InstitutionWithOrganisationFactory.create(name="Brook College", urn=800002, local_authority=manchester)
    HubMembershipFactory.create(hub=north_hub, institution=ashby, joined_on=datetime.date(2018, 9, 1))
    HubMembershipFactory.create(hub=south_hub, institution=brook, joined_on=datetime.date(2019, 9, 1))

    def member(email: str, organisation: Organisation, role: Role) -> User:
        user = NewUserFactory.create(email=email)
        MembershipFactory.create(user=user, organisation=organisation, role=role)
        return user

    assert ashby.organisation and brook.organisation
    return Cast(
        national=national,
        employer_org=employer_org,
        north_hub=north_hub,
        south_hub=south_hub,
        ashby=ashby,
        brook=brook,
        careers_leader=member("leader@ashby.example", ashby.organisation, Role.CAREERS_LEADER),
        senior_leader=member("head@ashby.example", ashby.organisation, Role.SENIOR_LEADER),
        other_careers_leader=member("leader@brook.example", brook.organisation, Role.CAREERS_LEADER),
        hub_lead=member("lead@north.example", north_hub.organisation, Role.HUB_LEAD),
        enterprise_coordinator=member("ec@north.example", north_hub.organisation, Role.ENTERPRISE_COORDINATOR),
        other_hub_lead=member("lead@south.example", south_hub.organisation, Role.HUB_LEAD),
        national_admin=member("admin@national.example", national, Role.NATIONAL_ADMIN),
        national_analyst=member("analyst@national.example", national, Role.NATIONAL_ANALYST),
        employer=member("contact@employer.example", employer_org, Role.EMPLOYER_CONTACT),
        participation_officer=member("officer@trafford.example", local_authority_org, Role.PARTICIPATION_OFFICER),
        local_authority_org=local_authority_org,
        outsider=NewUserFactory.create(email="outsider@example.org"),
    )


@pytest.fixture
def client_as(cast: Cast):  # type: ignore[no-untyped-def]
    """`client_as("hub_lead")` gives a test client signed in as that persona."""

    def make(persona: str) -> Client:
        client = Client()
        user = cast.persona(persona)
        if user is not None:
            client.force_login(user)
        return client

    return make
