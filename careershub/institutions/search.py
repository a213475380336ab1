"""The directory's search and filter form (a GET form: pages work without JavaScript)."""

from __future__ import annotations

from typing import Any

from django import forms

from careershub.institutions import queries
from careershub.institutions.models import InstitutionKind


class InstitutionSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, URN, UKPRN, postcode or local authority",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": False}),
    )
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *InstitutionKind.choices])
    phase = forms.ChoiceField(label="Phase", required=False)
    la = forms.ChoiceField(label="Local authority", required=False)
    hub = forms.ChoiceField(label="Careers Hub", required=False)
    include_closed = forms.BooleanField(label="Include closed schools and colleges", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [("", "Any phase"), *queries.phase_choices()]  # type: ignore[attr-defined]
        self.fields["la"].choices = [("", "Any local authority"), *queries.local_authority_choices()]  # type: ignore[attr-defined]
        self.fields["hub"].choices = [("", "Any hub or none"), *queries.hub_choices()]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The cleaned filters; invalid values are dropped rather than failing the page."""
        if not self.is_valid():
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        else:
            data = self.cleaned_data
        hub = data.get("hub") or ""
        return {
            "text": data.get("q") or "",
            "kind": data.get("kind") or "",
            "phase": data.get("phase") or "",
            "la_code": data.get("la") or "",
            "hub_id": int(hub) if str(hub).isdigit() else None,
            "include_closed": bool(data.get("include_closed")),
        }
