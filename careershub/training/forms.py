from __future__ import annotations

import datetime
from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField
from careershub.funds.fields import PenceField


class TrainingRecordForm(forms.Form):
    leader_name = forms.CharField(
        label="Careers leader's name", max_length=200, error_messages={"required": "Enter the careers leader's name"}
    )
    is_current_leader = forms.TypedChoiceField(
        label="Is this person your careers leader now?",
        choices=[("yes", "Yes"), ("no", "No, they were a previous careers leader")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial="yes",
        error_messages={"required": "Select whether this person is your careers leader now"},
    )
    course = forms.CharField(
        label="Course",
        max_length=200,
        help_text="For example, Careers Leader Training (Level 6)",
        error_messages={"required": "Enter the course"},
    )
    provider = forms.CharField(
        label="Training provider", max_length=200, error_messages={"required": "Enter the training provider"}
    )
    started_on = GovUKDateField(label="Start date", help_text="For example, 15 9 2024")
    completed_on = GovUKDateField(label="Completion date", required=False, help_text="Leave blank if not completed")
    bursary_pence = PenceField(
        label="Bursary",
        required=False,
        allow_zero=True,
        help_text="In pounds, for example 1000 or 1000.00. Leave blank if there was none",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.get("initial")
        if initial and isinstance(initial.get("is_current_leader"), bool):
            initial["is_current_leader"] = "yes" if initial["is_current_leader"] else "no"
        super().__init__(*args, **kwargs)

    def clean_started_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["started_on"]
        if value > datetime.date.today() + datetime.timedelta(days=366):
            raise forms.ValidationError("Start date must be within the next year")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, completed = data.get("started_on"), data.get("completed_on")
        if started and completed and completed < started:
            self.add_error("completed_on", "Completion date must be on or after the start date")
        if data.get("bursary_pence") is None:
            data["bursary_pence"] = 0
        return data
