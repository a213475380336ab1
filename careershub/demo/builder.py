"""The demo: real schools and colleges, two Careers Hubs with a membership history, and one
fictitious person for every role. `manage.py load_demo_data` runs `load_demo_data()`.

Everything goes through the services the product itself uses (GIAS import, hubs,
organisations), so the demo also shows the audit trail. Running it again changes nothing: each
step looks for what it would create first. Institutions come from `data/gias_demo.csv` (real
GIAS records, see `data/README.md`); people, employers and membership history are invented.

The demo password is for a local demo only. Never load the demo into a real service.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from careershub.accounts.models import User
from careershub.demo.destinations import load_demo_destinations
from careershub.demo.employers import load_demo_employers
from careershub.demo.events import load_demo_events
from careershub.demo.funds import load_demo_funds
from careershub.demo.insight import load_demo_insight
from careershub.demo.learners import load_demo_learners
from careershub.demo.neet import load_demo_neet
from careershub.demo.programmes import load_demo_programmes
from careershub.demo.reviews import load_demo_reviews
from careershub.demo.risk import load_demo_risk
from careershub.evaluations.generator import HistoryPlan, generate_histories
from careershub.geography.models import LocalAuthority
from careershub.hubs.models import CoordinatorAssignment, Hub, HubMembership, LeadBodyKind
from careershub.hubs.services import (
    HubError,
    coordinator_assign,
    hub_add_institution,
    hub_create,
    hub_remove_institution,
)
from careershub.institutions.models import GiasImport, GiasImportStatus, Institution, InstitutionKind
from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role
from careershub.organisations.services import institution_organisation, member_add, organisation_create

DATA_DIR = Path(__file__).resolve().parent / "data"
GIAS_FILE = DATA_DIR / "gias_demo.csv"

#: The one password of every demo account. Only for a local demo: shown by `run_demo`.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105

Write = Callable[[str], Any]


class DemoDataError(RuntimeError):
    """The demo data cannot be loaded; the message says why."""


# The cast --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubPlan:
    key: str
    name: str
    lead_body: str
    lead_body_kind: LeadBodyKind
    wave: int
    launched_on: datetime.date
    la_codes: tuple[str, ...]
    #: When each local authority's institutions joined (the hub grew in later waves).
    joined_by_la: dict[str, datetime.date]


HUBS = (
    HubPlan(
        key="gm",
        name="Greater Manchester Careers Hub",
        lead_body="Greater Manchester Combined Authority",
        lead_body_kind=LeadBodyKind.COMBINED_AUTHORITY,
        wave=1,
        launched_on=datetime.date(2018, 9, 1),
        la_codes=("352", "355", "356", "358"),
        joined_by_la={
            "358": datetime.date(2018, 9, 1),  # Trafford and Manchester: wave 1
            "352": datetime.date(2018, 9, 1),
            "355": datetime.date(2019, 9, 1),  # Salford: wave 2 expansion
        },
    ),
    HubPlan(
        key="cw",
        name="Cheshire and Warrington Careers Hub",
        lead_body="Cheshire and Warrington Local Enterprise Partnership",
        lead_body_kind=LeadBodyKind.LEP,
        wave=2,
        launched_on=datetime.date(2019, 9, 1),
        la_codes=("877", "895", "896"),
        joined_by_la={
            "895": datetime.date(2019, 9, 1),
            "896": datetime.date(2019, 9, 1),
            "877": datetime.date(2020, 6, 1),  # Warrington: the June 2020 expansion
        },
    ),
)

#: Institutions that stay outside the hubs of their area, and why.
NOT_JOINED = {149213: "opened after the 2022 GIAS list; not yet recruited"}

#: One institution that moved: Cheadle Hulme High School (Stockport) was in the Cheshire and
#: Warrington hub until Greater Manchester's hub took in Stockport in September 2021.
MOVER_URN = 137843
MOVER_HISTORY = (
    ("cw", datetime.date(2019, 9, 1), datetime.date(2021, 8, 31)),
    ("gm", datetime.date(2021, 9, 1), None),
)

#: Which enterprise coordinator of each hub looks after its member institutions, by local authority.
COORDINATORS = {
    "gm": {
        "358": "daniel.whitworth@gmhub.example",
        "352": "aisha.rahman@gmhub.example",
        "355": "aisha.rahman@gmhub.example",
        "356": "aisha.rahman@gmhub.example",
    },
    "cw": {
        "895": "megan.lloyd@cwhub.example",
        "356": "megan.lloyd@cwhub.example",
        "896": "harpreet.sandhu@cwhub.example",
        "877": "harpreet.sandhu@cwhub.example",
    },
}

NATIONAL = "national"
EMPLOYERS = {
    "tpe": "Trafford Park Engineering Ltd",
    "mvl": "Mersey Valley Logistics Ltd",
}


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    description: str
    #: (organisation key, role): "national", "hub:<key>", "employer:<key>" or "urn:<URN>".
    memberships: tuple[tuple[str, Role], ...] = field(default=())


#: Local-authority participation teams in the demo, by DfE LA code.
LOCAL_AUTHORITY_ORGANISATIONS = {"358": "Trafford Council"}

PEOPLE = (
    Person("helen.ashworth@national.example", "Helen Ashworth", "National admin", ((NATIONAL, Role.NATIONAL_ADMIN),)),
    Person("tomasz.nowak@national.example", "Tomasz Nowak", "National analyst", ((NATIONAL, Role.NATIONAL_ANALYST),)),
    Person("grace.okafor@gmhub.example", "Grace Okafor", "Hub lead", (("hub:gm", Role.HUB_LEAD),)),
    Person(
        "daniel.whitworth@gmhub.example",
        "Daniel Whitworth",
        "Enterprise coordinator (Trafford)",
        (("hub:gm", Role.ENTERPRISE_COORDINATOR),),
    ),
    Person(
        "aisha.rahman@gmhub.example",
        "Aisha Rahman",
        "Enterprise coordinator (Manchester, Salford, Stockport)",
        (("hub:gm", Role.ENTERPRISE_COORDINATOR),),
    ),
    Person("owen.pritchard@cwhub.example", "Owen Pritchard", "Hub lead", (("hub:cw", Role.HUB_LEAD),)),
    Person(
        "megan.lloyd@cwhub.example",
        "Megan Lloyd",
        "Enterprise coordinator (Cheshire East)",
        (("hub:cw", Role.ENTERPRISE_COORDINATOR),),
    ),
    Person(
        "harpreet.sandhu@cwhub.example",
        "Harpreet Sandhu",
        "Enterprise coordinator (Cheshire West and Chester, Warrington)",
        (("hub:cw", Role.ENTERPRISE_COORDINATOR),),
    ),
    Person(
        "rachel.bennett@salegrammar.example",
        "Rachel Bennett",
        "Careers leader (Greater Manchester hub)",
        (("urn:136498", Role.CAREERS_LEADER),),
    ),
    Person(
        "mark.ellison@salegrammar.example",
        "Mark Ellison",
        "Senior leader, read only",
        (("urn:136498", Role.SENIOR_LEADER),),
    ),
    Person(
        "joanne.kelly@traffordcollege.example",
        "Joanne Kelly",
        "Careers leader at a college",
        (("urn:130519", Role.CAREERS_LEADER),),
    ),
    Person(
        "sam.fletcher@deantrust.example",
        "Sam Fletcher",
        "Careers leader at two schools of one trust: switch between them",
        (("urn:138123", Role.CAREERS_LEADER), ("urn:138124", Role.CAREERS_LEADER)),
    ),
    Person(
        "gemma.hughes@sandbachhigh.example",
        "Gemma Hughes",
        "Careers leader (Cheshire and Warrington hub)",
        (("urn:136340", Role.CAREERS_LEADER),),
    ),
    Person(
        "imran.qureshi@sandbachhigh.example",
        "Imran Qureshi",
        "Senior leader, read only",
        (("urn:136340", Role.SENIOR_LEADER),),
    ),
    Person(
        "leon.murray@dentoncc.example",
        "Leon Murray",
        "Careers leader at a school in no hub",
        (("urn:135122", Role.CAREERS_LEADER),),
    ),
    Person(
        "lena.fischer@traffordparkengineering.example",
        "Lena Fischer",
        "Employer contact",
        (("employer:tpe", Role.EMPLOYER_CONTACT),),
    ),
    Person(
        "chris.adebayo@merseyvalleylogistics.example",
        "Chris Adebayo",
        "Enterprise adviser",
        (("employer:mvl", Role.EMPLOYER_CONTACT),),
    ),
    Person(
        "priya.shah@trafford.example",
        "Priya Shah",
        "Participation officer, Trafford Council",
        (("la:358", Role.PARTICIPATION_OFFICER),),
    ),
    Person("jordan.price@example.org", "Jordan Price", "Signed in, but a member of nothing"),
)

DEMO_EMAILS = tuple(person.email for person in PEOPLE)


# Loading ---------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    gias: str = ""
    created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + count


def demo_urns(path: Path = GIAS_FILE) -> set[int]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {int(row["URN"]) for row in csv.DictReader(handle)}


def import_demo_institutions(path: Path = GIAS_FILE) -> str:
    """Import the demo GIAS file through the GIAS importer, once: when this very file (same
    SHA-256) was imported and its institutions are all there, it is not imported again.
    Returns what happened, for the command's output."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    done = GiasImport.objects.filter(sha256=digest, status=GiasImportStatus.DONE).order_by("-pk").first()
    urns = demo_urns(path)
    if done is not None and Institution.objects.filter(urn__in=urns).count() == len(urns):
        return f"{path.name} already imported (GIAS import {done.pk}); not imported again"
    # The one call into the GIAS importer: the same three steps as `manage.py import_gias`.
    from careershub.institutions.services import gias_import_confirm, gias_import_prepare, gias_import_run

    prepared = gias_import_prepare(data=data, filename=path.name, actor=None, organisation=None)
    gias_import_confirm(gias_import=prepared, actor=None, background=False)
    outcome = gias_import_run(gias_import_id=prepared.pk).gias_import
    if outcome.status != GiasImportStatus.DONE:
        raise DemoDataError(f"The GIAS import of {path.name} failed: {outcome.error}")
    return (
        f"{path.name}: {outcome.created_count} new, {outcome.updated_count} changed, "
        f"{outcome.unchanged_count} unchanged, {outcome.rejected_count} rejected (GIAS import {outcome.pk})"
    )


class DemoLoader:
    def __init__(self, write: Write) -> None:
        self.write = write
        self.result = DemoResult()
        self.organisations: dict[str, Organisation] = {}
        self.hubs: dict[str, Hub] = {}
        self.users: dict[str, User] = {}
        self.institutions: dict[int, Institution] = {}

    def run(self) -> DemoResult:
        started = time.perf_counter()
        self.result.gias = import_demo_institutions()
        self.write(self.result.gias)
        urns = demo_urns()
        self.institutions = {i.urn: i for i in Institution.objects.filter(urn__in=urns)}
        if len(self.institutions) != len(urns):
            raise DemoDataError(
                f"Only {len(self.institutions)} of {len(urns)} demo institutions are there after the import."
            )
        with transaction.atomic():
            self._organisations()
            self._hubs()
            self._people()
            self._hub_memberships()
        self._evaluation_histories()
        with transaction.atomic():
            load_demo_learners(self.institutions, self.users, datetime.date.today(), self.result.add)
            load_demo_destinations(self.institutions, self.users, datetime.date.today(), self.result.add)
            load_demo_risk(self.institutions, self.users, datetime.date.today(), self.result.add)
            load_demo_programmes(self.institutions, self.users, datetime.date.today(), self.result.add)
            load_demo_employers(self.hubs, self.institutions, self.users, datetime.date.today(), self.result.add)
            load_demo_funds(self.institutions, self.users, datetime.date.today(), self.result.add)
        load_demo_neet(self.write)
        load_demo_reviews(self.hubs, self.users, datetime.date.today(), self.result.add)
        load_demo_events(self.users, datetime.date.today(), self.result.add)
        load_demo_insight(self.result.add)
        self.result.seconds = time.perf_counter() - started
        return self.result

    # Organisations and hubs

    def _organisation(self, name: str, kind: OrganisationKind) -> Organisation:
        found = Organisation.objects.filter(name=name, kind=kind).order_by("pk").first()
        if found is not None:
            return found
        self.result.add("organisations")
        return organisation_create(name=name, kind=kind)

    def _organisations(self) -> None:
        self.organisations[NATIONAL] = self._organisation("National team", OrganisationKind.NATIONAL)
        for key, name in EMPLOYERS.items():
            self.organisations[f"employer:{key}"] = self._organisation(name, OrganisationKind.EMPLOYER)
        for dfe_code, name in LOCAL_AUTHORITY_ORGANISATIONS.items():
            organisation = self._organisation(name, OrganisationKind.LOCAL_AUTHORITY)
            if organisation.local_authority_id is None:
                organisation.local_authority = LocalAuthority.objects.get(dfe_code=dfe_code)  # public-reference-data
                organisation.save(update_fields=["local_authority"])
            self.organisations[f"la:{dfe_code}"] = organisation

    def _hubs(self) -> None:
        for plan in HUBS:
            hub = Hub.objects.filter(name=plan.name).first()
            if hub is None:
                hub = hub_create(
                    name=plan.name,
                    lead_body=plan.lead_body,
                    lead_body_kind=plan.lead_body_kind,
                    wave=plan.wave,
                    launched_on=plan.launched_on,
                    local_authorities=LocalAuthority.objects.filter(dfe_code__in=plan.la_codes),
                )
                self.result.add("hubs")
            self.hubs[plan.key] = hub
            self.organisations[f"hub:{plan.key}"] = hub.organisation

    # People

    def _organisation_for(self, key: str) -> Organisation:
        if key.startswith("urn:"):
            institution = self.institutions.get(int(key[4:]))
            if institution is None:
                raise DemoDataError(f"Demo institution {key[4:]} is missing.")
            had = institution.organisation_id is not None
            organisation = institution_organisation(institution=institution)
            if not had:
                self.result.add("organisations")
            self.organisations[key] = organisation
        return self.organisations[key]

    def _people(self) -> None:
        for person in PEOPLE:
            user = User.objects.filter(email=person.email).first()
            if user is None:
                user = User.objects.create_user(person.email, DEMO_PASSWORD, full_name=person.full_name)
                self.result.add("users")
            elif not user.check_password(DEMO_PASSWORD) or user.full_name != person.full_name:
                user.full_name = person.full_name
                user.set_password(DEMO_PASSWORD)
                user.is_active = True
                user.save()
            self.users[person.email] = user
            for key, role in person.memberships:
                organisation = self._organisation_for(key)
                if not Membership.objects.active().filter(user=user, organisation=organisation, role=role).exists():
                    member_add(user=user, organisation=organisation, role=role)
                    self.result.add("memberships")

    # Hub membership history

    def _planned_memberships(self) -> list[tuple[str, Institution, datetime.date, datetime.date | None]]:
        planned: list[tuple[str, Institution, datetime.date, datetime.date | None]] = []
        for plan in HUBS:
            for institution in self.institutions.values():
                joined = plan.joined_by_la.get(institution.la_code)
                if joined is None or institution.urn in NOT_JOINED or institution.urn == MOVER_URN:
                    continue
                if "independent" in institution.type_name.lower():
                    continue  # independent special schools: outside the hubs
                if institution.opened_on and institution.opened_on > joined:
                    joined = next_september(institution.opened_on)
                left = institution.closed_on
                if left is not None and left <= joined:
                    continue  # closed before it could join
                planned.append((plan.key, institution, joined, left))
        mover = self.institutions.get(MOVER_URN)
        if mover is not None:
            planned.extend((key, mover, joined, left) for key, joined, left in MOVER_HISTORY)
        return sorted(planned, key=lambda item: (item[2], item[1].name, item[0]))

    def _hub_memberships(self) -> None:
        for key, institution, joined, left in self._planned_memberships():
            hub = self.hubs[key]
            membership = HubMembership.objects.filter(hub=hub, institution=institution, joined_on=joined).first()
            try:
                if membership is None:
                    membership = hub_add_institution(hub=hub, institution=institution, joined_on=joined)
                    self.result.add("hub memberships")
                    self._assign_coordinator(key, hub, institution, joined)
                if left is not None and membership.left_on is None:
                    hub_remove_institution(membership=membership, left_on=left)
            except HubError as exc:  # the demo database was changed by hand: leave it as it is
                self.result.warnings.append(str(exc))

    def _evaluation_histories(self) -> None:
        plans = _evaluation_plans(self.institutions.values(), datetime.date.today())
        created = generate_histories(plans, seed=2026, hub_effect=1.0)
        if created:
            self.result.add("submitted evaluations", created)

    def _assign_coordinator(self, key: str, hub: Hub, institution: Institution, on: datetime.date) -> None:
        email = COORDINATORS[key].get(institution.la_code)
        coordinator = self.users.get(email or "")
        if coordinator is None:
            return
        exists = CoordinatorAssignment.objects.filter(
            hub=hub, institution=institution, coordinator=coordinator, assigned_on=on
        ).exists()
        if not exists:
            coordinator_assign(hub=hub, coordinator=coordinator, institution=institution, assigned_on=on)
            self.result.add("coordinator assignments")


def _evaluation_plans(institutions: Iterable[Institution], today: datetime.date) -> list[HistoryPlan]:
    """Every open demo school and college self-evaluates once a year from 2016 to 2019 onwards."""
    plans = []
    joined = {
        m.institution_id: m.joined_on
        for m in HubMembership.objects.filter(left_on__isnull=True, institution__in=list(institutions))
    }
    for institution in sorted(institutions, key=lambda i: i.urn):
        if not institution.is_open or institution.kind == InstitutionKind.OTHER:
            continue
        first_year = 2016 + institution.urn % 4
        last_year = today.year if today.month >= 9 else today.year - 1
        plans.append(HistoryPlan(institution, first_year, last_year, joined.get(institution.pk)))
    return plans


def next_september(day: datetime.date) -> datetime.date:
    """The first 1 September on or after `day`: institutions join hubs at the start of a school year."""
    september = datetime.date(day.year, 9, 1)
    return september if day <= september else datetime.date(day.year + 1, 9, 1)


def load_demo_data(write: Write = print) -> DemoResult:
    return DemoLoader(write).run()


# Sign-ins for `run_demo` -----------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    role: str
    organisation: str
    email: str
    password: str
    description: str


def sign_ins() -> list[SignIn]:
    """One line per demo account, in cast order, as loaded in the database (empty if not loaded)."""
    users = {u.email: u for u in User.objects.filter(email__in=DEMO_EMAILS)}
    rows: list[SignIn] = []
    for person in PEOPLE:
        user = users.get(person.email)
        if user is None:
            continue
        memberships = list(Membership.objects.active().filter(user=user).select_related("organisation"))
        roles = sorted({str(Role(m.role).label) for m in memberships}) or ["No membership"]
        organisations = sorted({m.organisation.name for m in memberships}) or ["-"]
        rows.append(SignIn("; ".join(roles), "; ".join(organisations), person.email, DEMO_PASSWORD, person.description))
    return rows
