from __future__ import annotations

import datetime
from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField
from careershub.core.uploads import SpreadsheetUploadForm, spreadsheet_file_field
from careershub.learners import mis
from careershub.risk import scoring
from careershub.risk.models import Indicator, InterventionKind, InterventionStatus

MAX_MB = mis.MAX_FILE_BYTES // (1024 * 1024)
WEIGHT_CHOICES = [(w, str(w)) for w in range(1, scoring.MAX_WEIGHT + 1)]


def in_sentence(name: str) -> str:
    """A name as it reads mid-sentence: "Young carer" → "young carer", "EHC plan" stays."""
    first = name.split()[0] if name else ""
    if not first or first.isupper() or first == "English":
        return name
    return name[0].lower() + name[1:]


class RiskListForm(forms.Form):
    rag = forms.ChoiceField(
        label="Rating",
        required=False,
        choices=[("", "All"), (scoring.RED, "Red"), (scoring.AMBER, "Amber"), (scoring.GREEN, "Green")],
    )
    order = forms.ChoiceField(
        label="Sort by", required=False, choices=[("score", "Score, highest first"), ("name", "Surname")]
    )


class ConfigurationForm(forms.Form):
    """For each indicator: switched on or not and its weight; then the thresholds."""

    amber = forms.IntegerField(
        label="Amber from a score of",
        min_value=1,
        max_value=99,
        error_messages={"required": "Enter the score from which a learner is amber"},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
    )
    red = forms.IntegerField(
        label="Red from a score of",
        min_value=1,
        max_value=99,
        error_messages={"required": "Enter the score from which a learner is red"},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, indicators: list[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"on_{indicator.code}"] = forms.BooleanField(
                label=indicator.name, required=False, help_text=indicator.description
            )
            self.fields[f"weight_{indicator.code}"] = forms.TypedChoiceField(
                label=f"Weight of {in_sentence(indicator.name)}",
                choices=WEIGHT_CHOICES,
                coerce=int,
                initial=indicator.default_weight,
                required=False,
                empty_value=None,
            )

    def rows(self) -> list[tuple[Indicator, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"on_{i.code}"], self[f"weight_{i.code}"]) for i in self.indicators]

    def weights(self) -> dict[str, int]:
        return {
            i.code: int(self.cleaned_data.get(f"weight_{i.code}") or i.default_weight)
            for i in self.indicators
            if self.cleaned_data.get(f"on_{i.code}")
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amber, red = data.get("amber"), data.get("red")
        if amber is not None and red is not None and amber > red:
            self.add_error("red", "The red threshold must be at least the amber threshold")
        if not any(data.get(f"on_{i.code}") for i in self.indicators):
            self.add_error(None, "Switch on at least one indicator")
        return data


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type of intervention",
        choices=InterventionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of intervention"},
    )
    indicator = forms.ModelChoiceField(
        label="Risk flag it responds to",
        queryset=Indicator.objects.none(),
        required=False,
        empty_label="The learner's risk in general",
    )
    owner = forms.CharField(
        label="Who is responsible", max_length=200, error_messages={"required": "Enter who is responsible"}
    )
    started_on = GovUKDateField(label="Date", help_text="For example, 12 11 2026")
    status = forms.ChoiceField(
        label="Status",
        choices=InterventionStatus.choices,
        widget=forms.RadioSelect,
        initial=InterventionStatus.PLANNED,
        error_messages={"required": "Select the status"},
    )
    notes = forms.CharField(label="What was agreed or done", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.CharField(
        label="What happened afterwards",
        required=False,
        help_text="For example, the learner applied to college and was offered a place",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up_on = GovUKDateField(label="Follow-up date", required=False, help_text="Leave blank if none is planned")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started: datetime.date | None = data.get("started_on")
        follow_up: datetime.date | None = data.get("follow_up_on")
        if started and follow_up and follow_up < started:
            self.add_error("follow_up_on", "The follow-up date must be on or after the date")
        return data


class UploadForm(SpreadsheetUploadForm):
    max_bytes = mis.MAX_FILE_BYTES
    file = spreadsheet_file_field(
        label="Upload a file of risk factors",
        help_text=(
            "A CSV or Excel (.xlsx) file with a UPN (or ULN) column and a column for each risk factor, "
            f"up to {MAX_MB} MB."
        ),
    )
