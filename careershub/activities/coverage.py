"""Per-learner benchmark coverage from rules held as data (`coverage_rules/<framework code>.yaml`).

A learner's *events* are the activities they took part in (with the activity's encounter kind,
provider kind and whether its checklist made it meaningful) and their guidance meetings. Each rule
gives, per learner, `met` (True/False) and whether it is already *due* (the age has passed, or for
`each_year` always). Cohort figures are percentages of learners on roll who have met a rule, by
year group and by group (disadvantaged, SEN, looked after) with the gap to everyone else. Figures
shown outside the institution (hub and national aggregates) suppress any group smaller than
`SUPPRESS_BELOW`.

A rule may apply to a *population* only: `considering_higher_education` (the two university
visits by 18) counts only learners marked as considering higher education; everyone else is left
out of that rule's figures and gap list, and their learner page says it does not apply.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from careershub.activities.models import ACTIVITY_TYPES, Encounter

RULES_DIR = Path(__file__).resolve().parent / "coverage_rules"
SUPPRESS_BELOW = 5


@dataclass(frozen=True)
class Rule:
    code: str
    benchmark: int
    kind: str
    encounter: str
    text: str
    min_count: int = 1
    age: int | None = None
    from_year: int = 7
    meaningful_only: bool = False
    provider_kinds: tuple[str, ...] = ()
    population: str = ""
    curriculum_min: int = 0


#: The populations a rule may be limited to, and the learner fact that puts a learner in it.
POPULATIONS = {"considering_higher_education": "considering_higher_education"}


@dataclass(frozen=True)
class Event:
    date: datetime.date
    encounter: str
    provider_kind: str = ""
    meaningful: bool = True
    curriculum: bool = False


@dataclass(frozen=True)
class LearnerFacts:
    pk: int
    date_of_birth: datetime.date
    year_group: int
    disadvantaged: bool = False
    sen: bool = False
    looked_after: bool = False
    events: tuple[Event, ...] = field(default=())
    considering_higher_education: bool = False
    #: The planned end date of the learner's study programme, when the MIS import gave one: who
    #: completes this year (colleges' self-evaluation, `prefill`). No coverage rule reads it.
    planned_end_date: datetime.date | None = None

    @functools.cached_property
    def by_encounter(self) -> dict[str, list[Event]]:
        """The events grouped by encounter, computed once: each rule reads only its own kind."""
        grouped: dict[str, list[Event]] = {}
        for event in self.events:
            grouped.setdefault(event.encounter, []).append(event)
        return grouped


@functools.cache
def load_rules(framework_code: str) -> tuple[Rule, ...]:
    path = RULES_DIR / f"{framework_code}.yaml"
    if not path.exists():
        raise LookupError(f"No coverage rules for framework {framework_code}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = []
    for item in data["rules"]:
        item = dict(item)
        item["provider_kinds"] = tuple(item.get("provider_kinds", ()))
        if item.get("population", "") not in ("", *POPULATIONS):
            raise ValueError(f"{path.name}: rule {item.get('code')}: unknown population {item['population']!r}")
        rules.append(Rule(**item))
    return tuple(rules)


def academic_year(day: datetime.date) -> int:
    """The calendar year in which the school year containing `day` began (September start)."""
    return day.year if day.month >= 9 else day.year - 1


def birthday(born: datetime.date, age: int) -> datetime.date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February
        return born.replace(year=born.year + age, day=28)


def _counts(rule: Rule, event: Event) -> bool:
    if event.encounter != rule.encounter:
        return False
    if rule.meaningful_only and not event.meaningful:
        return False
    return not (
        rule.provider_kinds and rule.kind != "provider_range" and event.provider_kind not in rule.provider_kinds
    )


def applies_to(rule: Rule, learner: LearnerFacts) -> bool:
    """Whether the learner is in the rule's population (everyone, for most rules)."""
    return not rule.population or bool(getattr(learner, POPULATIONS[rule.population]))


def evaluate(rule: Rule, learner: LearnerFacts, today: datetime.date) -> tuple[bool, bool]:
    """(met, due) for one learner and one rule."""
    events = [e for e in learner.by_encounter.get(rule.encounter, ()) if _counts(rule, e)]
    if rule.kind == "each_year":
        current = academic_year(today)
        needed = {current - (learner.year_group - year) for year in range(rule.from_year, learner.year_group + 1)}
        per_year = Counter(academic_year(e.date) for e in events)
        through = Counter(academic_year(e.date) for e in events if e.curriculum)
        met = all(per_year[y] >= rule.min_count and through[y] >= rule.curriculum_min for y in needed)
        return met, True
    deadline = birthday(learner.date_of_birth, rule.age or 0)
    before = [e for e in events if e.date < deadline]
    due = today >= deadline
    if rule.kind == "provider_range":
        return set(rule.provider_kinds) <= {e.provider_kind for e in before}, due
    return len(before) >= rule.min_count, due


def school_year_end(day: datetime.date) -> datetime.date:
    """The last day (31 August) of the school year containing `day`."""
    return datetime.date(academic_year(day) + 1, 8, 31)


def to_do_this_year(rule: Rule, learner: LearnerFacts, today: datetime.date) -> bool:
    """Whether the learner still has to meet `rule` before this school year ends, and still can:
    for a rule of every school year, they have not yet had this year's (from the rule's first
    year group on); for a rule by an age, they have not met it and reach that age after today and
    by 31 August. A learner past the age without it is overdue: nothing done now counts for it."""
    if rule.kind == "each_year":
        if learner.year_group < rule.from_year:
            return False
        current = academic_year(today)
        events = [
            e
            for e in learner.by_encounter.get(rule.encounter, ())
            if _counts(rule, e) and academic_year(e.date) == current
        ]
        return len(events) < rule.min_count or sum(e.curriculum for e in events) < rule.curriculum_min
    deadline = birthday(learner.date_of_birth, rule.age or 0)
    if not today < deadline <= school_year_end(today):
        return False
    return not evaluate(rule, learner, today)[0]


def learner_coverage(learner: LearnerFacts, rules: Iterable[Rule], today: datetime.date) -> dict[str, bool]:
    return {rule.code: evaluate(rule, learner, today)[0] for rule in rules}


def _pct(part: int, whole: int, suppress: bool) -> int | None:
    if whole == 0 or (suppress and whole < SUPPRESS_BELOW):
        return None
    return round(100 * part / whole)


GROUPS = (("disadvantaged", "Disadvantaged"), ("sen", "SEN support or EHC plan"), ("looked_after", "Looked after"))


def cohort_figures(
    learners: list[LearnerFacts], rules: Iterable[Rule], today: datetime.date, *, suppress: bool = False
) -> list[dict[str, Any]]:
    """Per rule: overall %, % by year group, and for each group its %, the others' % and the gap."""
    results = []
    everyone = learners
    for rule in rules:
        learners = [learner for learner in everyone if applies_to(rule, learner)]
        met = {learner.pk: evaluate(rule, learner, today)[0] for learner in learners}
        by_year: dict[int, list[bool]] = {}
        for learner in learners:
            by_year.setdefault(learner.year_group, []).append(met[learner.pk])
        groups = []
        for attribute, label in GROUPS:
            inside = [met[learner.pk] for learner in learners if getattr(learner, attribute)]
            outside = [met[learner.pk] for learner in learners if not getattr(learner, attribute)]
            group_pct = _pct(sum(inside), len(inside), suppress)
            other_pct = _pct(sum(outside), len(outside), suppress)
            gap = None if group_pct is None or other_pct is None else group_pct - other_pct
            groups.append({"label": label, "count": len(inside), "percent": group_pct, "others": other_pct, "gap": gap})
        results.append(
            {
                "rule": rule,
                "learners": len(learners),
                "met": sum(met.values()),
                "percent": _pct(sum(met.values()), len(learners), suppress),
                "by_year": {year: _pct(sum(values), len(values), suppress) for year, values in sorted(by_year.items())},
                "groups": groups,
                "gap_list": [pk for pk, ok in met.items() if not ok],
            }
        )
    return results


def encounter_of(activity_type: str) -> str:
    spec = ACTIVITY_TYPES.get(activity_type)
    return str(spec.encounter) if spec else str(Encounter.OTHER)
