"""Forms for recording a delivered encounter and for feedback."""

from __future__ import annotations

from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField

YES_NO = [("yes", "Yes"), ("no", "No")]
RATINGS = [(str(n), label) for n, label in ((5, "5 (excellent)"), (4, "4"), (3, "3"), (2, "2"), (1, "1 (poor)"))]


class DeliveryForm(forms.Form):
    delivered_on = GovUKDateField(label="Date it took place")
    how = forms.ChoiceField(
        label="Who took part?",
        choices=[
            ("year_group", "The whole year group of the request"),
            ("registration_group", "A registration group"),
            ("upns", "A list of UPNs or ULNs"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who took part"},
    )
    registration_group = forms.CharField(label="Registration group", max_length=20, required=False)
    upns = forms.CharField(
        label="UPNs or ULNs",
        help_text="One a line, or separated by commas or spaces.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    checklist = forms.MultipleChoiceField(
        label="Meaningful-encounter checklist",
        help_text="Tick what was true.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    met_criteria = forms.ChoiceField(
        label="Did it meet the criteria of a meaningful encounter?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it met the criteria"},
    )
    rating = forms.TypedChoiceField(
        label="How would you rate it?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating"},
    )
    comment = forms.CharField(
        label="Anything else (optional)", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, checklist: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = checklist  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("how") == "registration_group" and not cleaned.get("registration_group"):
            self.add_error("registration_group", "Enter the registration group")
        if cleaned.get("how") == "upns" and not (cleaned.get("upns") or "").strip():
            self.add_error("upns", "Enter at least one UPN or ULN")
        return cleaned


class EmployerFeedbackForm(forms.Form):
    met_criteria = forms.ChoiceField(
        label="Did it meet the criteria of a meaningful encounter?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it met the criteria"},
    )
    would_host_again = forms.ChoiceField(
        label="Would you host this school again?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you would host again"},
    )
    comment = forms.CharField(
        label="Anything else (optional)", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
