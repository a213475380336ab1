"""DfE's published NEET, participation, September Guarantee and destination figures.

Public statistics (Open Government Licence), loaded from the files in `data/` by
`manage.py load_neet_figures` (see `loading.py`). One tidy row per measure, area and period, as
published: the value exactly as DfE printed it, or its suppression marker ("c", "x", "z", "-" ...)
kept as such, never turned into a zero. Nothing here is about any person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Level(models.TextChoices):
    NATIONAL = "national", "England"
    REGION = "region", "Region"
    LOCAL_AUTHORITY = "la", "Local authority"
    DISTRICT = "district", "Local authority district"


class Unit(models.TextChoices):
    PERCENT = "percent", "Percentage"
    COUNT = "count", "Count"


class Measure(models.Model):
    """A published measure, defined in `data/measures.yaml`."""

    code = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=20, help_text="The file family it is read from (measures.yaml 'sources').")
    column = models.CharField(max_length=80, help_text="The column, or LAIT measure_short, it is read from.")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    decimal_places = models.PositiveSmallIntegerField(null=True, blank=True)
    polarity = models.CharField(max_length=4, blank=True, help_text="'low' or 'high': which way is better.")
    denominator = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="What it is out of."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["source", "code"]

    def __str__(self) -> str:
        return self.name


class Figure(models.Model):
    """One published figure: a measure for an area and period."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="figures")
    level = models.CharField(max_length=10, choices=Level.choices)
    #: The area's code as the file gives it: GSS (E92/E12/E06…/E07…) where published, otherwise
    #: DfE's 3-digit LA code (LAIT's own codes 970 for England and 98x for regions).
    area_code = models.CharField(max_length=9)
    area_name = models.CharField(max_length=150)
    #: DfE 3-digit LA code (for level "la"; for a district, the LA it belonged to in that period).
    la_code = models.CharField(max_length=3, blank=True)
    region_name = models.CharField(max_length=100, blank=True)
    #: The period as published ("2025", "201516") and its year for ordering and charts.
    period = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    #: The published value; None when the file shows a marker instead.
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    #: The suppression or availability symbol exactly as published ("c", "x", "z", "-", "low"…).
    marker = models.CharField(max_length=10, blank=True)
    #: The figure as printed in the file (LAIT's binary float artefacts such as 4.0999999999999996
    #: are written as the decimal they stand for, 4.1: see `loading.shortest_decimal`), or its marker.
    published = models.CharField(max_length=30)
    #: Published numerator and denominator where the file gives them (counts), else None.
    numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    source_file = models.CharField(max_length=100)
    source_row = models.PositiveIntegerField(help_text="Line in the source file (header = 1).")

    class Meta:
        ordering = ["measure", "level", "area_name", "year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "level", "area_code", "period"], name="unique_published_figure")
        ]
        indexes = [
            models.Index(fields=["level", "la_code", "measure"]),
            models.Index(fields=["level", "area_code", "measure"]),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.area_name} {self.period}: {self.shown}"

    @property
    def shown(self) -> str:
        """The figure as published: its value, or its marker."""
        return self.published


class FigureLoad(models.Model):
    """One run of `load_neet_figures` that changed the figures: what was loaded, from which files."""

    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    #: SHA-256 of the files, in order, joined: the same files are not loaded twice.
    fingerprint = models.CharField(max_length=64)
    files = models.JSONField(default=list)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"Published NEET figures loaded {self.loaded_at:%Y-%m-%d %H:%M}"
