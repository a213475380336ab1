from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_still_to_do_this_school_year_by_age_and_every_year() -> None:
    # TODAY is 1 March 2026: the school year ends on 31 August 2026.
    assert coverage.school_year_end(TODAY) == datetime.date(2026, 8, 31)
    assert coverage.school_year_end(datetime.date(2026, 9, 1)) == datetime.date(2027, 8, 31)
    by_16 = RULES["bm8_by_16"]
    turns_16_in_june = LearnerFacts(1, datetime.date(2010, 6, 15), 11)
    turned_16_last_month = LearnerFacts(2, datetime.date(2010, 2, 1), 11)
    turns_16_next_year = LearnerFacts(3, datetime.date(2010, 9, 15), 10)
    met = LearnerFacts(4, datetime.date(2010, 6, 15), 11, events=(Event(datetime.date(2025, 10, 1), "guidance"),))
    assert coverage.to_do_this_year(by_16, turns_16_in_june, TODAY)
    assert not coverage.to_do_this_year(by_16, turned_16_last_month, TODAY)  # overdue: too late now
    assert not coverage.to_do_this_year(by_16, turns_16_next_year, TODAY)  # next school year's
    assert not coverage.to_do_this_year(by_16, met, TODAY)
    assert not coverage.to_do_this_year(by_16, turns_16_in_june, datetime.date(2010, 6, 15) + datetime.timedelta(1))
    every_year = RULES["bm5_each_year"]
    last_year_only = year9(Event(datetime.date(2025, 3, 1), "employer"))
    this_year = year9(Event(datetime.date(2025, 9, 10), "employer"))  # missed Years 7 and 8: not met, but done
    assert coverage.to_do_this_year(every_year, last_year_only, TODAY)
    assert not coverage.evaluate(every_year, this_year, TODAY)[0]
    assert not coverage.to_do_this_year(every_year, this_year, TODAY)
    not_meaningful = year9(Event(datetime.date(2025, 9, 10), "employer", meaningful=False))
    assert every_year.meaningful_only and coverage.to_do_this_year(every_year, not_meaningful, TODAY)
    [college] = [r for r in coverage.load_rules("gatsby-2024-colleges") if r.benchmark == 5]
    day = datetime.date(2025, 10, 5)
    two = LearnerFacts(1, datetime.date(2009, 10, 1), 12, events=(Event(day, "employer"), Event(day, "employer")))
    assert coverage.to_do_this_year(college, two, TODAY)  # neither through the curriculum area
    one_through = LearnerFacts(1, two.date_of_birth, 12, events=(Event(day, "employer", curriculum=True), *two.events))
    assert not coverage.to_do_this_year(college, one_through, TODAY)


_ENCOUNTERS = ["employer", "workplace", "provider", "guidance"]
_PROVIDERS = ["sixth_form", "fe_college", "university", "apprenticeship", ""]


@st.composite
def _learners_and_days(draw: st.DrawFn) -> tuple[LearnerFacts, datetime.date]:
    """A learner and a day; most of the learner's events fall in that day's school year or the
    one before, so that this year's count often decides."""
    today = draw(st.dates(datetime.date(2024, 9, 1), datetime.date(2027, 7, 31)))
    year_group = draw(st.integers(7, 14))
    start = datetime.date(coverage.academic_year(today) - year_group + 6, 9, 1)  # 1 September of Year 7
    born = start - datetime.timedelta(days=11 * 365 + draw(st.integers(0, 364)))
    recent = st.dates(today - datetime.timedelta(days=420), today + datetime.timedelta(days=30))
    events = draw(
        st.lists(
            st.builds(
                Event,
                st.one_of(recent, st.dates(start - datetime.timedelta(days=400), today)),
                st.sampled_from(_ENCOUNTERS),
                st.sampled_from(_PROVIDERS),
                st.booleans(),
                st.booleans(),
            ),
            max_size=8,
        )
    )
    return LearnerFacts(1, born, year_group, events=tuple(events), considering_higher_education=True), today


def _enough_today(rule: coverage.Rule, learner: LearnerFacts, today: datetime.date) -> LearnerFacts:
    """The learner with what the rule asks for added, dated today."""
    kinds = rule.provider_kinds or ("",)
    added = [
        Event(today, rule.encounter, kind, meaningful=True, curriculum=True)
        for kind in kinds
        for _ in range(max(rule.min_count, rule.curriculum_min, 1))
    ]
    return LearnerFacts(
        learner.pk,
        learner.date_of_birth,
        learner.year_group,
        events=learner.events + tuple(added),
        considering_higher_education=True,
    )


def _past_years_filled(rule: coverage.Rule, learner: LearnerFacts, today: datetime.date) -> LearnerFacts:
    """For a rule of every school year: the learner with every earlier year's encounters added, so
    that only this school year's decide whether the rule is met."""
    current = coverage.academic_year(today)
    added = [
        Event(datetime.date(current - back, 10, 1), rule.encounter, meaningful=True, curriculum=True)
        for back in range(1, learner.year_group - rule.from_year + 1)
        for _ in range(max(rule.min_count, rule.curriculum_min))
    ]
    return LearnerFacts(learner.pk, learner.date_of_birth, learner.year_group, events=learner.events + tuple(added))


@settings(max_examples=300, deadline=None)
@given(learner_and_day=_learners_and_days())
def test_still_to_do_means_not_met_and_doable_today(learner_and_day: tuple[LearnerFacts, datetime.date]) -> None:
    """Whoever is listed as still to do has not met the rule, and would no longer be listed had
    they had what it asks for today; whoever is not listed has met it, is past the age, reaches it
    after this school year, or (every year) has had this year's."""
    learner, today = learner_and_day
    for framework in ("gatsby-2024-schools", "gatsby-2024-colleges"):
        for rule in coverage.load_rules(framework):
            to_do = coverage.to_do_this_year(rule, learner, today)
            met, due = coverage.evaluate(rule, learner, today)
            if to_do:
                assert not met
                assert not coverage.to_do_this_year(rule, _enough_today(rule, learner, today), today)
                if rule.kind != "each_year":
                    assert not due
                    assert coverage.evaluate(rule, _enough_today(rule, learner, today), today)[0]
            if rule.kind == "each_year" and learner.year_group >= rule.from_year:
                # Listed exactly when this school year's encounters fall short.
                assert coverage.evaluate(rule, _past_years_filled(rule, learner, today), today)[0] is not to_do
            elif rule.kind == "each_year":
                assert not to_do
            elif not to_do:
                deadline = coverage.birthday(learner.date_of_birth, rule.age or 0)
                assert met or due or deadline > coverage.school_year_end(today)
