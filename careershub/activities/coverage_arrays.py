"""The coverage rules of `coverage.py` evaluated for many learners at once, with numpy.

`coverage.evaluate` walks one learner's events in Python: right for a learner page or a school,
too slow for a hub (50,000 learners, 1.5 million participations: building 1.5 million `Event`
objects alone took seconds). Here a cohort is a set of column arrays (one entry per learner, one
per event) and each rule is a handful of vectorised counts. The figures are the same as
`coverage.cohort_figures` gives, to the learner and the rounding: tests compare the two on
generated data, so the rules keep one meaning (`coverage.py` is the reference).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from careershub.activities import coverage

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Cohort:
    """Learners (index i) and their events (index e; `event_learner[e]` is a learner index)."""

    pks: IntArray
    date_of_birth: IntArray  # proleptic ordinals
    year_group: IntArray
    disadvantaged: BoolArray
    sen: BoolArray
    looked_after: BoolArray
    considering_higher_education: BoolArray
    event_learner: IntArray
    event_date: IntArray  # ordinals
    event_year: IntArray  # academic year (September start)
    event_encounter: IntArray  # index into `encounters`
    event_provider: IntArray  # index into `providers`
    event_meaningful: BoolArray
    event_curriculum: BoolArray
    encounters: dict[str, int]
    providers: dict[str, int]

    def __len__(self) -> int:
        return len(self.pks)


def _codes(values: Iterable[str], table: dict[str, int]) -> IntArray:
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64)


def cohort_from_facts(facts: Sequence[coverage.LearnerFacts]) -> Cohort:
    """A `Cohort` holding exactly what `facts` hold (used by the tests to compare the two ways)."""
    events = [(i, e) for i, fact in enumerate(facts) for e in fact.events]
    encounters: dict[str, int] = {}
    providers: dict[str, int] = {}
    return Cohort(
        pks=np.array([f.pk for f in facts], dtype=np.int64),
        date_of_birth=np.array([f.date_of_birth.toordinal() for f in facts], dtype=np.int64),
        year_group=np.array([f.year_group for f in facts], dtype=np.int64),
        disadvantaged=np.array([f.disadvantaged for f in facts], dtype=bool),
        sen=np.array([f.sen for f in facts], dtype=bool),
        looked_after=np.array([f.looked_after for f in facts], dtype=bool),
        considering_higher_education=np.array([f.considering_higher_education for f in facts], dtype=bool),
        event_learner=np.array([i for i, _e in events], dtype=np.int64),
        event_date=np.array([e.date.toordinal() for _i, e in events], dtype=np.int64),
        event_year=np.array([coverage.academic_year(e.date) for _i, e in events], dtype=np.int64),
        event_encounter=_codes((e.encounter for _i, e in events), encounters),
        event_provider=_codes((e.provider_kind for _i, e in events), providers),
        event_meaningful=np.array([e.meaningful for _i, e in events], dtype=bool),
        event_curriculum=np.array([e.curriculum for _i, e in events], dtype=bool),
        encounters=encounters,
        providers=providers,
    )


def deadlines(cohort: Cohort, age: int) -> IntArray:
    """Each learner's `coverage.birthday(date_of_birth, age)` as an ordinal (once per distinct date)."""
    distinct, inverse = np.unique(cohort.date_of_birth, return_inverse=True)
    days = [coverage.birthday(datetime.date.fromordinal(int(d)), age).toordinal() for d in distinct]
    return np.asarray(days, dtype=np.int64)[inverse.reshape(-1)]


def met(rule: coverage.Rule, cohort: Cohort, today: datetime.date) -> BoolArray:
    """`coverage.evaluate(rule, learner, today)[0]` for every learner of the cohort."""
    n = len(cohort)
    encounter = cohort.encounters.get(rule.encounter, -1)
    counting = cohort.event_encounter == encounter
    if rule.meaningful_only:
        counting &= cohort.event_meaningful
    if rule.provider_kinds and rule.kind != "provider_range":
        kinds = [cohort.providers[k] for k in rule.provider_kinds if k in cohort.providers]
        counting &= np.isin(cohort.event_provider, kinds)
    if rule.kind == "each_year":
        current = coverage.academic_year(today)
        needed = np.maximum(cohort.year_group - rule.from_year + 1, 0)  # school years to cover
        width = max(int(needed.max(initial=0)), 1)
        learner = cohort.event_learner
        back = current - cohort.event_year  # 0 = this school year, 1 = last year...
        inside = counting & (back >= 0) & (back < needed[learner])
        keys = learner[inside] * width + back[inside]
        per_year = np.bincount(keys, minlength=n * width).reshape(n, width)
        through = np.bincount(keys[cohort.event_curriculum[inside]], minlength=n * width).reshape(n, width)
        ok = (per_year >= rule.min_count) & (through >= rule.curriculum_min)
        ok &= np.arange(width)[None, :] < needed[:, None]
        return ok.sum(axis=1) == needed
    before = counting & (cohort.event_date < deadlines(cohort, rule.age or 0)[cohort.event_learner])
    if rule.kind == "provider_range":
        result = np.ones(n, dtype=bool)
        for kind in set(rule.provider_kinds):
            code = cohort.providers.get(kind, -1)
            result &= np.bincount(cohort.event_learner[before & (cohort.event_provider == code)], minlength=n) > 0
        return result
    return np.bincount(cohort.event_learner[before], minlength=n) >= rule.min_count


def applies(rule: coverage.Rule, cohort: Cohort) -> BoolArray:
    """`coverage.applies_to` for every learner."""
    if not rule.population:
        return np.ones(len(cohort), dtype=bool)
    return np.asarray(getattr(cohort, coverage.POPULATIONS[rule.population]), dtype=bool)


def cohort_figures(
    cohort: Cohort,
    rules: Iterable[coverage.Rule],
    met_by_rule: dict[str, BoolArray],
    *,
    select: IntArray | None = None,
    suppress: bool = False,
) -> list[dict[str, Any]]:
    """`coverage.cohort_figures` for the learners `select` (indices; all if None), from
    `met_by_rule` (rule code → `met`), with the same keys, values and suppression."""
    chosen = np.arange(len(cohort)) if select is None else select
    pct = coverage._pct
    results = []
    for rule in rules:
        index = chosen[applies(rule, cohort)[chosen]]
        ok = met_by_rule[rule.code][index]
        total, hits = len(index), int(ok.sum())
        years, inverse = np.unique(cohort.year_group[index], return_inverse=True)
        per_year = np.bincount(inverse, minlength=len(years))
        per_year_met = np.bincount(inverse[ok], minlength=len(years))
        groups = []
        for attribute, label in coverage.GROUPS:
            member = getattr(cohort, attribute)[index]
            inside, inside_met = int(member.sum()), int((ok & member).sum())
            group_pct = pct(inside_met, inside, suppress)
            other_pct = pct(hits - inside_met, total - inside, suppress)
            gap = None if group_pct is None or other_pct is None else group_pct - other_pct
            groups.append({"label": label, "count": inside, "percent": group_pct, "others": other_pct, "gap": gap})
        results.append(
            {
                "rule": rule,
                "learners": total,
                "met": hits,
                "percent": pct(hits, total, suppress),
                "by_year": {
                    int(year): pct(int(part), int(whole), suppress)
                    for year, part, whole in zip(years, per_year_met, per_year, strict=True)
                },
                "groups": groups,
                "gap_list": cohort.pks[index[~ok]].tolist(),
            }
        )
    return results
