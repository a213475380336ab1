from __future__ import annotations

import datetime
from typing import Any

from django import forms

from careershub.activities.models import ACTIVITY_TYPE_CHOICES
from careershub.core.fields import GovUKDateField
from careershub.evaluations.models import FrameworkVersion
from careershub.funds.fields import PenceField
from careershub.programmes.feedback import Questionnaire
from careershub.programmes.models import Audience, LearnerGroup, Term, academic_year_label


def _criterion_label(number: int, code: str, text: str) -> str:
    short = text if len(text) <= 110 else text[:107].rsplit(" ", 1)[0] + "…"
    return f"Benchmark {number}, criterion {code}: {short}"


class PlanCreateForm(forms.Form):
    academic_year = forms.TypedChoiceField(
        label="Which academic year is the plan for?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the academic year"},
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = [(y, academic_year_label(y)) for y in years]  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    """A planned activity, or a template's example activity, on the criteria of `framework`."""

    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    activity_type = forms.ChoiceField(
        label="Kind of activity",
        required=False,
        choices=[("", "Any kind"), *ACTIVITY_TYPE_CHOICES],
        help_text="Used to match it with the activities you record",
    )
    year_groups = forms.MultipleChoiceField(label="Year groups", required=False, widget=forms.CheckboxSelectMultiple)
    groups = forms.MultipleChoiceField(
        label="Groups of learners it is for, if any",
        required=False,
        choices=LearnerGroup.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    criteria = forms.MultipleChoiceField(
        label="Benchmarks and criteria it works towards", required=False, widget=forms.CheckboxSelectMultiple
    )
    learning_outcomes = forms.CharField(
        label="Learning outcomes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What learners will know or be able to do afterwards",
    )
    term = forms.ChoiceField(label="Target term", required=False, choices=Term.choices, widget=forms.RadioSelect)
    target_date = GovUKDateField(
        label="Target date", required=False, help_text="Optional. Give a term, a date or both. For example, 12 3 2027"
    )
    owner = forms.CharField(label="Owner", max_length=200, required=False, help_text="Who leads it: a name or a role")
    budget_pence = PenceField(
        label="Budget", required=False, allow_zero=True, help_text="In pounds, for example 150 or 150.00"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, framework: FrameworkVersion, with_publish: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = framework.spec()
        self.fields["year_groups"].choices = [(y.code, y.label) for y in spec.year_groups]  # type: ignore[attr-defined]
        self.fields["criteria"].choices = [  # type: ignore[attr-defined]
            (c.code, _criterion_label(b.number, c.code, c.text)) for b in spec.benchmarks for c in b.criteria
        ]
        self.fields["criteria"].help_text = f"From {spec.title}"
        if with_publish:
            self.fields["is_published"] = forms.BooleanField(
                label="Show this activity on the published page", required=False
            )
            self.order_fields([name for name in self.fields if name != "version"] + ["version"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("term") and not data.get("target_date") and "target_date" not in self.errors:
            self.add_error("term", "Choose a target term or enter a target date")
        if data.get("budget_pence") is None:
            data["budget_pence"] = 0
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "description": data["description"],
            "activity_type": data["activity_type"],
            "year_groups": list(data["year_groups"]),
            "groups": list(data["groups"]),
            "criteria": list(data["criteria"]),
            "learning_outcomes": data["learning_outcomes"],
            "term": data["term"] or "",
            "target_date": data["target_date"],
            "owner": data["owner"],
            "budget_pence": data["budget_pence"],
        }
        if "is_published" in self.fields:
            values["is_published"] = data["is_published"]
        return values


class PublishForm(forms.Form):
    is_published = forms.BooleanField(label="Publish the plan", required=False)
    introduction = forms.CharField(
        label="Introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown at the top of the published page: who the programme is for and who to contact",
    )
    fields_shown = forms.MultipleChoiceField(
        label="What to show for each activity",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("show_outcomes", "Learning outcomes"),
            ("show_timing", "When it happens"),
            ("show_benchmarks", "Benchmarks and criteria"),
            ("show_owner", "Who leads it"),
            ("show_budget", "Budget"),
            ("show_feedback", "A summary of feedback (groups of fewer than 5 answers are withheld)"),
        ],
        help_text="The title, description, year groups and groups of learners are always shown",
    )
    activities = forms.MultipleChoiceField(
        label="Activities to publish", required=False, widget=forms.CheckboxSelectMultiple
    )
    #: The activities the form listed when it was opened: one added since is left as it is.
    shown = forms.CharField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, activity_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activities"].choices = activity_choices  # type: ignore[attr-defined]
        self.fields["shown"].initial = ",".join(str(pk) for pk, _title in activity_choices)

    def shown_ids(self) -> set[int]:
        text = self.cleaned_data.get("shown") or ""
        return {int(part) for part in text.split(",") if part.strip().isdigit()}


class FeedbackLinkForm(forms.Form):
    audience = forms.ChoiceField(
        label="Who is the feedback from?",
        choices=Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who the feedback is from"},
    )


class FeedbackForm(forms.Form):
    """The public feedback form: one answer per statement, an optional comment, a honeypot and
    the signed form token."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        choices = [(o.code, o.label) for o in questionnaire.scale]
        for statement in questionnaire.statements:
            self.fields[f"s_{statement.code}"] = forms.ChoiceField(
                label=statement.text,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose an answer for “{statement.text}”"},
            )
        self.fields["comment"] = forms.CharField(
            label=questionnaire.comment,
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text="Do not include names or anything that could identify you or anyone else",
            error_messages={"max_length": "Your comment must be 2,000 characters or fewer"},
        )
        self.fields["form_token"] = forms.CharField(widget=forms.HiddenInput, required=False)

    def ratings(self) -> dict[str, str]:
        return {s.code: self.cleaned_data[f"s_{s.code}"] for s in self.questionnaire.statements}

    def visible_fields_for_page(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != "form_token"]


class TemplateForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    framework = forms.ModelChoiceField(
        label="Framework",
        queryset=FrameworkVersion.objects.none(),
        empty_label=None,
        help_text="The benchmarks and criteria its activities work towards",
    )
    is_shared = forms.BooleanField(
        label="Share with the hub's schools and colleges", required=False, help_text="They can copy it into their plans"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, frameworks: list[FrameworkVersion] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if frameworks is None:
            del self.fields["framework"]
        else:
            self.fields["framework"].queryset = FrameworkVersion.objects.filter(  # type: ignore[attr-defined]
                pk__in=[f.pk for f in frameworks]
            )


class CopyForm(forms.Form):
    activities = forms.MultipleChoiceField(
        label="Activities to copy into your plan",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one activity to copy"},
    )

    def __init__(self, *args: Any, activity_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activities"].choices = activity_choices  # type: ignore[attr-defined]


def default_years(today: datetime.date) -> list[int]:
    current = today.year if today.month >= 9 else today.year - 1
    return [current, current + 1]
