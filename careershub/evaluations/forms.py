"""Forms for editing an evaluation. Each answer field travels with the version the user saw."""

from __future__ import annotations

from typing import Any

from django import forms

from careershub.evaluations import framework_data, scoring
from careershub.institutions.models import InstitutionKind

ANSWER_LABELS = {"yes": "Yes", "no": "No", "partly": "Partly"}
OVERRIDE_KINDS = [
    (InstitutionKind.MAINSTREAM_SCHOOL.value, "School"),
    (InstitutionKind.SPECIAL_SCHOOL.value, "Special school"),
    (InstitutionKind.COLLEGE.value, "College or post-16 provider"),
    (InstitutionKind.TRAINING_PROVIDER.value, "Independent training provider"),
]


class StartForm(forms.Form):
    copy_previous = forms.TypedChoiceField(
        label="Start from your last submitted evaluation?",
        choices=[
            ("yes", "Yes, copy its answers, learner numbers and evidence so I can update them"),
            ("no", "No, start empty"),
        ],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        initial="yes",
        error_messages={"required": "Choose whether to copy your last evaluation"},
    )
    evaluate_as = forms.ChoiceField(
        label="Evaluate as",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of institution to evaluate as"},
    )
    reason = forms.CharField(
        label="Why evaluate as a different kind of institution?",
        help_text=(
            "Only needed if you choose a kind other than your own, for example a school where most "
            "pupils take qualifications below Level 2"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def __init__(self, *args: Any, own_kind: str, own_kind_label: str, has_previous: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_kind = own_kind
        choices = [("", f"Its own kind ({own_kind_label})")]
        choices += [(value, label) for value, label in OVERRIDE_KINDS if value != own_kind]
        self.fields["evaluate_as"].choices = choices  # type: ignore[attr-defined]
        self.fields["evaluate_as"].required = False
        self.initial.setdefault("evaluate_as", "")
        if not has_previous:
            del self.fields["copy_previous"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("evaluate_as") and not str(data.get("reason", "")).strip():
            self.add_error("reason", "Give a reason for evaluating as a different kind of institution")
        return data


class LearnerNumbersForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, spec: framework_data.Framework, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year_groups = spec.year_groups
        for group in spec.year_groups:
            self.fields[f"yg_{group.code}"] = forms.IntegerField(
                label=group.label,
                min_value=0,
                max_value=10_000,
                help_text="Enter 0 if you have no learners in this group",
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
                error_messages={
                    "required": f"Enter the number of learners in {group.label}",
                    "invalid": f"The number of learners in {group.label} must be a whole number, like 180",
                    "min_value": f"The number of learners in {group.label} must be 0 or more",
                    "max_value": f"The number of learners in {group.label} must be 10,000 or fewer",
                },
            )

    def numbers(self) -> dict[str, int]:
        return {g.code: int(self.cleaned_data[f"yg_{g.code}"]) for g in self.year_groups}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(data.get(f"yg_{g.code}") for g in self.year_groups):
            raise forms.ValidationError("Enter the number of learners in at least one year group")
        return data


def answer_choices(spec: framework_data.Framework, question: framework_data.Question) -> list[tuple[str, str]]:
    if question.is_cohort:
        return [(band.code, band.label) for band in spec.cohort_bands]
    return [(value, ANSWER_LABELS[value]) for value in scoring.allowed_answers(spec, question)]


class BenchmarkAnswersForm(forms.Form):
    """One radio group per applicable question, plus the version of each answer the user saw."""

    def __init__(
        self,
        *args: Any,
        spec: framework_data.Framework,
        benchmark: framework_data.Benchmark,
        year_groups: frozenset[str] | None,
        versions: dict[str, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = [q for q in benchmark.questions if scoring.is_applicable(q, year_groups)]
        self.not_applicable = [q for q in benchmark.questions if not scoring.is_applicable(q, year_groups)]
        for question in self.questions:
            hint = ""
            if question.is_cohort:
                groups = ", ".join(question.year_groups)
                hint = f"Proportion of learners ({groups})" if groups else "Proportion of learners"
            self.fields[f"q_{question.code}"] = forms.ChoiceField(
                label=f"{question.code}. {question.text}",
                choices=answer_choices(spec, question),
                widget=forms.RadioSelect,
                required=False,
                help_text=hint,
            )
            self.fields[f"v_{question.code}"] = forms.IntegerField(
                widget=forms.HiddenInput, min_value=0, initial=versions.get(question.code, 0), required=False
            )

    def submitted_answers(self) -> dict[str, tuple[str | None, int]]:
        """Answers the user gave on this page, with the versions they were based on.
        A question left blank is not sent (a draft keeps what it had)."""
        answers: dict[str, tuple[str | None, int]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q_{question.code}") or None
            if value is None:
                continue
            answers[question.code] = (value, int(self.cleaned_data.get(f"v_{question.code}") or 0))
        return answers
