"""Forms for peer review. Multi-item forms carry the version the user saw for each item."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms

from careershub.core.fields import GovUKDateField
from careershub.evaluations import framework_data
from careershub.institutions.models import Institution
from careershub.reviews.maturity import MaturityModel
from careershub.reviews.models import STEPS, ConflictKind, Judgement, JudgementValue, ModerationValue


class CycleForm(forms.Form):
    name = forms.CharField(
        label="Name of the cycle",
        max_length=200,
        help_text="For example, Spring 2026 peer review",
        error_messages={"required": "Enter a name for the cycle"},
    )
    starts_on = GovUKDateField(label="Start date")
    internal_review_due = GovUKDateField(label="Internal leadership reviews due")
    judgements_due = GovUKDateField(label="Peer judgements due")
    answers_due = GovUKDateField(label="Answers to queries due")
    outcomes_due = GovUKDateField(label="Facilitated outcomes due")
    institutions = forms.MultipleChoiceField(
        label="Schools and colleges taking part",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose at least three",
        error_messages={"required": "Choose the schools and colleges taking part"},
    )

    def __init__(self, *args: Any, members: Sequence[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(i.pk): i for i in members}
        self.fields["institutions"].choices = [(str(i.pk), i.name) for i in members]  # type: ignore[attr-defined]

    def clean_institutions(self) -> list[Institution]:
        chosen = [self.members[v] for v in self.cleaned_data["institutions"]]
        if len(chosen) < 3:
            raise forms.ValidationError("Choose at least three schools or colleges: a trio needs three")
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        previous: datetime.date | None = data.get("starts_on")
        previous_label = "the start date"
        for field, label in STEPS:
            due = data.get(field)
            if due and previous and due < previous:
                self.add_error(field, f"{label} must be due on or after {previous_label}")
            if due:
                previous, previous_label = due, f"the date {label.lower()} are due"
        return data


class FacilitatorForm(forms.Form):
    user = forms.ChoiceField(label="Person", error_messages={"required": "Choose the person"})
    trained_on = GovUKDateField(label="Date of their facilitator training")

    def __init__(self, *args: Any, people: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person"), *((str(pk), name) for pk, name in people)]  # type: ignore[attr-defined]


class ConflictForm(forms.Form):
    first = forms.ChoiceField(label="School or college", error_messages={"required": "Choose a school or college"})
    second = forms.ChoiceField(
        label="Conflicts with", error_messages={"required": "Choose the other school or college"}
    )
    kind = forms.ChoiceField(
        label="Reason",
        choices=[(ConflictKind.SAME_TRUST.value, "Same trust"), (ConflictKind.DECLARED.value, "Declared conflict")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason"},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)

    def __init__(self, *args: Any, members: Sequence[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose"), *((str(i.pk), i.name) for i in members)]
        self.fields["first"].choices = choices  # type: ignore[attr-defined]
        self.fields["second"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", "Choose two different schools or colleges")
        return data


class JudgementsForm(forms.Form):
    """One benchmark's criteria: a judgement, a comment and the version seen for each."""

    def __init__(
        self, *args: Any, benchmark: framework_data.Benchmark, existing: dict[str, Judgement], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = benchmark.criteria
        for criterion in benchmark.criteria:
            current = existing.get(criterion.code)
            code = criterion.code.replace(".", "_")
            self.fields[f"value_{code}"] = forms.ChoiceField(
                label=f"Your judgement of criterion {criterion.code}",
                choices=JudgementValue.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=current.value if current else None,
            )
            self.fields[f"comment_{code}"] = forms.CharField(
                label=f"Comment on criterion {criterion.code}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=current.comment if current else "",
            )
            self.fields[f"version_{code}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=current.version if current else 0, min_value=0, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for criterion in self.criteria:
            code = criterion.code.replace(".", "_")
            value, comment = data.get(f"value_{code}"), (data.get(f"comment_{code}") or "").strip()
            if value in (JudgementValue.QUERY, JudgementValue.NOT_EVIDENCED) and not comment:
                self.add_error(f"comment_{code}", f"Say why, in a comment on criterion {criterion.code}")
            if comment and not value:
                self.add_error(f"value_{code}", f"Choose a judgement for criterion {criterion.code}")
        return data

    def judgements(self) -> dict[str, tuple[str, str, int]]:
        result = {}
        for criterion in self.criteria:
            code = criterion.code.replace(".", "_")
            value = self.cleaned_data.get(f"value_{code}")
            if value:
                result[criterion.code] = (
                    value,
                    self.cleaned_data.get(f"comment_{code}") or "",
                    self.cleaned_data.get(f"version_{code}") or 0,
                )
        return result


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter your answer to the query"},
    )


class OutcomeForm(forms.Form):
    ACTION_ROWS = 3
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    strengths = forms.CharField(
        label="Strengths the trio agreed",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Enter the strengths the trio agreed"},
    )
    excellence = forms.CharField(
        label="An area of excellence to share",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, self.ACTION_ROWS + 1):
            self.fields[f"action_{n}"] = forms.CharField(label=f"Action {n}", max_length=500, required=n == 1)
            self.fields[f"action_{n}"].error_messages["required"] = "Enter at least one action"
            self.fields[f"owner_{n}"] = forms.CharField(label=f"Owner of action {n}", max_length=200, required=False)
            self.fields[f"due_{n}"] = GovUKDateField(label=f"Date action {n} is due", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, self.ACTION_ROWS + 1):
            if data.get(f"action_{n}"):
                if not data.get(f"owner_{n}"):
                    self.add_error(f"owner_{n}", f"Enter who owns action {n}")
                if not data.get(f"due_{n}") and f"due_{n}" not in self.errors:
                    self.add_error(f"due_{n}", f"Enter the date action {n} is due")
        return data

    def actions(self) -> list[tuple[str, str, datetime.date]]:
        return [
            (self.cleaned_data[f"action_{n}"], self.cleaned_data[f"owner_{n}"], self.cleaned_data[f"due_{n}"])
            for n in range(1, self.ACTION_ROWS + 1)
            if self.cleaned_data.get(f"action_{n}")
        ]


class SharingForm(forms.Form):
    share_with_trio = forms.BooleanField(
        label="Let my trio partners keep seeing this report after the cycle", required=False
    )
    publish_to_hub = forms.BooleanField(
        label="Publish our strengths and area of excellence to the hub's other members", required=False
    )


class InternalReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, model: MaturityModel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model = model
        for theme in model.themes:
            numbers = ", ".join(str(b) for b in theme.benchmarks)
            self.fields[f"level_{theme.code}"] = forms.ChoiceField(
                label=f"{theme.label} (benchmark {numbers})",
                choices=[(level.code, f"{level.label}: {level.description}") for level in model.levels],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"evidence_{theme.code}"] = forms.CharField(
                label=f"Evidence for {theme.label.lower()}",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["taking_part"] = forms.MultipleChoiceField(
            label="Who took part",
            choices=[(c.code, c.label) for c in model.taking_part],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )


class ModerationForm(forms.Form):
    value = forms.ChoiceField(
        label="Your moderation judgement",
        choices=ModerationValue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your moderation judgement"},
    )
    comment = forms.CharField(
        label="Comment", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DrawForm(forms.Form):
    per_hub = forms.IntegerField(
        label="Reviews to draw from each hub",
        min_value=1,
        max_value=50,
        initial=2,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={"required": "Enter how many reviews to draw from each hub"},
    )
