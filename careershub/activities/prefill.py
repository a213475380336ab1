"""Answers the self-evaluation can take from the learner records: learner numbers by year group and
cohort questions ("what proportion of your Year 10 pupils have had … this academic year?").

Which question is answered how is data, in the `prefills` list of the framework's coverage rules
file (`coverage_rules/<framework code>.yaml`), beside the coverage rules themselves. Each entry
names a cohort question and what answers it, either

- an `encounter` (employer, workplace, provider, guidance), with `meaningful_only`,
  `provider_kinds`, `each_provider_kind` (at least `min_count` with each of the provider kinds,
  for "a range of providers") and `curriculum_only` (only encounters delivered through the
  learner's curriculum area), from the same events as the coverage rules; or
- `activity_types` (e.g. `lmi_session`): taking part in an activity of one of these types, for
  activities that are not a Benchmark 5 to 8 encounter (those have no coverage events);

and then

- `min_count` of them in a `window`: `this_year` (this academic year), `ever` (up to today),
  `since_age` (on or after the learner's birthday `since_age`) or `since_year` (since the start
  of the academic year in which the learner was in Year `since_year`: "during Key Stage 3" of a
  Year 9 pupil is `since_year: 7`);
- `population` (optional): only learners in it are counted, e.g. those considering higher
  education;
- `describes`: the words for the source sentence ("had at least one meaningful employer
  encounter this academic year"), and `note` (optional): what the figure does not show, added to
  the source sentence.

The year group is the question's own: `Y10` is Year 10. A framework whose cohort groups are not
National Curriculum years (colleges: first year, later years, completing) maps them to year
groups in the file's `cohort_groups`, each with the words for who is counted (`who`) and how the
group is read from the records (`reading`, added to the source sentence), and says so for the
learner numbers in `cohort_groups_note`; a group it does not map gets no suggestion, and neither
does its learner number. A group with `planned_end: this_year` (colleges' learners completing
their programme) is those of its year groups whose planned end date (imported from the MIS) falls
in this academic year, 1 September to 31 August. It is counted only when every learner on roll in
its year groups has a planned end date that has not passed before this academic year: otherwise
who completes is unknown, and rather than undercount it, neither its questions nor its learner
number are suggested, and the learner numbers' source says how many learners lack one
(docs/adr/0011). A question whose group has no learners on roll, or whose population is empty,
gets no suggestion. Suggestions are never saved: the careers
leader sees each one with its source on the question page, and keeps it by saving or chooses
another answer (`evaluations.views_edit`). Only institutions' careers leaders edit evaluations,
and they see learner-level data anyway: nothing here is shown outside the institution, so
nothing is suppressed.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db.models import Count, Q

from careershub.activities import coverage
from careershub.activities.models import ACTIVITY_TYPES, Participation
from careershub.activities.queries import coverage_data
from careershub.evaluations.framework_data import Framework
from careershub.evaluations.models import Evaluation
from careershub.evaluations.scoring import band_for
from careershub.institutions.models import Institution
from careershub.learners.models import Learner

WINDOWS = ("this_year", "ever", "since_age", "since_year")
#: How a cohort group may be read from planned end dates (`CohortGroup.planned_end`).
PLANNED_END = ("this_year",)
_YEAR_CODE = re.compile(r"^Y(\d{1,2})$")

#: A learner's part in an activity of a type a measure counts: (date, activity type).
TypedActivity = tuple[datetime.date, str]


@dataclass(frozen=True)
class Measure:
    """How one cohort question is answered from the learner records."""

    question: str
    encounter: str = ""
    describes: str = ""
    activity_types: tuple[str, ...] = ()
    min_count: int = 1
    window: str = "ever"
    since_age: int | None = None
    since_year: int | None = None
    meaningful_only: bool = False
    provider_kinds: tuple[str, ...] = ()
    each_provider_kind: bool = False
    curriculum_only: bool = False
    population: str = ""
    note: str = ""


@dataclass(frozen=True)
class CohortGroup:
    """The year groups of the learner records that make one of a framework's cohort groups."""

    years: tuple[int, ...]
    who: str
    reading: str = ""
    #: "this_year": only the learners of these years whose planned end date is in this academic year.
    planned_end: str = ""


@dataclass(frozen=True)
class Members:
    """Who of the learners on roll is in a cohort group, or None when the records cannot tell."""

    facts: list[coverage.LearnerFacts] | None
    #: Learners on roll in the group's years (for a `planned_end` group), and of them those with
    #: no planned end date and those still on roll after a planned end date before this year.
    in_years: int = 0
    without_date: int = 0
    ended_before: int = 0


@dataclass(frozen=True)
class Suggestion:
    """A suggested answer and where it came from (the same shape as the training pre-fill)."""

    question_code: str
    value: str
    source: str
    count: int = 0
    total: int = 0


@functools.cache
def _prefill_data(framework_code: str) -> dict[str, Any]:
    path = coverage.RULES_DIR / f"{framework_code}.yaml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _measure(name: str, item: dict[str, Any]) -> Measure:
    item = dict(item)
    item["provider_kinds"] = tuple(item.get("provider_kinds", ()))
    item["activity_types"] = tuple(item.get("activity_types", ()))
    measure = Measure(**item)
    where = f"{name}: prefill {measure.question}"
    if measure.window not in WINDOWS:
        raise ValueError(f"{where}: unknown window {measure.window!r}")
    if (measure.window == "since_age") != (measure.since_age is not None):
        raise ValueError(f"{where}: since_age goes with window since_age")
    if (measure.window == "since_year") != (measure.since_year is not None):
        raise ValueError(f"{where}: since_year goes with window since_year")
    if measure.population and measure.population not in coverage.POPULATIONS:
        raise ValueError(f"{where}: unknown population {measure.population!r}")
    if not measure.describes:
        raise ValueError(f"{where}: describes is missing")
    if bool(measure.encounter) == bool(measure.activity_types):
        raise ValueError(f"{where}: give either an encounter or activity_types")
    unknown = [code for code in measure.activity_types if code not in ACTIVITY_TYPES]
    if unknown:
        raise ValueError(f"{where}: unknown activity types {unknown}")
    if measure.activity_types and (measure.meaningful_only or measure.provider_kinds or measure.curriculum_only):
        # Only encounters have a checklist, a provider kind that counts and a curriculum flag.
        raise ValueError(f"{where}: meaningful_only, provider_kinds and curriculum_only go with an encounter")
    if measure.each_provider_kind and len(measure.provider_kinds) < 2:
        raise ValueError(f"{where}: each_provider_kind needs at least two provider_kinds")
    return measure


@functools.cache
def load_measures(framework_code: str) -> tuple[Measure, ...]:
    """The prefill measures of a framework's coverage rules file (none when it has no file)."""
    name = f"{framework_code}.yaml"
    return tuple(_measure(name, item) for item in _prefill_data(framework_code).get("prefills", ()))


@functools.cache
def load_groups(framework_code: str) -> dict[str, CohortGroup]:
    """The file's `cohort_groups`: a framework's cohort groups that are not National Curriculum
    years (colleges' first year and later years), as year groups of the learner records."""
    groups = {}
    for code, item in (_prefill_data(framework_code).get("cohort_groups") or {}).items():
        years = tuple(int(year) for year in item["years"])
        if not years:
            raise ValueError(f"{framework_code}.yaml: cohort group {code} has no years")
        planned_end = str(item.get("planned_end", ""))
        if planned_end and planned_end not in PLANNED_END:
            raise ValueError(f"{framework_code}.yaml: cohort group {code}: unknown planned_end {planned_end!r}")
        groups[code] = CohortGroup(years, str(item["who"]), str(item.get("reading", "")).strip(), planned_end)
    return groups


def groups_note(framework_code: str) -> str:
    """What the file says about how its cohort groups are read from the records (or "")."""
    return str(_prefill_data(framework_code).get("cohort_groups_note") or "").strip()


def year_of(year_group_code: str) -> int | None:
    """The National Curriculum year of a framework year group code (`Y10` → 10), or None."""
    match = _YEAR_CODE.match(year_group_code)
    return int(match.group(1)) if match else None


def cohort_group(framework_code: str, group_code: str) -> CohortGroup | None:
    """The learner records' year groups that make a framework's cohort group (and, for colleges'
    learners completing their programme, the planned end dates), or None when it maps none."""
    year = year_of(group_code)
    if year is not None:
        return CohortGroup((year,), f"Year {year} learners on roll")
    return load_groups(framework_code).get(group_code)


def academic_year_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last days of the academic year containing `today` (1 September, 31 August)."""
    start = coverage.academic_year(today)
    return datetime.date(start, 9, 1), datetime.date(start + 1, 8, 31)


def members(group: CohortGroup, facts: Sequence[coverage.LearnerFacts], today: datetime.date) -> Members:
    """The learners on roll (`facts`) in a cohort group. For a `planned_end` group: those of its
    years whose planned end date is in this academic year, or None (with the counts saying why)
    when any learner of its years has no planned end date, or one before this academic year while
    still on roll: then who completes this year is not known, and counting the others would
    undercount the group."""
    in_years = [fact for fact in facts if fact.year_group in group.years]
    if not group.planned_end:
        return Members(in_years)
    first, last = academic_year_bounds(today)
    without_date = sum(1 for fact in in_years if fact.planned_end_date is None)
    ended_before = sum(1 for fact in in_years if fact.planned_end_date is not None and fact.planned_end_date < first)
    found = Members(None, len(in_years), without_date, ended_before)
    if without_date or ended_before:
        return found
    completing = [fact for fact in in_years if fact.planned_end_date is not None and fact.planned_end_date <= last]
    return Members(completing, len(in_years))


def _years_text(years: Sequence[int]) -> str:
    """Year 12; Years 12 to 14; Years 12, 14."""
    if len(years) == 1:
        return f"Year {years[0]}"
    if list(years) == list(range(years[0], years[-1] + 1)):
        return f"Years {years[0]} to {years[-1]}"
    return "Years " + ", ".join(str(year) for year in years)


def planned_end_reading(group: CohortGroup, found: Members, today: datetime.date) -> str:
    """How a `planned_end` group was read, or why it was not, for a source sentence (from the
    counts of `found` alone)."""
    first, last = academic_year_bounds(today)
    years = _years_text(group.years)
    if not found.without_date and not found.ended_before:
        return (
            f"Completing this year means a planned end date from {first:%-d %B %Y} to {last:%-d %B %Y}; "
            f"all {found.in_years:,} learners on roll in {years} have one in the records."
        )
    missing = []
    if found.without_date:
        have = "has" if found.without_date == 1 else "have"
        missing.append(f"{found.without_date:,} {have} no planned end date")
    if found.ended_before:
        are = "is" if found.ended_before == 1 else "are"
        missing.append(f"{found.ended_before:,} {are} still on roll after a planned end date before {first:%-d %B %Y}")
    return (
        f"Learners completing their programme this year are not counted: of the {found.in_years:,} learners "
        f"on roll in {years}, {' and '.join(missing)}, so the records do not say who completes this year. "
        "Add their planned end dates to your MIS import, or enter the number yourself."
    )


def measure_met(
    measure: Measure,
    learner: coverage.LearnerFacts,
    today: datetime.date,
    activities: Sequence[TypedActivity] = (),
) -> bool:
    """Whether the learner has what the measure counts; `activities` are the learner's parts in
    activities of the measure's `activity_types` (only read by such measures)."""
    if measure.activity_types:
        found = [(day, kind) for day, kind in activities if kind in measure.activity_types and day <= today]
    else:
        found = [
            (event.date, event.provider_kind)
            for event in learner.events
            if event.encounter == measure.encounter
            and event.date <= today
            and (event.meaningful or not measure.meaningful_only)
            and (event.curriculum or not measure.curriculum_only)
            and (not measure.provider_kinds or event.provider_kind in measure.provider_kinds)
        ]
    if measure.window == "this_year":
        current = coverage.academic_year(today)
        found = [(day, kind) for day, kind in found if coverage.academic_year(day) == current]
    elif measure.window == "since_age":
        assert measure.since_age is not None
        start = coverage.birthday(learner.date_of_birth, measure.since_age)
        found = [(day, kind) for day, kind in found if day >= start]
    elif measure.window == "since_year":
        assert measure.since_year is not None
        # A learner not yet in Year `since_year` starts after this year: nothing counts.
        first = coverage.academic_year(today) - (learner.year_group - measure.since_year)
        found = [(day, kind) for day, kind in found if coverage.academic_year(day) >= first]
    if measure.each_provider_kind:
        kinds = [kind for _day, kind in found]
        return all(kinds.count(wanted) >= measure.min_count for wanted in measure.provider_kinds)
    return len(found) >= measure.min_count


def _in_population(measure: Measure, learner: coverage.LearnerFacts) -> bool:
    return not measure.population or bool(getattr(learner, coverage.POPULATIONS[measure.population]))


def suggestions(
    spec: Framework,
    facts: list[coverage.LearnerFacts],
    today: datetime.date,
    activities: Mapping[int, Sequence[TypedActivity]] | None = None,
) -> dict[str, Suggestion]:
    """Suggested cohort answers by question code, for a framework, from learners' coverage facts
    and (for measures of activity types) their parts in activities of those types by learner key."""
    activities = activities or {}
    result: dict[str, Suggestion] = {}
    for measure in load_measures(spec.code):
        try:
            question = spec.question(measure.question)
        except KeyError:
            continue
        if not question.is_cohort or len(question.year_groups) != 1:
            continue
        group = cohort_group(spec.code, question.year_groups[0])
        if group is None:
            continue
        found = members(group, facts, today)
        if found.facts is None:
            continue  # who is in the group is not known: no suggestion rather than a wrong one
        cohort = [fact for fact in found.facts if _in_population(measure, fact)]
        if not cohort:
            continue
        count = sum(1 for fact in cohort if measure_met(measure, fact, today, activities.get(fact.pk, ())))
        band = band_for(count, len(cohort), spec.cohort_bands)
        who = group.who
        if measure.population:
            who += " who are considering higher education"
        source = (
            f"From your learner records on {today:%-d %B %Y}: {count:,} of {len(cohort):,} {who} "
            f"({100 * count // len(cohort)}%) have {measure.describes}, so the band is {band.label}."
        )
        reading = planned_end_reading(group, found, today) if group.planned_end else ""
        for said in (group.reading, reading, measure.note.strip()):
            if said:
                source += f" {said}"
        result[question.code] = Suggestion(question.code, band.code, source, count, len(cohort))
    return result


def typed_activities(institution: Institution, types: Sequence[str]) -> dict[int, list[TypedActivity]]:
    """Each learner on roll's parts in the institution's activities of these types (one query)."""
    found: dict[int, list[TypedActivity]] = {}
    if not types:
        return found
    rows = (
        Participation.objects.filter(
            activity__institution=institution,
            activity__activity_type__in=list(types),
            learner__left_on__isnull=True,
        )
        .order_by()
        .values_list("learner_id", "activity__date", "activity__activity_type")
    )
    for learner_id, day, kind in rows:
        found.setdefault(learner_id, []).append((day, kind))
    return found


def cohort_prefills(evaluation: Evaluation, today: datetime.date | None = None) -> dict[str, Suggestion]:
    """Suggested answers for an evaluation's cohort questions from its institution's learner records.

    Four queries for the coverage facts (learners on roll, their activities, participations and
    guidance meetings; the framework file is cached), and one more for the parts in activities
    of the types some measures count (labour-market information sessions). Empty when the
    framework has no prefill measures or the institution has no learners on roll.
    """
    spec = evaluation.spec()
    measures = load_measures(spec.code)
    if not measures:
        return {}
    today = today or datetime.date.today()
    _learners, facts = coverage_data(evaluation.institution)
    if not facts:
        return {}
    types = sorted({code for measure in measures for code in measure.activity_types})
    return suggestions(spec, facts, today, typed_activities(evaluation.institution, types))


@dataclass(frozen=True)
class LearnerNumbersSuggestion:
    """Learners on roll by cohort group; a group the records cannot count is not in `numbers`
    (and, when the records say why, in `not_counted` with the reason, e.g. missing planned end
    dates)."""

    numbers: dict[str, int]
    source: str
    not_counted: dict[str, str] = field(default_factory=dict)

    def differs_from(self, saved: Mapping[str, int]) -> bool:
        """Whether saved learner numbers differ from these in a group the records count."""
        return any(saved.get(code) != count for code, count in self.numbers.items())


def learner_numbers_prefill(
    evaluation: Evaluation, today: datetime.date | None = None
) -> LearnerNumbersSuggestion | None:
    """The number of learners on roll in each of the framework's cohort groups the records can
    count (one query): National Curriculum year groups, or the file's `cohort_groups` (colleges'
    first year, later years, and those completing this year when every learner of their years has
    a planned end date, see `members`). None when they count none of them or nobody is on roll."""
    spec = evaluation.spec()
    groups = {group.code: cohort_group(spec.code, group.code) for group in spec.year_groups}
    counted = {code: group for code, group in groups.items() if group is not None}
    if not counted:
        return None
    today = today or datetime.date.today()
    first, last = academic_year_bounds(today)
    rows = (
        Learner.objects.on_roll()
        .filter(institution=evaluation.institution)
        .order_by()
        .values("year_group")
        .annotate(
            n=Count("pk"),
            without_date=Count("pk", filter=Q(planned_end_date__isnull=True)),
            ended_before=Count("pk", filter=Q(planned_end_date__lt=first)),
            completing=Count("pk", filter=Q(planned_end_date__gte=first, planned_end_date__lte=last)),
        )
        .values_list("year_group", "n", "without_date", "ended_before", "completing")
    )
    by_year: dict[int, tuple[int, int, int, int]] = {year: (n, w, e, c) for year, n, w, e, c in rows}
    counts = {year: figures[0] for year, figures in by_year.items()}
    if not counts:
        return None
    numbers: dict[str, int] = {}
    not_counted: dict[str, str] = {}
    readings: list[str] = []
    for code, group in counted.items():
        figures = [by_year.get(year, (0, 0, 0, 0)) for year in group.years]
        in_years, without_date, ended_before, completing = (sum(column) for column in zip(*figures, strict=True))
        if not group.planned_end:
            numbers[code] = in_years
            continue
        found = Members(None, in_years, without_date, ended_before)
        readings.append(planned_end_reading(group, found, today))
        if without_date or ended_before:
            reasons = [f"{without_date:,} without a planned end date"] if without_date else []
            reasons += [f"{ended_before:,} past their planned end date"] if ended_before else []
            not_counted[code] = "Not counted: " + " and ".join(reasons)
        else:
            numbers[code] = completing
    years_asked = {year for group in counted.values() for year in group.years}
    left_out = sum(n for year, n in counts.items() if year not in years_asked)
    on_roll = sum(counts.values()) - left_out
    source = f"From your learner records: the {on_roll:,} learners on roll on {today:%-d %B %Y}, by year group."
    if left_out:
        who = "learner" if left_out == 1 else "learners"
        source += f" Left out: {left_out:,} {who} in year groups this framework does not ask about."
    if note := groups_note(spec.code):
        source += f" {note}"
    for reading in readings:
        source += f" {reading}"
    return LearnerNumbersSuggestion(numbers, source, not_counted)
