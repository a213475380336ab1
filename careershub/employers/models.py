"""Employers, their contacts and compliance facts, their offers, and schools' requests.

An employer is an organisation of kind EMPLOYER; its employer contacts manage its profile and
offers. A school request belongs to an institution and is made by its careers leader.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.organisations.models import Organisation

#: 8 digits, or a Companies House prefix (Scotland SC, Northern Ireland NI, LLPs OC …) and 6 digits.
COMPANIES_HOUSE_PREFIXES = "SC|NI|OC|SO|NC|R0|LP|SL|NL|FC|SF|NF|IP|SP|NP|RC|SR|NR|ZC|GE|GS|GN|CE|CS|IC"
COMPANIES_HOUSE_PATTERN = rf"^(?:\d{{8}}|(?:{COMPANIES_HOUSE_PREFIXES})\d{{6}})$"
COMPANIES_HOUSE_NUMBER = RegexValidator(
    COMPANIES_HOUSE_PATTERN,
    "Enter a Companies House number of 8 characters, like 01234567 or SC123456",
)
EXPIRY_WARNING_DAYS = 60


class SizeBand(models.TextChoices):
    MICRO = "micro", "Micro (fewer than 10 employees)"
    SMALL = "small", "Small (10 to 49)"
    MEDIUM = "medium", "Medium (50 to 249)"
    LARGE = "large", "Large (250 or more)"


class EncounterType(models.TextChoices):
    TALK = "talk", "Talk"
    WORKPLACE_VISIT = "workplace_visit", "Workplace visit"
    VIRTUAL_TOUR = "virtual_tour", "Virtual tour"
    WORK_EXPERIENCE = "work_experience", "Work experience placement"
    MENTORING = "mentoring", "Mentoring"
    MOCK_INTERVIEWS = "mock_interviews", "Mock interviews"
    CAREERS_FAIR = "careers_fair", "Careers fair stand"


class YearGroup(models.TextChoices):
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"


class RequestDelivery(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    EITHER = "either", "Either"


class LocationSource(models.TextChoices):
    ENTERED = "entered", "Entered by hand"
    POSTCODE = "postcode", "Located by postcode"
    OUTCODE = "outcode", "Located by postcode district"


class Employer(models.Model):
    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="employer")
    name = models.CharField(max_length=200)
    companies_house_number = models.CharField(
        max_length=8, blank=True, validators=[COMPANIES_HOUSE_NUMBER], help_text="8 characters, like 01234567"
    )
    sic_section = models.CharField("SIC 2007 section", max_length=1, blank=True)
    sic_code = models.CharField("SIC 2007 code", max_length=5, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_source = models.CharField(
        max_length=10, choices=LocationSource.choices, blank=True, help_text="Blank when there is no location"
    )
    hub = models.ForeignKey(Hub, on_delete=models.SET_NULL, null=True, blank=True, related_name="employers")
    is_cornerstone = models.BooleanField("Cornerstone Employer", default=False)
    cap_per_term = models.PositiveSmallIntegerField(
        default=5,
        help_text="The most school requests the employer will take in one school term, across every matching round",
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised by every edit; a stale edit is refused")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class EmployerContact(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)
    is_enterprise_adviser = models.BooleanField(default=False)
    adviser_institution = models.ForeignKey(
        Institution, on_delete=models.SET_NULL, null=True, blank=True, related_name="enterprise_advisers"
    )

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class ComplianceKind(models.TextChoices):
    DBS = "dbs", "DBS check"
    INSURANCE = "insurance", "Employer's liability insurance"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"


class ComplianceFactQuerySet(models.QuerySet["ComplianceFact"]):
    def current(self) -> ComplianceFactQuerySet:
        """The latest fact of each employer and kind: recording a renewed check replaces the old
        one (the latest expiry, then the latest recorded among equal expiries)."""
        newer = ComplianceFact.objects.filter(employer=OuterRef("employer"), kind=OuterRef("kind")).filter(
            Q(expires_on__gt=OuterRef("expires_on")) | Q(expires_on=OuterRef("expires_on"), pk__gt=OuterRef("pk"))
        )
        return self.exclude(Exists(newer))

    def needing_renewal(self, today: datetime.date) -> ComplianceFactQuerySet:
        """Current facts that have expired or expire within `EXPIRY_WARNING_DAYS`."""
        return self.current().filter(expires_on__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS))


class ComplianceFact(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="compliance_facts")
    kind = models.CharField(max_length=20, choices=ComplianceKind.choices)
    checked_on = models.DateField()
    expires_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    objects = ComplianceFactQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=F("checked_on")), name="compliance_expires_after_check")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} until {self.expires_on}"

    def warning(self, today: datetime.date | None = None) -> str:
        today = today or datetime.date.today()
        if self.expires_on < today:
            return "Expired"
        if self.expires_on <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
            return "Expires soon"
        return ""


class ComplianceReminder(models.Model):
    """A reminder email sent about a compliance fact `days_before` its expiry (0: on expiry). Kept
    so each is sent once; it names the expiry date it was about, so a renewed date re-arms it."""

    fact = models.ForeignKey(ComplianceFact, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    expires_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["fact", "-days_before"]
        constraints = [
            models.UniqueConstraint(fields=["fact", "days_before", "expires_on"], name="compliance_reminder_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.fact}: {self.days_before} days before"


class OfferStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Offer(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="offers")
    title = models.CharField(max_length=200)
    kind = models.CharField("type", max_length=20, choices=EncounterType.choices)
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    learners_per_session = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    available_from = models.DateField()
    available_to = models.DateField()
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    site_postcode = models.CharField(
        max_length=8,
        blank=True,
        help_text="The full postcode of the place an in-person offer happens; blank: at the employer",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_source = models.CharField(
        max_length=10, choices=LocationSource.choices, blank=True, help_text="Where the location came from"
    )
    year_groups = models.JSONField(default=list, help_text="Suitable year groups, like ['9', '10']")
    sector = models.CharField("SIC 2007 section", max_length=1, blank=True)
    accessibility_notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.PUBLISHED)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every edit; a stale edit is refused")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["available_from", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(available_to__gte=F("available_from")), name="offer_window_ordered"),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="offer_has_sessions"),
            models.CheckConstraint(condition=Q(learners_per_session__gte=1), name="offer_has_places"),
            models.CheckConstraint(
                condition=Q(delivery=Delivery.IN_PERSON) | Q(site_postcode=""), name="offer_virtual_has_no_site"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.employer})"

    @property
    def capacity(self) -> int:
        return self.sessions * self.learners_per_session

    @property
    def where(self) -> str:
        """Where it happens, in words: virtual, its site's postcode, or at the employer."""
        if self.delivery == Delivery.VIRTUAL:
            return "Virtual"
        if self.site_postcode:
            return self.site_postcode
        employer = self.employer
        return f"At {employer.name} ({employer.postcode})" if employer.postcode else f"At {employer.name}"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SchoolRequest(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="employer_requests")
    kind = models.CharField("type", max_length=20, choices=EncounterType.choices)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    learners = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    window_start = models.DateField()
    window_end = models.DateField()
    sectors = models.JSONField(default=list, blank=True, help_text="SIC 2007 section letters")
    delivery = models.CharField(max_length=10, choices=RequestDelivery.choices)
    max_travel_km = models.PositiveSmallIntegerField(
        "maximum travel distance (km)", validators=[MaxValueValidator(100)], default=15
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every edit; a stale edit is refused")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["window_start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gte=F("window_start")), name="request_window_ordered"),
            models.CheckConstraint(condition=Q(learners__gte=1), name="request_has_learners"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.get_year_group_display()} at {self.institution.name}"
