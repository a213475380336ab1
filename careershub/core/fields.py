"""Form fields that match GOV.UK Design System patterns."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class GovUKDateWidget(forms.MultiWidget):
    """Three inputs (day, month, year) named `<name>-day`, `<name>-month`, `<name>-year`."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(3)]
        super().__init__(widgets, attrs)
        self.widgets_names = ["-day", "-month", "-year"]

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovUKDateField(forms.Field):
    """A date entered as day, month and year, with the GOV.UK error messages."""

    widget = GovUKDateWidget

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        if not value:
            return None
        day, month, year = (str(part or "").strip() for part in value)
        if not (day or month or year):
            return None
        label = str(self.label or "The date")
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"{label} must include a {' and '.join(missing)}", code="incomplete")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{label} must be a real date", code="invalid")
        try:
            return datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as exc:  # 31 February; a day of 20 digits
            raise ValidationError(f"{label} must be a real date", code="invalid") from exc

    def validate(self, value: Any) -> None:
        if value in self.empty_values and self.required:
            raise ValidationError(f"Enter {str(self.label or 'the date').lower()}", code="required")
