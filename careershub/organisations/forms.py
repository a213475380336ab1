from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from careershub.organisations.models import Membership


class SwitchMembershipForm(forms.Form):
    membership = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        widget=forms.RadioSelect,
        label="Which organisation do you want to work as?",
        empty_label=None,
        error_messages={"required": "Choose an organisation", "invalid_choice": "Choose an organisation"},
    )

    def __init__(self, *args: object, memberships: QuerySet[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = memberships
        field.label_from_instance = lambda obj: f"{obj.organisation.name} – {obj.get_role_display()}"  # type: ignore[method-assign,assignment]


class InviteMemberForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150, error_messages={"required": "Enter their full name"})
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": False}),
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address like name@example.org",
        },
    )
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect, error_messages={"required": "Choose a role"})

    def __init__(self, *args: object, roles: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
