"""Writes on employers, offers and school requests. Each is atomic and audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.employers import sic
from careershub.employers.models import (
    ComplianceFact,
    ComplianceKind,
    Delivery,
    Employer,
    EmployerContact,
    EncounterType,
    Offer,
    OfferStatus,
    RequestDelivery,
    SchoolRequest,
    SizeBand,
    YearGroup,
)
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.organisations.models import Organisation, OrganisationKind

PROFILE_FIELDS = [
    "name",
    "companies_house_number",
    "sic_code",
    "sic_section",
    "size_band",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "cap_per_term",
    "hub",
]


class EmployerError(ValueError):
    """A change that cannot be made, with a message for the user."""


@transaction.atomic
def employer_save(
    *,
    organisation: Organisation,
    name: str,
    companies_house_number: str = "",
    sic_code: str = "",
    size_band: SizeBand | str = "",
    address: str = "",
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    cap_per_term: int = 5,
    hub: Hub | None = None,
    actor: Any = None,
) -> Employer:
    """Create or update the employer profile of an employer organisation."""
    if organisation.kind != OrganisationKind.EMPLOYER:
        raise EmployerError(f"{organisation.name} is not an employer.")
    if sic_code and sic_code not in sic.codes():
        raise EmployerError(f"{sic_code} is not a SIC 2007 code.")
    employer = Employer.objects.select_for_update().filter(organisation=organisation).first()
    created = employer is None
    if employer is None:
        employer = Employer(organisation=organisation)
    before = {} if created else snapshot(employer, PROFILE_FIELDS)
    employer.name = name
    employer.companies_house_number = companies_house_number.replace(" ", "").upper()
    employer.sic_code = sic_code
    employer.sic_section = sic.section_of(sic_code) if sic_code else ""
    employer.size_band = size_band
    employer.address = address
    employer.postcode = postcode.upper().strip()
    employer.latitude = latitude
    employer.longitude = longitude
    employer.cap_per_term = cap_per_term
    employer.hub = hub
    try:
        employer.full_clean(exclude=["organisation"])
    except ValidationError as error:
        raise EmployerError(" ".join(error.messages)) from error
    employer.save()
    record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=employer,
        before=before,
        after=snapshot(employer, PROFILE_FIELDS),
    )
    return employer


@transaction.atomic
def contact_add(
    *, employer: Employer, full_name: str, email: str, job_title: str = "", phone: str = "", actor: Any = None
) -> EmployerContact:
    contact = EmployerContact.objects.create(
        employer=employer, full_name=full_name, email=email, job_title=job_title, phone=phone
    )
    record(actor=actor, organisation=employer.organisation, action=AuditAction.CREATE, instance=contact)
    return contact


@transaction.atomic
def offer_create(
    *,
    employer: Employer,
    title: str,
    kind: EncounterType | str,
    sessions: int,
    learners_per_session: int,
    available_from: datetime.date,
    available_to: datetime.date,
    delivery: Delivery | str,
    year_groups: Iterable[YearGroup | str],
    sector: str = "",
    accessibility_notes: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> Offer:
    """Publish an offer. Refuses zero capacity, a window in the past and an in-person offer
    from an employer with no location."""
    today = today or datetime.date.today()
    if sessions < 1 or learners_per_session < 1:
        raise EmployerError("An offer needs at least 1 session and at least 1 learner per session.")
    if available_to < available_from:
        raise EmployerError("The end of the availability window must be on or after its start.")
    if available_to < today:
        raise EmployerError("The availability window is in the past.")
    if delivery == Delivery.IN_PERSON and not employer.has_location:
        raise EmployerError("An in-person offer needs a location: add your location to your employer profile first.")
    groups = sorted({str(group) for group in year_groups}, key=int)
    if not groups:
        raise EmployerError("Choose at least one suitable year group.")
    offer = Offer.objects.create(
        employer=employer,
        title=title,
        kind=kind,
        sessions=sessions,
        learners_per_session=learners_per_session,
        available_from=available_from,
        available_to=available_to,
        delivery=delivery,
        latitude=employer.latitude if delivery == Delivery.IN_PERSON else None,
        longitude=employer.longitude if delivery == Delivery.IN_PERSON else None,
        year_groups=groups,
        sector=sector or employer.sic_section,
        accessibility_notes=accessibility_notes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(actor=actor, organisation=employer.organisation, action=AuditAction.CREATE, instance=offer)
    return offer


@transaction.atomic
def request_create(
    *,
    institution: Institution,
    kind: EncounterType | str,
    year_group: YearGroup | str,
    learners: int,
    window_start: datetime.date,
    window_end: datetime.date,
    delivery: RequestDelivery | str,
    max_travel_km: int,
    sectors: Iterable[str] = (),
    notes: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> SchoolRequest:
    """A school asks for an employer encounter."""
    today = today or datetime.date.today()
    if learners < 1:
        raise EmployerError("A request needs at least 1 learner.")
    if window_end < window_start:
        raise EmployerError("The end of the preferred window must be on or after its start.")
    if window_end < today:
        raise EmployerError("The preferred window is in the past.")
    if not 0 <= max_travel_km <= 100:
        raise EmployerError("The maximum travel distance must be between 0 and 100 km.")
    if delivery != RequestDelivery.VIRTUAL and (institution.latitude is None or institution.longitude is None):
        raise EmployerError(f"{institution.name} has no recorded location, so only a virtual encounter can be matched.")
    request = SchoolRequest.objects.create(
        institution=institution,
        kind=kind,
        year_group=year_group,
        learners=learners,
        window_start=window_start,
        window_end=window_end,
        delivery=delivery,
        max_travel_km=max_travel_km,
        sectors=sorted(set(sectors)),
        notes=notes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(actor=actor, organisation=institution.organisation, action=AuditAction.CREATE, instance=request)
    return request


@transaction.atomic
def compliance_record(
    *,
    employer: Employer,
    kind: ComplianceKind | str,
    checked_on: datetime.date,
    expires_on: datetime.date,
    note: str = "",
    actor: Any = None,
) -> ComplianceFact:
    """Record a safeguarding or compliance check (DBS, insurance, risk assessment)."""
    if expires_on < checked_on:
        raise EmployerError("The expiry date must be on or after the date it was checked.")
    fact = ComplianceFact.objects.create(
        employer=employer, kind=kind, checked_on=checked_on, expires_on=expires_on, note=note
    )
    record(actor=actor, organisation=employer.organisation, action=AuditAction.CREATE, instance=fact)
    return fact


@transaction.atomic
def offer_withdraw(*, offer: Offer, actor: Any = None) -> Offer:
    """Withdraw a published offer: later matching rounds leave it out."""
    locked = Offer.objects.select_for_update(of=("self",)).select_related("employer__organisation").get(pk=offer.pk)
    if locked.status == OfferStatus.WITHDRAWN:
        raise EmployerError("This offer is already withdrawn.")
    before = snapshot(locked, ["status"])
    locked.status = OfferStatus.WITHDRAWN
    locked.save(update_fields=["status"])
    record(
        actor=actor,
        organisation=locked.employer.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["status"]),
    )
    return locked


OFFER_FIELDS = [
    "title",
    "kind",
    "sessions",
    "learners_per_session",
    "available_from",
    "available_to",
    "delivery",
    "year_groups",
    "sector",
    "accessibility_notes",
]


class StaleEdit(EmployerError):
    """Someone else saved the record after this edit started: nothing was changed."""


@transaction.atomic
def offer_update(
    *,
    offer: Offer,
    expected_version: int,
    title: str,
    kind: EncounterType | str,
    sessions: int,
    learners_per_session: int,
    available_from: datetime.date,
    available_to: datetime.date,
    delivery: Delivery | str,
    year_groups: Iterable[YearGroup | str],
    sector: str = "",
    accessibility_notes: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> Offer:
    """Change a published offer. Refused, changing nothing, when the offer was saved by someone
    else since `expected_version` was read, or when it would be invalid, or when it would leave
    fewer sessions than its confirmed matches already use."""
    from careershub.matching.models import Match, MatchStatus  # matching builds on employers

    today = today or datetime.date.today()
    locked = Offer.objects.select_for_update(of=("self",)).select_related("employer__organisation").get(pk=offer.pk)
    if locked.version != expected_version:
        raise StaleEdit(
            "Someone else changed this offer while you were editing it. Nothing was saved: "
            "check the offer as it is now and make your change again."
        )
    if locked.status != OfferStatus.PUBLISHED:
        raise EmployerError("A withdrawn offer cannot be changed.")
    if sessions < 1 or learners_per_session < 1:
        raise EmployerError("An offer needs at least 1 session and at least 1 learner per session.")
    if available_to < available_from:
        raise EmployerError("The end of the availability window must be on or after its start.")
    if available_to < today:
        raise EmployerError("The availability window is in the past.")
    employer = locked.employer
    if delivery == Delivery.IN_PERSON and not employer.has_location:
        raise EmployerError("An in-person offer needs a location: add your location to your employer profile first.")
    groups = sorted({str(group) for group in year_groups}, key=int)
    if not groups:
        raise EmployerError("Choose at least one suitable year group.")
    confirmed = Match.objects.filter(offer=locked, status=MatchStatus.CONFIRMED).select_related("request")
    used = sum(-(-m.request.learners // learners_per_session) for m in confirmed)
    if used > sessions:
        raise EmployerError(
            f"Confirmed matches already need {used} sessions of this offer at {learners_per_session} learners "
            "a session: keep at least that many, or ask the hub to change the matches first."
        )
    before = snapshot(locked, OFFER_FIELDS)
    locked.title = title
    locked.kind = kind
    locked.sessions = sessions
    locked.learners_per_session = learners_per_session
    locked.available_from = available_from
    locked.available_to = available_to
    locked.delivery = delivery
    locked.latitude = employer.latitude if delivery == Delivery.IN_PERSON else None
    locked.longitude = employer.longitude if delivery == Delivery.IN_PERSON else None
    locked.year_groups = groups
    locked.sector = sector or employer.sic_section
    locked.accessibility_notes = accessibility_notes
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=employer.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, OFFER_FIELDS),
    )
    return locked


REQUEST_FIELDS = [
    "kind",
    "year_group",
    "learners",
    "window_start",
    "window_end",
    "delivery",
    "max_travel_km",
    "sectors",
    "notes",
]


@transaction.atomic
def request_update(
    *,
    school_request: SchoolRequest,
    expected_version: int,
    kind: EncounterType | str,
    year_group: YearGroup | str,
    learners: int,
    window_start: datetime.date,
    window_end: datetime.date,
    delivery: RequestDelivery | str,
    max_travel_km: int,
    sectors: Iterable[str] = (),
    notes: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> SchoolRequest:
    """Change an open request that has no confirmed match. A save based on an older version is
    refused, changing nothing."""
    from careershub.matching.models import Match, MatchStatus  # matching builds on employers

    today = today or datetime.date.today()
    locked = (
        SchoolRequest.objects.select_for_update(of=("self",))
        .select_related("institution__organisation")
        .get(pk=school_request.pk)
    )
    if locked.version != expected_version:
        raise StaleEdit(
            "Someone else changed this request while you were editing it. Nothing was saved: "
            "check the request as it is now and make your change again."
        )
    if Match.objects.filter(request=locked, status=MatchStatus.CONFIRMED).exists():
        raise EmployerError("This request has a confirmed match, so it cannot be changed: ask your Careers Hub.")
    institution = locked.institution
    if learners < 1:
        raise EmployerError("A request needs at least 1 learner.")
    if window_end < window_start:
        raise EmployerError("The end of the preferred window must be on or after its start.")
    if window_end < today:
        raise EmployerError("The preferred window is in the past.")
    if not 0 <= max_travel_km <= 100:
        raise EmployerError("The maximum travel distance must be between 0 and 100 km.")
    if delivery != RequestDelivery.VIRTUAL and (institution.latitude is None or institution.longitude is None):
        raise EmployerError(f"{institution.name} has no recorded location, so only a virtual encounter can be matched.")
    before = snapshot(locked, REQUEST_FIELDS)
    locked.kind = kind
    locked.year_group = year_group
    locked.learners = learners
    locked.window_start = window_start
    locked.window_end = window_end
    locked.delivery = delivery
    locked.max_travel_km = max_travel_km
    locked.sectors = sorted(set(sectors))
    locked.notes = notes
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, REQUEST_FIELDS),
    )
    return locked


@transaction.atomic
def employer_set_cornerstone(*, employer: Employer, is_cornerstone: bool, actor: Any = None) -> Employer:
    """The hub names (or stops naming) the employer one of its Cornerstone Employers."""
    locked = Employer.objects.select_for_update(of=("self",)).select_related("hub__organisation").get(pk=employer.pk)
    if locked.hub is None:
        raise EmployerError("Only an employer in a Careers Hub can be a Cornerstone Employer.")
    before = snapshot(locked, ["is_cornerstone"])
    locked.is_cornerstone = is_cornerstone
    locked.save(update_fields=["is_cornerstone"])
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["is_cornerstone"]),
    )
    return locked


@transaction.atomic
def contact_set_adviser(
    *, contact: EmployerContact, institution: Institution | None, today: datetime.date | None = None, actor: Any = None
) -> EmployerContact:
    """Make a contact the Enterprise Adviser of one institution, a current member of the
    employer's hub (or end it, with `institution=None`)."""
    from careershub.hubs.models import HubMembership

    locked = (
        EmployerContact.objects.select_for_update(of=("self",))
        .select_related("employer__hub__organisation")
        .get(pk=contact.pk)
    )
    hub = locked.employer.hub
    if hub is None:
        raise EmployerError("The employer is not in a Careers Hub.")
    if (
        institution is not None
        and not HubMembership.objects.current(today).filter(hub=hub, institution=institution).exists()
    ):
        raise EmployerError(f"{institution.name} is not a member of {hub.name}.")
    before = snapshot(locked, ["is_enterprise_adviser", "adviser_institution"])
    locked.is_enterprise_adviser = institution is not None
    locked.adviser_institution = institution
    locked.save(update_fields=["is_enterprise_adviser", "adviser_institution"])
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ["is_enterprise_adviser", "adviser_institution"]),
    )
    return locked
