"""Schools and colleges as DfE's Get Information about Schools (GIAS) knows them.

Institution data is public reference data (GIAS publishes it under the Open Government
Licence), so every signed-in member may search it. What an institution *does* on the platform
(evaluations, learners, hub membership history) is organisation-owned and scoped elsewhere.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from careershub.geography.models import LocalAuthority
from careershub.organisations.models import Organisation


class InstitutionKind(models.TextChoices):
    MAINSTREAM_SCHOOL = "mainstream_school", "Mainstream school"
    SPECIAL_SCHOOL = "special_school", "Special school"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    COLLEGE = "college", "FE or sixth-form college"
    TRAINING_PROVIDER = "training_provider", "Independent training provider"
    OTHER = "other", "Other establishment"


class EstablishmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    OPEN_PROPOSED_TO_CLOSE = "open_proposed_to_close", "Open, but proposed to close"
    PROPOSED_TO_OPEN = "proposed_to_open", "Proposed to open"
    CLOSED = "closed", "Closed"
    UNKNOWN = "unknown", "Not recorded"


OPEN_STATUSES = (EstablishmentStatus.OPEN, EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE)


class InstitutionQuerySet(models.QuerySet["Institution"]):
    def open(self) -> InstitutionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def search(self, text: str) -> InstitutionQuerySet:
        """Match a name fragment, a URN, a UKPRN, a postcode or a local authority name or code."""
        text = " ".join(text.split())
        if not text:
            return self
        condition = Q(name__icontains=text) | Q(la_name__icontains=text) | Q(town__icontains=text)
        compact = text.replace(" ", "").upper()
        if compact.isdigit():
            condition |= Q(urn=int(compact)) | Q(ukprn=compact) | Q(la_code=compact)
        if any(ch.isdigit() for ch in compact) and len(compact) <= 8:
            condition |= Q(postcode_compact__startswith=compact)
        return self.filter(condition)


class Institution(models.Model):
    urn = models.PositiveIntegerField("URN", unique=True)
    ukprn = models.CharField("UKPRN", max_length=8, blank=True, db_index=True)
    name = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=30, choices=InstitutionKind.choices, default=InstitutionKind.OTHER)
    type_code = models.CharField("establishment type code", max_length=4, blank=True)
    type_name = models.CharField("establishment type", max_length=120, blank=True)
    type_group = models.CharField("establishment type group", max_length=120, blank=True)
    further_education_type = models.CharField(max_length=120, blank=True)
    phase = models.CharField("phase of education", max_length=60, blank=True)
    status = models.CharField(max_length=30, choices=EstablishmentStatus.choices, default=EstablishmentStatus.UNKNOWN)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.SET_NULL, null=True, blank=True, related_name="institutions"
    )
    la_code = models.CharField("LA code (DfE)", max_length=3, blank=True, db_index=True)
    la_name = models.CharField("local authority", max_length=150, blank=True)
    gss_la_code = models.CharField("LA code (GSS)", max_length=9, blank=True)
    region_name = models.CharField("region", max_length=100, blank=True)
    street = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    postcode_compact = models.CharField(max_length=8, blank=True, db_index=True, editable=False)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    number_of_pupils = models.PositiveIntegerField(null=True, blank=True)
    percent_fsm = models.DecimalField(
        "% eligible for free school meals", max_digits=4, decimal_places=1, null=True, blank=True
    )
    ofsted_rating = models.CharField(max_length=60, blank=True)
    website = models.CharField(max_length=255, blank=True)
    organisation = models.OneToOneField(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="institution"
    )
    gias_imported_at = models.DateTimeField(null=True, blank=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["phase"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.postcode_compact = self.postcode.replace(" ", "").upper()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def age_range(self) -> str:
        if self.statutory_low_age is None or self.statutory_high_age is None:
            return ""
        return f"{self.statutory_low_age} to {self.statutory_high_age}"
