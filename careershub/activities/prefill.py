"""Answers the self-evaluation can take from the learner records: learner numbers by year group and
cohort questions ("what proportion of your Year 10 pupils have had … this academic year?").

Which question is answered how is data, in the `prefills` list of the framework's coverage rules
file (`coverage_rules/<framework code>.yaml`), beside the coverage rules themselves. Each entry
names a cohort question and the events that answer it:

- `encounter` (employer, workplace, provider, guidance), `meaningful_only`, `provider_kinds`;
- `min_count` events in a `window`: `this_year` (this academic year), `ever` (up to today) or
  `since_age` (on or after the learner's birthday `since_age`);
- `population` (optional): only learners in it are counted, e.g. those considering higher
  education;
- `describes`: the words for the source sentence ("had at least one meaningful employer
  encounter this academic year").

The year group is the question's own (`Y10` is Year 10). A question whose year group has no
learners on roll, or whose population is empty, gets no suggestion. Suggestions are never saved:
the careers leader sees each one with its source on the question page, and keeps it by saving
or chooses another answer (`evaluations.views_edit`). Only institutions' careers leaders edit
evaluations, and they see learner-level data anyway: nothing here is shown outside the
institution, so nothing is suppressed.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
from django.db.models import Count

from careershub.activities import coverage
from careershub.activities.queries import coverage_data
from careershub.evaluations.framework_data import Framework
from careershub.evaluations.models import Evaluation
from careershub.evaluations.scoring import band_for
from careershub.learners.models import Learner

WINDOWS = ("this_year", "ever", "since_age")
_YEAR_CODE = re.compile(r"^Y(\d{1,2})$")


@dataclass(frozen=True)
class Measure:
    """How one cohort question is answered from the learner records."""

    question: str
    encounter: str
    describes: str
    min_count: int = 1
    window: str = "ever"
    since_age: int | None = None
    meaningful_only: bool = False
    provider_kinds: tuple[str, ...] = ()
    population: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A suggested answer and where it came from (the same shape as the training pre-fill)."""

    question_code: str
    value: str
    source: str
    count: int = 0
    total: int = 0


@functools.cache
def load_measures(framework_code: str) -> tuple[Measure, ...]:
    """The prefill measures of a framework's coverage rules file (none when it has no file)."""
    path = coverage.RULES_DIR / f"{framework_code}.yaml"
    if not path.exists():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    measures = []
    for item in data.get("prefills", ()):
        item = dict(item)
        item["provider_kinds"] = tuple(item.get("provider_kinds", ()))
        measure = Measure(**item)
        if measure.window not in WINDOWS:
            raise ValueError(f"{path.name}: prefill {measure.question}: unknown window {measure.window!r}")
        if (measure.window == "since_age") != (measure.since_age is not None):
            raise ValueError(f"{path.name}: prefill {measure.question}: since_age goes with window since_age")
        if measure.population and measure.population not in coverage.POPULATIONS:
            raise ValueError(f"{path.name}: prefill {measure.question}: unknown population {measure.population!r}")
        measures.append(measure)
    return tuple(measures)


def year_of(year_group_code: str) -> int | None:
    """The National Curriculum year of a framework year group code (`Y10` → 10), or None."""
    match = _YEAR_CODE.match(year_group_code)
    return int(match.group(1)) if match else None


def measure_met(measure: Measure, learner: coverage.LearnerFacts, today: datetime.date) -> bool:
    events = [
        event
        for event in learner.events
        if event.encounter == measure.encounter
        and event.date <= today
        and (event.meaningful or not measure.meaningful_only)
        and (not measure.provider_kinds or event.provider_kind in measure.provider_kinds)
    ]
    if measure.window == "this_year":
        current = coverage.academic_year(today)
        events = [event for event in events if coverage.academic_year(event.date) == current]
    elif measure.window == "since_age":
        assert measure.since_age is not None
        start = coverage.birthday(learner.date_of_birth, measure.since_age)
        events = [event for event in events if event.date >= start]
    return len(events) >= measure.min_count


def _in_population(measure: Measure, learner: coverage.LearnerFacts) -> bool:
    return not measure.population or bool(getattr(learner, coverage.POPULATIONS[measure.population]))


def suggestions(spec: Framework, facts: list[coverage.LearnerFacts], today: datetime.date) -> dict[str, Suggestion]:
    """Suggested cohort answers by question code, for a framework, from learners' coverage facts."""
    result: dict[str, Suggestion] = {}
    for measure in load_measures(spec.code):
        try:
            question = spec.question(measure.question)
        except KeyError:
            continue
        if not question.is_cohort or len(question.year_groups) != 1:
            continue
        year = year_of(question.year_groups[0])
        if year is None:
            continue
        cohort = [fact for fact in facts if fact.year_group == year and _in_population(measure, fact)]
        if not cohort:
            continue
        count = sum(1 for fact in cohort if measure_met(measure, fact, today))
        band = band_for(count, len(cohort), spec.cohort_bands)
        who = f"Year {year} learners on roll"
        if measure.population:
            who += " who are considering higher education"
        result[question.code] = Suggestion(
            question.code,
            band.code,
            f"From your learner records on {today:%-d %B %Y}: {count:,} of {len(cohort):,} {who} "
            f"({100 * count // len(cohort)}%) have {measure.describes}, so the band is {band.label}.",
            count,
            len(cohort),
        )
    return result


def cohort_prefills(evaluation: Evaluation, today: datetime.date | None = None) -> dict[str, Suggestion]:
    """Suggested answers for an evaluation's cohort questions from its institution's learner records.

    Five queries (the framework file is cached): the learners on roll, their activities,
    participations and guidance meetings. Empty when the framework has no prefill measures or
    the institution has no learners on roll.
    """
    spec = evaluation.spec()
    if not load_measures(spec.code):
        return {}
    today = today or datetime.date.today()
    _learners, facts = coverage_data(evaluation.institution)
    return suggestions(spec, facts, today) if facts else {}


@dataclass(frozen=True)
class LearnerNumbersSuggestion:
    numbers: dict[str, int]
    source: str


def learner_numbers_prefill(
    evaluation: Evaluation, today: datetime.date | None = None
) -> LearnerNumbersSuggestion | None:
    """The number of learners on roll in each of the framework's year groups (one query), or None
    when the framework's groups are not National Curriculum years (colleges) or nobody is on roll."""
    spec = evaluation.spec()
    years = {group.code: year_of(group.code) for group in spec.year_groups}
    if not years or any(year is None for year in years.values()):
        return None
    counts: dict[Any, int] = dict(
        Learner.objects.on_roll()
        .filter(institution=evaluation.institution)
        .order_by()
        .values("year_group")
        .annotate(n=Count("pk"))
        .values_list("year_group", "n")
    )
    if not counts:
        return None
    today = today or datetime.date.today()
    numbers = {code: counts.get(year, 0) for code, year in years.items()}
    left_out = sum(n for year, n in counts.items() if year not in years.values())
    total = sum(numbers.values())
    source = f"From your learner records: the {total:,} learners on roll on {today:%-d %B %Y}, by year group."
    if left_out:
        source += f" {left_out:,} learners in year groups this framework does not ask about are left out."
    return LearnerNumbersSuggestion(numbers, source)
