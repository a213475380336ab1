from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField
from careershub.employers import sic
from careershub.employers.models import (
    COMPANIES_HOUSE_PATTERN,
    ComplianceKind,
    Delivery,
    Employer,
    EncounterType,
    RequestDelivery,
    SizeBand,
    YearGroup,
)
from careershub.employers.services import POSTCODE_ERROR, VIRTUAL_WITH_SITE, site_postcode_error
from careershub.geography.postcodes import normalise, normalise_full
from careershub.hubs.models import Hub

NUMBER = {"inputmode": "numeric", "class": "govuk-input--width-4"}


class EmployerProfileForm(forms.Form):
    name = forms.CharField(label="Employer name", max_length=200, error_messages={"required": "Enter the name"})
    companies_house_number = forms.CharField(
        label="Companies House number (optional)",
        help_text="8 characters, like 01234567 or SC123456",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": False}),
    )
    sic_code = forms.CharField(
        label="SIC 2007 code (optional)",
        help_text="5 digits from the Companies House list, like 28290",
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    size_band = forms.ChoiceField(label="Size", choices=SizeBand.choices, required=False, widget=forms.RadioSelect)
    address = forms.CharField(label="Address (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    postcode = forms.CharField(
        label="Postcode (optional)", max_length=10, required=False, error_messages={"max_length": POSTCODE_ERROR}
    )
    latitude = forms.FloatField(
        label="Latitude (optional)",
        help_text="Leave latitude and longitude empty to have them found from your postcode",
        required=False,
        min_value=49.8,
        max_value=60.9,
    )
    longitude = forms.FloatField(label="Longitude (optional)", required=False, min_value=-8.7, max_value=1.8)
    hub = forms.ModelChoiceField(
        queryset=Hub.objects.order_by("name"),
        label="Careers Hub (optional)",
        help_text="The hub whose schools you work with",
        required=False,
        empty_label="Not yet in a hub",
    )
    cap_per_term = forms.IntegerField(
        label="The most school requests you will take in a term",
        min_value=0,
        max_value=200,
        initial=5,
        widget=forms.TextInput(attrs=NUMBER),
        error_messages={"required": "Enter the most requests you will take in a term"},
    )
    #: The version of the profile the form was opened on (blank: no profile yet): a stale save is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean_postcode(self) -> str:
        value = str(self.cleaned_data["postcode"]).strip()
        if not value:
            return ""
        normal = normalise(value)
        if normal is None:
            raise forms.ValidationError(POSTCODE_ERROR)
        return normal

    def clean_companies_house_number(self) -> str:
        value = str(self.cleaned_data["companies_house_number"]).replace(" ", "").upper()
        if value and not re.match(COMPANIES_HOUSE_PATTERN, value):
            raise forms.ValidationError("Enter a Companies House number of 8 characters, like 01234567 or SC123456")
        return value

    def clean_sic_code(self) -> str:
        value = str(self.cleaned_data["sic_code"]).strip()
        if value and value not in sic.codes():
            raise forms.ValidationError("Enter a SIC 2007 code from the Companies House list, like 28290")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", "Enter both latitude and longitude, or neither")
        return data


class ContactForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, error_messages={"required": "Enter the full name"})
    job_title = forms.CharField(label="Job title (optional)", max_length=200, required=False)
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter the email address",
            "invalid": "Enter an email address like name@example.com",
        },
    )
    phone = forms.CharField(label="Phone (optional)", max_length=30, required=False)


class ComplianceForm(forms.Form):
    kind = forms.ChoiceField(
        label="Check",
        choices=ComplianceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the check"},
    )
    checked_on = GovUKDateField(label="Date checked")
    expires_on = GovUKDateField(label="Expiry date")
    note = forms.CharField(label="Note (optional)", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checked, expires = data.get("checked_on"), data.get("expires_on")
        if checked and expires and expires < checked:
            self.add_error("expires_on", "The expiry date must be on or after the date checked")
        return data


def _window_error(start: datetime.date | None, end: datetime.date | None, what: str) -> str | None:
    if start is None or end is None:
        return None
    if end < start:
        return f"The end of the {what} must be on or after its start"
    if end < datetime.date.today():
        return f"The {what} is in the past"
    return None


class OfferForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    kind = forms.ChoiceField(
        label="Type of encounter",
        choices=EncounterType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of encounter"},
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=500,
        widget=forms.TextInput(attrs=NUMBER),
        error_messages={"required": "Enter the number of sessions", "min_value": "Offer at least 1 session"},
    )
    learners_per_session = forms.IntegerField(
        label="Learners per session",
        min_value=1,
        max_value=1000,
        widget=forms.TextInput(attrs=NUMBER),
        error_messages={"required": "Enter the learners per session", "min_value": "Take at least 1 learner"},
    )
    available_from = GovUKDateField(label="Available from")
    available_to = GovUKDateField(label="Available until")
    delivery = forms.ChoiceField(
        label="In person or virtual",
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose in person or virtual"},
    )
    site_postcode = forms.CharField(
        label="Site postcode (optional)",
        help_text="Leave blank if it happens at your own address",  # the employer's postcode, when it has one
        required=False,
        max_length=10,
        error_messages={"max_length": site_postcode_error("")},
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "autocomplete": "postal-code", "spellcheck": False}
        ),
    )
    year_groups = forms.MultipleChoiceField(
        label="Suitable year groups",
        choices=YearGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one year group"},
    )
    sector = forms.ChoiceField(label="Sector (optional)", required=False, widget=forms.Select)
    accessibility_notes = forms.CharField(
        label="Accessibility notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    #: The version of the offer the form was opened on (edits only): a stale save is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, employer: Employer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", "Your employer's sector"), *sic.section_choices()]  # type: ignore[attr-defined]
        if employer.postcode:
            self.fields["site_postcode"].help_text = f"Leave blank if it happens at {employer.postcode}"

    def clean_site_postcode(self) -> str:
        value = str(self.cleaned_data["site_postcode"]).strip()
        if not value:
            return ""
        normal = normalise_full(value)
        if normal is None:
            raise forms.ValidationError(site_postcode_error(value))
        return normal

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        error = _window_error(data.get("available_from"), data.get("available_to"), "availability window")
        if error:
            self.add_error("available_to", error)
        if data.get("site_postcode") and data.get("delivery") == Delivery.VIRTUAL:
            self.add_error("site_postcode", VIRTUAL_WITH_SITE)
        return data


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type of encounter",
        choices=EncounterType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of encounter"},
    )
    year_group = forms.ChoiceField(
        label="Year group", choices=YearGroup.choices, error_messages={"required": "Choose the year group"}
    )
    learners = forms.IntegerField(
        label="Number of learners",
        min_value=1,
        max_value=1000,
        widget=forms.TextInput(attrs=NUMBER),
        error_messages={"required": "Enter the number of learners", "min_value": "Ask for at least 1 learner"},
    )
    window_start = GovUKDateField(label="Preferred window starts")
    window_end = GovUKDateField(label="Preferred window ends")
    sectors = forms.MultipleChoiceField(
        label="Sectors you would like (optional)", required=False, widget=forms.CheckboxSelectMultiple
    )
    delivery = forms.ChoiceField(
        label="In person or virtual",
        choices=RequestDelivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose in person, virtual or either"},
    )
    max_travel_km = forms.IntegerField(
        label="Maximum travel distance in kilometres",
        min_value=0,
        max_value=100,
        initial=15,
        widget=forms.TextInput(attrs=NUMBER),
        error_messages={
            "required": "Enter the maximum travel distance",
            "max_value": "The maximum travel distance must be 100 km or less",
        },
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    #: The version of the request the form was opened on (edits only): a stale save is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sectors"].choices = sic.section_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        error = _window_error(data.get("window_start"), data.get("window_end"), "preferred window")
        if error:
            self.add_error("window_end", error)
        return data


class AdviserForm(forms.Form):
    institution: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # set per hub
        label="School or college",
        required=False,
        empty_label="Not an Enterprise Adviser",
        help_text="An Enterprise Adviser volunteers with one school or college of the hub.",
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
