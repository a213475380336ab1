"""Demo employers, offers, school requests and one solved matching round per hub.

Employers are fictitious, placed around real towns of the two demo hubs (approximate town-centre
coordinates); their SIC 2007 codes come from the Companies House list in
`careershub/employers/data`. Offers and requests come from `data/demo_offers.csv` and
`data/demo_requests.csv`, with windows relative to today. Everything goes through the product's
services (employers, matching, delivery), so the audit trail shows it too.

In each hub, one round ("Demo round") is solved exactly; its best matches are confirmed, most
are accepted by both sides, and in Greater Manchester one accepted match is recorded as delivered
(it becomes an activity in the school's careers records, with the year group as participants)
with feedback from both sides. Running it again changes nothing: employers are looked up by
organisation, offers by title, requests by school, type and year group, and rounds by name.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from careershub.accounts.models import User
from careershub.employers import services as employer_services
from careershub.employers.models import ComplianceFact, ComplianceKind, Employer, EmployerContact, Offer, SchoolRequest
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.learners.models import Learner
from careershub.matching import delivery, services
from careershub.matching.models import Delivery, MatchRound, MatchStatus, Response
from careershub.organisations.models import Organisation, OrganisationKind
from careershub.organisations.services import organisation_create

DATA_DIR = Path(__file__).resolve().parent / "data"
ROUND_NAME = "Demo round"
PRIORITIES = {"gm": ["C", "F", "J", "Q"], "cw": ["C", "M", "Q"]}
#: (kind, days from today the check was made, days from today it expires): one expiring soon,
#: one expired, so the warnings show.
COMPLIANCE = {
    "tpe": [("dbs", -330, 35), ("insurance", -100, 265), ("risk_assessment", -60, 305)],
    "mvl": [("dbs", -200, 165), ("risk_assessment", -380, -15)],
    "ahp": [("dbs", -30, 700), ("insurance", -30, 335)],
}

Add = Callable[[str, int], Any]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _employers(hubs: dict[str, Hub], today: datetime.date, add: Add) -> dict[str, Employer]:
    employers: dict[str, Employer] = {}
    for row in _rows("demo_employers.csv"):
        organisation = (
            Organisation.objects.filter(name=row["name"], kind=OrganisationKind.EMPLOYER).order_by("pk").first()
        )
        if organisation is None:
            organisation = organisation_create(name=row["name"], kind=OrganisationKind.EMPLOYER)
            add("organisations", 1)
        employer = Employer.objects.filter(organisation=organisation).first()
        if employer is None:
            employer = employer_services.employer_save(
                organisation=organisation,
                name=row["name"],
                sic_code=row["sic_code"],
                size_band=row["size_band"],
                address=f"{row['town']} (fictitious employer)",
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                cap_per_term=int(row["cap_per_term"]),
                hub=hubs[row["hub"]],
            )
            if row["cornerstone"] == "yes":
                employer.is_cornerstone = True
                employer.save(update_fields=["is_cornerstone"])
            add("employers", 1)
        if not EmployerContact.objects.filter(employer=employer, email=row["contact_email"]).exists():
            employer_services.contact_add(
                employer=employer,
                full_name=row["contact_name"],
                email=row["contact_email"],
                job_title=row["contact_title"],
            )
            add("employer contacts", 1)
        for kind, checked, expires in COMPLIANCE.get(row["key"], []):
            if not ComplianceFact.objects.filter(employer=employer, kind=kind).exists():
                employer_services.compliance_record(
                    employer=employer,
                    kind=ComplianceKind(kind),
                    checked_on=today + datetime.timedelta(days=checked),
                    expires_on=today + datetime.timedelta(days=expires),
                )
                add("compliance checks", 1)
        employers[row["key"]] = employer
    return employers


def _offers(employers: dict[str, Employer], today: datetime.date, add: Add) -> None:
    for row in _rows("demo_offers.csv"):
        employer = employers[row["employer"]]
        if Offer.objects.filter(employer=employer, title=row["title"]).exists():
            continue
        employer_services.offer_create(
            employer=employer,
            title=row["title"],
            kind=row["kind"],
            sessions=int(row["sessions"]),
            learners_per_session=int(row["learners_per_session"]),
            available_from=today + datetime.timedelta(days=int(row["from_day"])),
            available_to=today + datetime.timedelta(days=int(row["to_day"])),
            delivery=row["delivery"],
            year_groups=row["year_groups"].split(),
            accessibility_notes=row["accessibility_notes"],
            today=today,
        )
        add("employer offers", 1)


def _requests(institutions: dict[int, Institution], today: datetime.date, add: Add) -> None:
    for row in _rows("demo_requests.csv"):
        institution = institutions.get(int(row["urn"]))
        if institution is None:
            continue
        if SchoolRequest.objects.filter(
            institution=institution, kind=row["kind"], year_group=row["year_group"]
        ).exists():
            continue
        employer_services.request_create(
            institution=institution,
            kind=row["kind"],
            year_group=row["year_group"],
            learners=int(row["learners"]),
            window_start=today + datetime.timedelta(days=int(row["from_day"])),
            window_end=today + datetime.timedelta(days=int(row["to_day"])),
            delivery=row["delivery"],
            max_travel_km=int(row["max_travel_km"]),
            sectors=row["sectors"].split(),
            today=today,
        )
        add("school requests", 1)


def _round(hub: Hub, key: str, users: dict[str, User], today: datetime.date, add: Add) -> None:
    if MatchRound.objects.filter(hub=hub, name=ROUND_NAME).exists():
        return
    services.priorities_set(hub=hub, sectors=PRIORITIES[key])
    match_round = services.round_solve(match_round=services.round_create(hub=hub, name=ROUND_NAME), today=today)
    add("matching rounds", 1)
    matches = list(match_round.matches.select_related("request__institution", "offer").order_by("-score", "pk"))
    # The best two thirds are confirmed; of those, all but the last two are accepted by both
    # sides (the last two wait for the employer's and the school's reply).
    confirmed = matches[: max(1, len(matches) * 2 // 3)]
    for match in confirmed:
        services.match_review(match=match, action="confirm")
    for match in confirmed[:-2] if len(confirmed) > 2 else confirmed[:1]:
        services.match_respond(match=match, side="employer", accept=True)
        services.match_respond(match=match, side="school", accept=True)
    add("confirmed matches", len(confirmed))
    _deliver_one(match_round, users, today, add)


def _deliver_one(match_round: MatchRound, users: dict[str, User], today: datetime.date, add: Add) -> None:
    """Record the first accepted match that could already have happened, at a school with demo
    learners, as delivered, with feedback from both sides."""
    accepted = match_round.matches.filter(
        status=MatchStatus.CONFIRMED, employer_response=Response.ACCEPTED, school_response=Response.ACCEPTED
    ).select_related("offer", "request__institution")
    for match in accepted.order_by("-score", "pk"):
        day = max(match.offer.available_from, match.request.window_start, today - datetime.timedelta(days=7))
        learners = list(
            Learner.objects.on_roll().filter(
                institution=match.request.institution, year_group=int(match.request.year_group)
            )
        )
        if day > today or not learners or Delivery.objects.filter(match=match).exists():
            continue
        leader = users.get("rachel.bennett@salegrammar.example")
        delivery.delivery_record(
            match=match,
            delivered_on=day,
            learners=learners,
            checklist=[code for code, _ in delivery.checklist_for(match)][:4],
            met_criteria=True,
            rating=4,
            comment="Well organised; the learners asked lots of questions.",
            today=today,
            actor=leader if match.request.institution.urn == 136498 else None,
        )
        delivery.employer_feedback(match=match, met_criteria=True, would_host_again=True)
        add("delivered encounters", 1)
        return


def load_demo_employers(
    hubs: dict[str, Hub], institutions: dict[int, Institution], users: dict[str, User], today: datetime.date, add: Add
) -> None:
    """Employers, offers, requests, and a solved round per hub (see the module docstring)."""
    employers = _employers(hubs, today, add)
    _offers(employers, today, add)
    _requests(institutions, today, add)
    for key, hub in hubs.items():
        if key in PRIORITIES:
            _round(hub, key, users, today, add)
