"""Geography reference data: regions, local authorities, districts, LSIP areas, combined
authorities and Opportunity Areas. Loaded from data files in `careershub/geography/data/`
by a data migration (see `loaders.py`); the files are built from the public sources named
in `data/README.md` by `scripts/build_reference_data.py`."""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    gss_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CombinedAuthority(models.Model):
    gss_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=150)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "combined authorities"

    def __str__(self) -> str:
        return self.name


class LSIPArea(models.Model):
    gss_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=150)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "LSIP area"

    def __str__(self) -> str:
        return self.name


class LocalAuthority(models.Model):
    """An upper-tier local authority as DfE counts them (the 3-digit 'LA code' in GIAS).

    Former authorities that still appear in older GIAS files (e.g. Cumbria, 909, replaced by
    Cumberland and Westmorland and Furness in April 2023) are kept with `is_current` off and
    their `successors`, so that imports of old files still link their schools. An authority
    that kept its DfE code when it was reorganised (North Yorkshire 815, Somerset 933) is one
    row with its current GSS code; its earlier GSS codes are in `former_gss_codes`."""

    dfe_code = models.CharField(max_length=3, unique=True)
    gss_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=150)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="local_authorities")
    combined_authority = models.ForeignKey(
        CombinedAuthority, on_delete=models.SET_NULL, null=True, blank=True, related_name="local_authorities"
    )
    lsip_area = models.ForeignKey(
        LSIPArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="local_authorities"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    is_current = models.BooleanField(default=True, help_text="Off for an authority that has been replaced.")
    replaced_on = models.DateField(null=True, blank=True, help_text="When a former authority's successors took over.")
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        help_text="What replaced a former authority.",
    )
    former_gss_codes = models.CharField(
        "former GSS codes",
        max_length=100,
        blank=True,
        help_text="Earlier GSS codes of this authority, space-separated.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """A local authority district (lower tier, or the unitary authority itself)."""

    gss_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=150)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="districts")
    lsip_area = models.ForeignKey(LSIPArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="districts")
    combined_authority = models.ForeignKey(
        CombinedAuthority, on_delete=models.SET_NULL, null=True, blank=True, related_name="districts"
    )
    former_gss_codes = models.CharField(
        "former GSS codes", max_length=100, blank=True, help_text="Earlier GSS codes of this district, space-separated."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpportunityArea(models.Model):
    name = models.CharField(max_length=100, unique=True)
    announced = models.CharField(max_length=7, help_text="Year and month announced, YYYY-MM")
    local_authorities = models.ManyToManyField(LocalAuthority, related_name="opportunity_areas")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpportunityAreaDistrict(models.Model):
    """A district that forms (part of) an Opportunity Area, as defined when it was announced.

    Some of these districts have since merged; `successor_gss_code` names what replaced them."""

    opportunity_area = models.ForeignKey(OpportunityArea, on_delete=models.CASCADE, related_name="districts")
    gss_code = models.CharField(max_length=9)
    name = models.CharField(max_length=150)
    successor_gss_code = models.CharField(max_length=9, blank=True)
    successor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["opportunity_area", "name"]
        constraints = [models.UniqueConstraint(fields=["opportunity_area", "gss_code"], name="unique_oa_district")]

    def __str__(self) -> str:
        return f"{self.name} ({self.opportunity_area})"


class PostcodePrecision(models.TextChoices):
    POSTCODE = "postcode", "Full postcode"
    OUTCODE = "outcode", "Postcode district"


class PostcodeLocation(models.Model):
    """Where a postcode (or a postcode district, its outcode) is: reference data that a deployment
    loads itself from the ONS Postcode Directory (OGL) with `manage.py load_postcode_locations`.

    No postcode data is committed in the repository (see ADR 0015); without it nothing is located
    automatically and people type coordinates by hand."""

    #: "M17 1AA" (one space before the 3-character inward code) or an outcode alone, "M17".
    postcode = models.CharField(max_length=8, unique=True)
    precision = models.CharField(max_length=10, choices=PostcodePrecision.choices)
    latitude = models.FloatField()
    longitude = models.FloatField()
    source = models.CharField(max_length=200, help_text="The file and edition it came from, e.g. ONSPD February 2025")

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return f"{self.postcode} ({self.latitude:.4f}, {self.longitude:.4f})"
