from __future__ import annotations

import datetime
from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField
from careershub.core.uploads import SpreadsheetUploadForm, spreadsheet_file_field
from careershub.destinations.models import ActivityCode, ActivityGroup, SeptemberGuarantee, Stage, TrackingConsent
from careershub.learners import mis

MAX_MB = mis.MAX_FILE_BYTES // (1024 * 1024)


def code_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    """NCCIS codes for a select (post-16 codes only), each with its group. One query.

    A flat list (the project's form layer renders no option groups); codes sort by group."""
    choices = [("", blank)] if blank is not None else []
    for code in ActivityCode.objects.filter(pre_16_only=False):  # public-reference-data
        choices.append((code.code, f"{code.code} – {code.label} ({ActivityGroup(code.group).label})"))
    return choices


def leaving_year_choices(today: datetime.date | None = None) -> list[tuple[int, str]]:
    year = (today or datetime.date.today()).year
    return [(y, f"Summer {y}") for y in range(year + 1, year - 6, -1)]


class LeaverForm(forms.Form):
    stage = forms.ChoiceField(
        label="Leaving", choices=Stage.choices, widget=forms.RadioSelect, error_messages={"required": "Select a stage"}
    )
    leaving_year = forms.TypedChoiceField(label="Year of leaving", coerce=int, choices=[])
    intended_code = forms.ChoiceField(
        label="Intended destination before leaving",
        required=False,
        help_text="What the learner planned to do, as an NCCIS activity",
    )
    september_guarantee = forms.ChoiceField(
        label="September Guarantee offer", choices=SeptemberGuarantee.choices, widget=forms.RadioSelect
    )
    tracking_consent = forms.ChoiceField(
        label="Consent to keep tracking after the statutory age",
        choices=TrackingConsent.choices,
        widget=forms.RadioSelect,
        help_text="Needed to record activity once the young person is 18 (25 with an EHC plan)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaving_year"].choices = leaving_year_choices()  # type: ignore[attr-defined]
        self.fields["intended_code"].choices = code_choices(blank="Not recorded")  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    recorded_on = GovUKDateField(
        label="From", help_text="The date the activity started or was found, for example 15 9 2025"
    )
    code = forms.ChoiceField(label="Activity (NCCIS code)", error_messages={"required": "Select an activity"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = code_choices(blank="Select an activity")  # type: ignore[attr-defined]


class LeaverFilterForm(forms.Form):
    leaving_year = forms.TypedChoiceField(label="Year of leaving", coerce=int, required=False, empty_value=None)
    stage = forms.ChoiceField(label="Leaving", choices=[("", "Year 11 and Year 13"), *Stage.choices], required=False)
    q = forms.CharField(label="Name, UPN or ULN", required=False, max_length=100)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaving_year"].choices = [("", "All years"), *((y, f"Summer {y}") for y in years)]  # type: ignore[attr-defined]


class SummaryFilterForm(forms.Form):
    leaving_year = forms.TypedChoiceField(label="Year of leaving", coerce=int, required=False, empty_value=None)
    stage = forms.ChoiceField(label="Leaving", choices=[("", "Year 11 and Year 13"), *Stage.choices], required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaving_year"].choices = [("", "All years"), *((y, f"Summer {y}") for y in years)]  # type: ignore[attr-defined]


class UploadForm(SpreadsheetUploadForm):
    max_bytes = mis.MAX_FILE_BYTES
    file = spreadsheet_file_field(
        label="Upload a destination list",
        help_text=(
            "A CSV (or Excel .xlsx) file with a UPN or ULN column, a Date column and an NCCIS code column, "
            f"up to {MAX_MB} MB."
        ),
        kind="a CSV file",
    )


class AddLeaversForm(forms.Form):
    leaving_year = forms.TypedChoiceField(label="Year of leaving", coerce=int, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaving_year"].choices = leaving_year_choices()  # type: ignore[attr-defined]
