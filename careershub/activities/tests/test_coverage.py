from __future__ import annotations

import datetime

from careershub.activities import coverage
from careershub.activities.coverage import Event, LearnerFacts

TODAY = datetime.date(2026, 3, 1)  # school year 2025/26
RULES = {rule.code: rule for rule in coverage.load_rules("gatsby-2024-schools")}


def year9(*events: Event, **extra: object) -> LearnerFacts:
    return LearnerFacts(pk=1, date_of_birth=datetime.date(2011, 10, 1), year_group=9, events=events, **extra)  # type: ignore[arg-type]


def test_rules_are_data_for_the_framework_version() -> None:
    assert {r.benchmark for r in RULES.values()} == {5, 6, 7, 8}
    assert RULES["bm6_by_18"].min_count == 2


def test_bm5_needs_an_encounter_in_every_school_year_since_year_7() -> None:
    rule = RULES["bm5_each_year"]
    y7, y8, y9 = datetime.date(2023, 10, 1), datetime.date(2025, 1, 10), datetime.date(2025, 11, 1)
    employer = "employer"
    assert coverage.evaluate(rule, year9(Event(y7, employer), Event(y8, employer), Event(y9, employer)), TODAY) == (
        True,
        True,
    )
    assert not coverage.evaluate(rule, year9(Event(y7, employer), Event(y9, employer)), TODAY)[0]
    not_meaningful = year9(Event(y7, employer), Event(y8, employer), Event(y9, employer, meaningful=False))
    assert not coverage.evaluate(rule, not_meaningful, TODAY)[0]


def test_by_age_rules_count_only_events_before_the_birthday() -> None:
    rule = RULES["bm8_by_16"]
    born = datetime.date(2009, 6, 1)
    before = LearnerFacts(1, born, 11, events=(Event(datetime.date(2025, 5, 31), "guidance"),))
    after = LearnerFacts(2, born, 11, events=(Event(datetime.date(2025, 6, 1), "guidance"),))
    assert coverage.evaluate(rule, before, TODAY) == (True, True)
    assert coverage.evaluate(rule, after, TODAY) == (False, True)
    young = LearnerFacts(3, datetime.date(2012, 1, 1), 8)
    assert coverage.evaluate(rule, young, TODAY) == (False, False)  # not due yet


def test_provider_range_needs_every_kind() -> None:
    rule = RULES["bm7_range_by_16"]
    kinds = ["sixth_form", "fe_college", "university", "apprenticeship"]
    events = tuple(Event(datetime.date(2025, 1, 1), "provider", kind) for kind in kinds)
    assert coverage.evaluate(rule, year9(*events), TODAY)[0]
    assert not coverage.evaluate(rule, year9(*events[:3]), TODAY)[0]


def test_cohort_percentages_gaps_and_suppression() -> None:
    rule = RULES["bm8_by_16"]
    met = (Event(datetime.date(2024, 1, 1), "guidance"),)
    learners = [
        LearnerFacts(n, datetime.date(2009, 6, 1), 11, disadvantaged=n < 4, events=met if n >= 2 else ())
        for n in range(10)
    ]
    [figures] = coverage.cohort_figures(learners, [rule], TODAY)
    assert figures["percent"] == 80 and figures["by_year"] == {11: 80}
    disadvantaged = figures["groups"][0]
    assert (disadvantaged["percent"], disadvantaged["others"], disadvantaged["gap"]) == (50, 100, -50)
    assert sorted(figures["gap_list"]) == [0, 1]
    [suppressed] = coverage.cohort_figures(learners, [rule], TODAY, suppress=True)
    assert suppressed["groups"][0]["percent"] is None and suppressed["groups"][0]["gap"] is None
    assert suppressed["percent"] == 80


def test_college_rule_needs_two_encounters_a_year_one_through_the_curriculum_area() -> None:
    [rule] = [r for r in coverage.load_rules("gatsby-2024-colleges") if r.benchmark == 5]
    born = datetime.date(2009, 10, 1)
    day = datetime.date(2025, 10, 5)  # this academic year (TODAY is in it)

    def learner(*events: Event) -> LearnerFacts:
        return LearnerFacts(1, born, 12, events=events)

    assert coverage.academic_year(day) == coverage.academic_year(TODAY)
    assert not coverage.evaluate(rule, learner(Event(day, "employer"), Event(day, "employer")), TODAY)[0]
    assert not coverage.evaluate(rule, learner(Event(day, "employer", curriculum=True)), TODAY)[0]
    assert coverage.evaluate(rule, learner(Event(day, "employer", curriculum=True), Event(day, "employer")), TODAY)[0]


def test_university_visits_rule_counts_only_learners_considering_higher_education() -> None:
    [rule] = [r for r in coverage.load_rules("gatsby-2024-schools") if r.code == "bm7_university_by_18"]
    born = datetime.date(2008, 6, 1)
    visit = Event(datetime.date(2025, 1, 1), "provider", "university")
    considering = [
        LearnerFacts(n, born, 13, considering_higher_education=True, events=(visit, visit)) for n in range(6)
    ]
    others = [LearnerFacts(10 + n, born, 13) for n in range(20)]
    assert coverage.applies_to(rule, considering[0]) and not coverage.applies_to(rule, others[0])
    [figure] = coverage.cohort_figures(considering + others, [rule], TODAY)
    assert (figure["learners"], figure["met"], figure["percent"], figure["gap_list"]) == (6, 6, 100, [])
