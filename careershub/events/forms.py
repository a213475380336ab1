from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from careershub.core.fields import GovUKDateField
from careershub.events.models import EventKind
from careershub.learners.models import YEAR_GROUP_CHOICES


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of event", choices=EventKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    location = forms.CharField(label="Where", help_text="An address, or 'Online'", max_length=300)
    date = GovUKDateField(label="Date", help_text="For example, 27 3 2027")
    start_time = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 09:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    end_time = forms.TimeField(
        label="End time",
        help_text="24-hour clock, for example 15:00",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    institution_places = forms.IntegerField(
        label="Places for schools and colleges",
        min_value=0,
        max_value=10_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    employer_places = forms.IntegerField(
        label="Places for employers",
        min_value=0,
        max_value=10_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    reminder_days = forms.IntegerField(
        label="Send reminders this many days before",
        min_value=0,
        max_value=60,
        initial=2,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            zone = timezone.get_current_timezone()
            data["starts_at"] = datetime.datetime.combine(day, start, tzinfo=zone)
            data["ends_at"] = datetime.datetime.combine(day, end, tzinfo=zone)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", "The end time must be after the start time")
            elif data["starts_at"] <= timezone.now():
                self.add_error("date", "The event must be in the future")
        if not self.errors and not data.get("institution_places") and not data.get("employer_places"):
            self.add_error("institution_places", "Enter the places for schools and colleges, for employers, or both")
        return data


class AttendanceForm(forms.Form):
    year_group = forms.TypedChoiceField(
        label="A whole year group",
        choices=[("", "None"), *YEAR_GROUP_CHOICES],
        required=False,
        coerce=int,
        empty_value=None,
    )
    upns = forms.CharField(
        label="Or a list of UPNs or ULNs",
        help_text="Paste them from a spreadsheet: one a line, or separated by commas or spaces.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("year_group") and not (data.get("upns") or "").strip():
            self.add_error("year_group", "Choose a year group or paste the UPNs of the learners who attended")
        return data


class EventEditForm(EventForm):
    """The event form for a change: it carries the version it was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def initial_for(cls, event: Any) -> dict[str, Any]:
        start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
        return {
            "kind": event.kind,
            "title": event.title,
            "description": event.description,
            "location": event.location,
            "date": start.date(),
            "start_time": start.time().replace(second=0, microsecond=0),
            "end_time": end.time().replace(second=0, microsecond=0),
            "institution_places": event.institution_places,
            "employer_places": event.employer_places,
            "reminder_days": event.reminder_days,
            "version": event.version,
        }


class EventCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is the event cancelled?",
        help_text="Everyone registered or on the waiting list is sent this by email.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
