from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from careershub.core.fields import GovUKDateField
from careershub.evaluations.forms_evidence import GIF, JPEG, PDF, PNG, WEBP, detect_file_type, safe_file_name
from careershub.funds.fields import PenceField
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
RECEIPT_TYPES = {t.mime: t for t in (PDF, PNG, JPEG, GIF, WEBP)}
RECEIPT_TYPES_TEXT = "a PDF or a PNG, JPEG, GIF or WebP image"


def current_financial_year(today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    return today.year if today.month >= 4 else today.year - 1


class FundForm(forms.Form):
    name = forms.CharField(
        label="Name of the fund",
        max_length=200,
        initial="Central hub fund",
        error_messages={"required": "Enter the name of the fund"},
    )
    financial_year = forms.TypedChoiceField(
        label="Financial year", coerce=int, error_messages={"required": "Choose the financial year"}
    )
    budget_pence = PenceField(
        label="Budget", help_text="In pounds, for example 25000", error_messages={"required": "Enter the budget"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = current_financial_year()
        field = self.fields["financial_year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(y, f"{y}-{(y + 1) % 100:02d}") for y in range(year - 1, year + 3)]
        field.initial = year


class BudgetForm(forms.Form):
    budget_pence = PenceField(
        label="Budget", help_text="In pounds, for example 25000", error_messages={"required": "Enter the budget"}
    )


class AllocationForm(forms.Form):
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(),
        label="School or college",
        required=False,
        empty_label="None: a hub activity",
        error_messages={"invalid_choice": "Choose a school or college in the hub"},
    )
    activity = forms.CharField(
        label="Or a hub activity",
        max_length=200,
        required=False,
        help_text="For example, Apprenticeship fair, March",
    )
    amount_pence = PenceField(
        label="Amount", help_text="In pounds, for example 1000", error_messages={"required": "Enter the amount"}
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, hub: Hub, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Institution.objects.filter(
            hub_memberships__hub=hub, hub_memberships__left_on__isnull=True
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_institution = data.get("institution") is not None
        has_activity = bool((data.get("activity") or "").strip())
        if has_institution == has_activity and "institution" not in self.errors:
            self.add_error("institution", "Choose a school or college, or enter a hub activity, but not both")
        return data


class ClaimForm(forms.Form):
    description = forms.CharField(
        label="What the money was spent on",
        max_length=300,
        error_messages={"required": "Enter what the money was spent on"},
    )
    spent_on = GovUKDateField(label="Date of the spending", help_text="For example, 14 3 2025")
    amount_pence = PenceField(
        label="Amount claimed",
        help_text="In pounds, for example 245.50",
        error_messages={"required": "Enter the amount"},
    )
    receipt = forms.FileField(
        label="Receipt or invoice",
        help_text=f"{RECEIPT_TYPES_TEXT[0].upper()}{RECEIPT_TYPES_TEXT[1:]}, up to 5 MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.gif,.webp"}),
        error_messages={"required": "Upload the receipt or invoice"},
    )

    def clean_spent_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["spent_on"]
        if value > datetime.date.today():
            raise forms.ValidationError("Date of the spending must be today or in the past")
        return value

    def clean_receipt(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["receipt"]
        if (upload.size or 0) > MAX_RECEIPT_BYTES:
            raise forms.ValidationError("The receipt must be smaller than 5 MB")
        if not upload.size:
            raise forms.ValidationError("The receipt is empty")
        kind = detect_file_type(upload.file) if upload.file is not None else None
        if kind is None or kind.mime not in RECEIPT_TYPES:
            raise forms.ValidationError(f"The receipt must be {RECEIPT_TYPES_TEXT}")
        upload.name = safe_file_name(upload.name or "receipt", kind)
        upload.content_type = kind.mime
        return upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve for payment"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or reject the claim"},
    )
    reason = forms.CharField(
        label="Reason for rejecting",
        required=False,
        help_text="The claimant sees this",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter the reason for rejecting the claim")
        return data
