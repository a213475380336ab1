from __future__ import annotations

import datetime
from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField
from careershub.geography.models import LocalAuthority
from careershub.hubs.models import Hub, HubMembership, LeadBodyKind
from careershub.institutions.models import Institution
from careershub.organisations.models import Membership, Role


class AddInstitutionForm(forms.Form):
    urn = forms.CharField(
        label="URN of the school or college",
        help_text="The 6-digit unique reference number from Get Information about Schools, for example 106167",
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": False, "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the URN of the school or college"},
    )
    joined_on = GovUKDateField(label="Date it joined", help_text="For example, 1 9 2024")

    def clean_urn(self) -> Institution:
        value = str(self.cleaned_data["urn"]).strip()
        if not value.isdigit():
            raise forms.ValidationError("The URN must be a number, like 106167")
        institution = Institution.objects.filter(urn=int(value)).first()
        if institution is None:
            raise forms.ValidationError(f"There is no school or college with URN {value}")
        return institution

    def clean_joined_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["joined_on"]
        if value > datetime.date.today() + datetime.timedelta(days=366):
            raise forms.ValidationError("Date it joined must be within the next year")
        return value


class RemoveInstitutionForm(forms.Form):
    left_on = GovUKDateField(label="Date it left")

    def __init__(self, *args: Any, membership: HubMembership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership

    def clean_left_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["left_on"]
        if value < self.membership.joined_on:
            raise forms.ValidationError(
                f"Date it left must be on or after the date it joined, {self.membership.joined_on:%d %B %Y}"
            )
        return value


class AssignCoordinatorForm(forms.Form):
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(),
        label="School or college",
        empty_label="Choose a school or college",
        error_messages={"required": "Choose a school or college", "invalid_choice": "Choose a school or college"},
    )
    coordinator = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        label="Enterprise coordinator",
        empty_label="Choose an enterprise coordinator",
        error_messages={
            "required": "Choose an enterprise coordinator",
            "invalid_choice": "Choose an enterprise coordinator",
        },
    )

    def __init__(self, *args: Any, hub: Hub, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institution_field = self.fields["institution"]
        coordinator_field = self.fields["coordinator"]
        assert isinstance(institution_field, forms.ModelChoiceField)
        assert isinstance(coordinator_field, forms.ModelChoiceField)
        institution_field.queryset = Institution.objects.filter(
            hub_memberships__hub=hub, hub_memberships__left_on__isnull=True
        ).order_by("name")
        coordinator_field.queryset = (
            Membership.objects.active()
            .filter(organisation=hub.organisation, role=Role.ENTERPRISE_COORDINATOR)
            .select_related("user")
            .order_by("user__full_name")
        )
        coordinator_field.label_from_instance = lambda obj: obj.user.full_name or obj.user.email  # type: ignore[method-assign,assignment]


class HubCreateForm(forms.Form):
    name = forms.CharField(label="Hub name", max_length=200, error_messages={"required": "Enter the hub's name"})
    lead_body = forms.CharField(
        label="Lead body",
        help_text="The LEP, combined authority or local authority that leads the hub",
        max_length=200,
        error_messages={"required": "Enter the lead body"},
    )
    lead_body_kind = forms.ChoiceField(
        label="Kind of lead body",
        choices=LeadBodyKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of lead body"},
    )
    wave = forms.IntegerField(
        label="Wave",
        min_value=0,
        max_value=20,
        help_text="1 for September 2018, 2 for September 2019, and so on",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
        error_messages={"required": "Enter the wave", "invalid": "Wave must be a whole number, like 2"},
    )
    launched_on = GovUKDateField(label="Launch date", required=False)
    local_authorities = forms.ModelMultipleChoiceField(
        queryset=LocalAuthority.objects.order_by("name"),
        label="Local authorities covered",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if Hub.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(f"There is already a hub called {name}")
        return name
