"""Geography reference data: regions, local authorities, districts, LSIP areas, combined
authorities and Opportunity Areas. Loaded from data files in `careershub/geography/data/`
by a data migration (see `loaders.py`); the files are built from the public sources named
in `NOTICE.md`."""

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
    """An upper-tier local authority as DfE counts them (the 3-digit 'LA code' in GIAS)."""

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
