from __future__ import annotations

from django import forms


class LoadForm(forms.Form):
    """Confirms loading the files that were checked: their fingerprint must not have changed since."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
