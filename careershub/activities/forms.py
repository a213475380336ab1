from __future__ import annotations

from typing import Any

from django import forms

from careershub.activities.models import ACTIVITY_TYPE_CHOICES, CHECKLIST, Mode, ProviderKind
from careershub.core.fields import GovUKDateField
from careershub.learners.forms import YES_NO_ANY
from careershub.learners.models import YEAR_GROUP_CHOICES, SenStatus

BENCHMARK_CHOICES = [(str(n), f"Benchmark {n}") for n in range(1, 9)]


class ActivityForm(forms.Form):
    activity_type = forms.ChoiceField(label="Type of activity", choices=[("", "Choose a type"), *ACTIVITY_TYPE_CHOICES])
    title = forms.CharField(label="Title", max_length=200)
    date = GovUKDateField(label="Date of the activity", help_text="For example, 27 3 2026")
    provider_name = forms.CharField(label="Employer or provider", max_length=200, required=False)
    provider_kind = forms.ChoiceField(
        label="Kind of provider", choices=ProviderKind.choices, widget=forms.RadioSelect, initial="employer"
    )
    mode = forms.ChoiceField(
        label="How it took place", choices=Mode.choices, widget=forms.RadioSelect, initial="in_person"
    )
    benchmarks = forms.MultipleChoiceField(
        label="Benchmarks it counts towards",
        help_text="Leave empty to use the benchmarks of its type.",
        choices=BENCHMARK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    checklist = forms.MultipleChoiceField(
        label="Meaningful-encounter checklist",
        help_text="Tick what was true. Items that do not apply to the type of activity are ignored.",
        choices=[(name, label) for name, (label, _e) in CHECKLIST.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    through_curriculum = forms.BooleanField(
        label="Delivered through the learners' curriculum area (colleges: Benchmark 5)", required=False
    )

    def clean_activity_type(self) -> Any:
        value = self.cleaned_data["activity_type"]
        if not value:
            raise forms.ValidationError("Choose the type of activity")
        return value


class ParticipantsForm(forms.Form):
    """Who took part: a year group, a registration group, a filtered list or pasted UPNs."""

    how = forms.ChoiceField(
        label="How do you want to choose who took part?",
        choices=[
            ("year_group", "A whole year group"),
            ("registration_group", "A registration group"),
            ("filter", "Learners matching a filter"),
            ("upns", "A list of UPNs or ULNs"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how to select who took part"},
    )
    year_group = forms.TypedChoiceField(
        label="Year group", choices=[("", "Any"), *YEAR_GROUP_CHOICES], required=False, coerce=int, empty_value=None
    )
    registration_group = forms.CharField(label="Registration group", max_length=20, required=False)
    disadvantaged = forms.ChoiceField(label="Disadvantaged", choices=YES_NO_ANY, required=False)
    fsm = forms.ChoiceField(label="Free school meals", choices=YES_NO_ANY, required=False)
    sen_status = forms.ChoiceField(label="SEN status", choices=[("", "Any"), *SenStatus.choices], required=False)
    looked_after = forms.ChoiceField(label="Looked after", choices=YES_NO_ANY, required=False)
    upns = forms.CharField(
        label="UPNs or ULNs",
        help_text="Paste them from a spreadsheet: one a line, or separated by commas or spaces.",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        how = cleaned.get("how")
        if how == "year_group" and not cleaned.get("year_group"):
            self.add_error("year_group", "Choose the year group")
        if how == "registration_group" and not cleaned.get("registration_group"):
            self.add_error("registration_group", "Enter the registration group")
        if how == "upns" and not (cleaned.get("upns") or "").strip():
            self.add_error("upns", "Paste at least one UPN or ULN")
        return cleaned


class GuidanceMeetingForm(forms.Form):
    date = GovUKDateField(label="Date of the meeting")
    adviser_name = forms.CharField(label="Careers adviser", max_length=200)
    adviser_level6 = forms.BooleanField(label="The adviser is qualified to level 6 or above", required=False)
    notes = forms.CharField(
        label="Notes",
        help_text="Only careers leaders at your school or college can read these notes.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
