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
