"""A form field for money typed in pounds and pence, cleaned to whole pence."""

from __future__ import annotations

from typing import Any

from django import forms

from careershub.funds.money import AmountError, pence_from_text, plain_pence


class PenceField(forms.Field):
    """Shows and accepts pounds ("1,250.00"); `cleaned_data` holds integer pence."""

    def __init__(self, *args: Any, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "spellcheck": False, "maxlength": 20, "class": "govuk-input--width-10"}
            ),
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return plain_pence(value)
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            pence = pence_from_text(text)
        except AmountError as error:
            raise forms.ValidationError(str(error), code="invalid") from error
        if pence == 0 and not self.allow_zero:
            raise forms.ValidationError(f"{self.label} must be more than £0", code="invalid")
        return pence
