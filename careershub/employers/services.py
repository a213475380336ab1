"""Writes on employers, offers and school requests. Each is atomic and audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.employers import sic
from careershub.employers.models import (
    ComplianceFact,
    ComplianceKind,
    ComplianceReminder,
    Delivery,
    Employer,
    EmployerContact,
    EncounterType,
    LocationSource,
    Offer,
    OfferStatus,
    RequestDelivery,
    SchoolRequest,
    SizeBand,
    YearGroup,
)
from careershub.geography import postcodes
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role

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
POSTCODE_ERROR = "Enter a UK postcode, like M17 1AA, or leave it blank"
VIRTUAL_WITH_SITE = "A virtual offer has no site: remove the site postcode, or choose in person"
NO_LOCATION = (
    "An in-person offer needs a location to be matched in person: add your postcode, or your latitude "
    "and longitude, to your employer profile first."
)


class EmployerError(ValueError):
    """A change that cannot be made, with a message for the user; `field` names the form field
    it is about, when it is about one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StaleEdit(EmployerError):
    """Someone else saved the record after this edit started: nothing was changed."""


def _location(
    postcode: str, latitude: float | None, longitude: float | None
) -> tuple[float | None, float | None, LocationSource | str]:
    """Coordinates typed by hand win; else the postcode's own location, else its district's
    centroid (from the loaded postcode reference data); else no location."""
    if latitude is not None and longitude is not None:
        return latitude, longitude, LocationSource.ENTERED
    located = postcodes.locate(postcode) if postcode else None
    if located is None:
        return None, None, ""
    source = LocationSource.OUTCODE if located.by_district else LocationSource.POSTCODE
    return located.latitude, located.longitude, source


def _site_postcode(delivery: Delivery | str, site_postcode: str) -> str:
    """The offer's site postcode, normalised ("M17 1AA"), or "" (at the employer). A site must be
    a whole postcode, and only an in-person offer has one."""
    if not site_postcode.strip():
        return ""
    if delivery != Delivery.IN_PERSON:
        raise EmployerError(VIRTUAL_WITH_SITE, field="site_postcode")
    normal = postcodes.normalise_full(site_postcode)
    if normal is None:
        raise EmployerError(site_postcode_error(site_postcode), field="site_postcode")
    return normal


def site_postcode_error(value: str) -> str:
    """What is wrong with a site postcode that is not a full postcode."""
    normal = postcodes.normalise(value)
    if normal is not None:  # an outcode: a district, not a place
        return f"Enter the full site postcode, like {normal} 1AA, not only its first part"
    return "Enter the site postcode as a full UK postcode, like M17 1AA"


def _offer_location(
    employer: Employer, site_postcode: str = ""
) -> tuple[float | None, float | None, LocationSource | str]:
    """An in-person offer takes place at its site when it has one: the site postcode's location,
    else its district's centroid; a site that cannot be located is refused (it is never given
    the employer's location instead). Without a site it takes place at the employer: the
    employer's location, or (when it has none yet) the location of its postcode if the reference
    data now has it."""
    if site_postcode:
        latitude, longitude, source = _location(site_postcode, None, None)
        if latitude is None:
            at = f"at {employer.postcode}" if employer.postcode else "at your own address"
            raise EmployerError(
                f"{site_postcode} is not in the postcode data this service has loaded, so the site cannot be "
                "located for matching in person. Check the site postcode, or leave it blank if the offer "
                f"happens {at}.",
                field="site_postcode",
            )
        return latitude, longitude, source
    if employer.has_location:
        return employer.latitude, employer.longitude, employer.location_source or LocationSource.ENTERED
    return _location(employer.postcode, None, None)


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
    expected_version: int | None = None,
    actor: Any = None,
) -> Employer:
    """Create or update the employer profile of an employer organisation.

    `expected_version` is the version the edit started from (None: there was no profile yet); a
    save based on anything else is refused, changing nothing, so concurrent edits never overwrite
    each other. With a postcode and no coordinates, the location comes from the postcode
    reference data (full postcode, else district), else stays empty."""
    if organisation.kind != OrganisationKind.EMPLOYER:
        raise EmployerError(f"{organisation.name} is not an employer.")
    if sic_code and sic_code not in sic.codes():
        raise EmployerError(f"{sic_code} is not a SIC 2007 code.")
    employer = Employer.objects.select_for_update().filter(organisation=organisation).first()
    created = employer is None
    if employer is None:
        employer = Employer(organisation=organisation)
    if (None if created else employer.version) != expected_version:
        raise StaleEdit(
            "Someone else changed this employer profile while you were editing it. Nothing was saved: "
            "check the profile as it is now and make your change again."
        )
    before = {} if created else snapshot(employer, PROFILE_FIELDS)
    employer.name = name
    employer.companies_house_number = companies_house_number.replace(" ", "").upper()
    employer.sic_code = sic_code
    employer.sic_section = sic.section_of(sic_code) if sic_code else ""
    employer.size_band = size_band
    employer.address = address
    normal = postcodes.normalise(postcode) if postcode.strip() else ""
    if normal is None:
        raise EmployerError(POSTCODE_ERROR, field="postcode")
    employer.postcode = normal
    employer.latitude, employer.longitude, employer.location_source = _location(employer.postcode, latitude, longitude)
    employer.cap_per_term = cap_per_term
    employer.hub = hub
    if not created:
        employer.version += 1
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
    site_postcode: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> Offer:
    """Publish an offer. Refuses zero capacity, a window in the past, a site postcode that is not
    a full postcode or is on a virtual offer, and an in-person offer with no location (its site's,
    else its employer's)."""
    today = today or datetime.date.today()
    if sessions < 1 or learners_per_session < 1:
        raise EmployerError("An offer needs at least 1 session and at least 1 learner per session.")
    if available_to < available_from:
        raise EmployerError("The end of the availability window must be on or after its start.")
    if available_to < today:
        raise EmployerError("The availability window is in the past.")
    site_postcode = _site_postcode(delivery, site_postcode)
    latitude, longitude, location_source = (
        _offer_location(employer, site_postcode) if delivery == Delivery.IN_PERSON else (None, None, "")
    )
    if delivery == Delivery.IN_PERSON and latitude is None:
        raise EmployerError(NO_LOCATION)
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
        site_postcode=site_postcode,
        latitude=latitude,
        longitude=longitude,
        location_source=location_source,
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
    "site_postcode",
    "year_groups",
    "sector",
    "accessibility_notes",
]


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
    site_postcode: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> Offer:
    """Change a published offer. An in-person offer is located again, from its site (or its
    employer) as it is now. Refused, changing nothing, when the offer was saved by someone
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
    site_postcode = _site_postcode(delivery, site_postcode)
    latitude, longitude, location_source = (
        _offer_location(employer, site_postcode) if delivery == Delivery.IN_PERSON else (None, None, "")
    )
    if delivery == Delivery.IN_PERSON and latitude is None:
        raise EmployerError(NO_LOCATION)
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
    locked.site_postcode = site_postcode
    locked.latitude, locked.longitude, locked.location_source = latitude, longitude, location_source
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


# Compliance expiry reminders ----------------------------------------------------------------


def _active_emails(organisation_id: int, roles: Iterable[Role]) -> set[str]:
    return set(
        Membership.objects.active()
        .filter(organisation_id=organisation_id, role__in=list(roles), user__is_active=True)
        .values_list("user__email", flat=True)
    )


def _reminder_text(fact: ComplianceFact, today: datetime.date) -> tuple[str, str]:
    """(subject, when) for a fact expiring in `days` (or expired)."""
    what = f"{fact.get_kind_display()} for {fact.employer.name}"
    days = (fact.expires_on - today).days
    if days < 0:
        return f"{what} expired on {fact.expires_on:%-d %B %Y}", "expired on"
    if days == 0:
        return f"{what} expires today", "expires on"
    return f"{what} expires in {days} day{'s' if days != 1 else ''}", "expires on"


def compliance_send_reminders(*, today: datetime.date | None = None) -> int:
    """Email an employer's contacts (and, when it is in a hub, the hub lead and enterprise
    coordinators) when its current DBS check, insurance or risk assessment is within one of
    `settings.COMPLIANCE_REMINDER_DAYS` of its expiry, and once more on expiry.

    Only the latest fact of each kind counts (recording a renewed check replaces the old one).
    Each fact is reminded once per threshold and expiry date: a missed day sends one email for the
    most urgent threshold due, and a changed expiry date starts again. Returns how many facts
    were reminded."""
    from careershub.core.tasks import send_email

    today = today or timezone.localdate()
    thresholds = sorted({0, *(int(days) for days in settings.COMPLIANCE_REMINDER_DAYS)}, reverse=True)
    due = (
        ComplianceFact.objects.current()
        .filter(expires_on__lte=today + datetime.timedelta(days=thresholds[0]))
        .select_related("employer__organisation", "employer__hub")
        .order_by("expires_on", "pk")
    )
    reminded = 0
    for fact in due:
        wanted = {days for days in thresholds if today >= fact.expires_on - datetime.timedelta(days=days)}
        sent = set(
            ComplianceReminder.objects.filter(fact=fact, expires_on=fact.expires_on).values_list(
                "days_before", flat=True
            )
        )
        if not wanted - sent:
            continue
        employer = fact.employer
        own = {contact.email for contact in employer.contacts.all() if contact.email}
        own |= _active_emails(employer.organisation_id, [Role.EMPLOYER_CONTACT])
        hub_staff = set()
        if employer.hub is not None:
            hub_staff = _active_emails(employer.hub.organisation_id, [Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR])
        hub_staff -= own
        if not own and not hub_staff:
            continue  # nobody to tell yet: tried again tomorrow
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reminders = ComplianceReminder.objects.bulk_create(
                        ComplianceReminder(
                            fact=fact,
                            days_before=days,
                            expires_on=fact.expires_on,
                            recipients=len(own) + len(hub_staff),
                        )
                        for days in sorted(wanted - sent)
                    )
            except IntegrityError:  # another worker sent it
                continue
            subject, when = _reminder_text(fact, today)
            checked = f"(checked {fact.checked_on:%-d %B %Y}) {when} {fact.expires_on:%-d %B %Y}"
            messages = []
            if own:
                messages.append(
                    (
                        sorted(own),
                        f"Your {fact.get_kind_display()} {checked}. Schools and your Careers Hub need it to be "
                        "current for in-person encounters.\n\nWhen it is renewed, record the new check in the "
                        f"Careers Hub service: {settings.SITE_URL}/employers/compliance/new/",
                    )
                )
            if hub_staff:
                messages.append(
                    (
                        sorted(hub_staff),
                        f"{employer.name}'s {fact.get_kind_display()} {checked}. "
                        + ("Its contacts have been reminded." if own else "It has no contact to remind.")
                        + f"\n\n{settings.SITE_URL}/employers/{employer.pk}/",
                    )
                )
            for recipients, body in messages:
                transaction.on_commit(
                    partial(send_email.enqueue, subject=subject, body=body, recipient_list=recipients)
                )
            record(
                actor=None,
                organisation=employer.organisation,
                action=AuditAction.CREATE,
                instance=reminders[0],
                after={
                    "fact": fact.pk,
                    "days_before": sorted(wanted - sent),
                    "expires_on": fact.expires_on.isoformat(),
                },
                label=subject,
            )
        reminded += 1
    return reminded
