"""The GOV.UK date field: day, month and year as typed, with GOV.UK's messages and never a crash."""

from __future__ import annotations

import datetime

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from careershub.core.fields import GovUKDateField


class DateForm(forms.Form):
    day = GovUKDateField(label="The date")


def _errors(day: str, month: str, year: str) -> tuple[datetime.date | None, list[str]]:
    form = DateForm({"day-day": day, "day-month": month, "day-year": year})
    valid = form.is_valid()
    errors = [str(message) for message in form.errors.get("day", [])]  # type: ignore[union-attr]
    return (form.cleaned_data["day"] if valid else None), errors


def test_a_real_date_is_read() -> None:
    assert _errors("7", "12", "2026") == (datetime.date(2026, 12, 7), [])


def test_dates_that_are_not_real_get_the_govuk_message() -> None:
    for day, month, year in [
        ("31", "2", "2026"),
        ("99999999999999999999", "1", "2026"),
        ("1", "13", "2026"),
        ("²", "1", "2026"),
    ]:
        assert _errors(day, month, year) == (None, ["The date must be a real date"])
    assert _errors("", "1", "2026") == (None, ["The date must include a day"])


@given(st.text(max_size=25), st.text(max_size=25), st.text(max_size=25))
def test_any_typed_parts_give_a_date_or_a_message(day: str, month: str, year: str) -> None:
    found, errors = _errors(day, month, year)
    assert (found is not None) == (errors == [])  # the field is required: empty parts get a message too
