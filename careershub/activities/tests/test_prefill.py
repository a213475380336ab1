"""Self-evaluation answers suggested from the learner records: learner numbers and cohort bands."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from careershub.activities import coverage, prefill, services
from careershub.activities.coverage import Event, LearnerFacts
from careershub.evaluations import services as evaluation_services
from careershub.evaluations.models import Answer, Evaluation
from careershub.institutions.models import Institution
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

MEANINGFUL = ["purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"]


@pytest.fixture
def draft(cast: Cast) -> Evaluation:
    return evaluation_services.evaluation_start(
        institution=cast.ashby, actor=cast.careers_leader, on=timezone.localdate()
    )


def year10(cast: Cast, n: int, **kwargs: object) -> list[Learner]:
    values: dict[str, object] = {
        "institution": cast.ashby,
        "year_group": 10,
        "date_of_birth": datetime.date(2011, 1, 1),
    }
    values.update(kwargs)
    return LearnerFactory.create_batch(n, **values)


def employer_talk(cast: Cast, learners: list[Learner], day: datetime.date, meaningful: bool = True) -> None:
    activity = services.activity_create(
        institution=cast.ashby,
        actor=cast.careers_leader,
        activity_type="employer_talk",
        title="Talk",
        date=day,
        checklist=MEANINGFUL if meaningful else [],
    )
    services.participants_add(activity=activity, learners=learners, actor=cast.careers_leader)


def test_every_prefill_names_a_cohort_question_of_its_framework() -> None:
    from careershub.evaluations.framework_data import load_framework

    for code in ("gatsby-2024-schools", "gatsby-2024-special", "gatsby-2024-colleges"):
        spec = load_framework(coverage.RULES_DIR.parent.parent / "evaluations" / "frameworks" / f"{code}.yaml")
        measures = prefill.load_measures(code)
        assert measures
        for measure in measures:
            question = spec.question(measure.question)
            assert question.is_cohort, measure.question
            assert len(question.year_groups) == 1, measure.question
            assert prefill.cohort_group(code, question.year_groups[0]) is not None, measure.question
            if question.population:
                assert measure.population == "considering_higher_education"
            else:
                assert not measure.population, measure.question
        # Every mapped cohort group is one of the framework's own.
        assert set(prefill.load_groups(code)) <= {group.code for group in spec.year_groups}


def test_benchmark_2_and_4_and_completing_questions() -> None:
    """What is suggested and what is not, by decision (docs/adr/0011): the Key Stage questions
    of Benchmark 2 in schools and special schools; no Benchmark 4 question ("in every subject");
    colleges' learners completing their programme read from planned end dates, all their
    questions but 4.1a ("in their subjects")."""
    for code in ("gatsby-2024-schools", "gatsby-2024-special"):
        questions = {measure.question: measure for measure in prefill.load_measures(code)}
        assert {q for q in questions if q.startswith("2.")} == {"2.1a", "2.1b", "2.1c"}
        assert [questions[q].since_year for q in ("2.1a", "2.1b", "2.1c")] == [7, 10, 12]
        assert all(questions[q].activity_types == ("lmi_session",) for q in ("2.1a", "2.1b", "2.1c"))
        assert not any(q.startswith("4.") for q in questions)
    college = {measure.question: measure for measure in prefill.load_measures("gatsby-2024-colleges")}
    assert set(college) == {"2.1a", "5.1a", "5.1b", "5.1c", "5.1d", "6.1a", "7.1a", "8.1a"}
    completing = prefill.cohort_group("gatsby-2024-colleges", "completing")
    assert completing is not None
    assert (completing.years, completing.planned_end) == ((12, 13, 14), "this_year")
    assert college["2.1a"].since_year == 12 and college["2.1a"].activity_types == ("lmi_session",)
    assert college["7.1a"].each_provider_kind and college["7.1a"].provider_kinds == ("university", "apprenticeship")


def test_a_prefill_must_say_what_it_counts() -> None:
    with pytest.raises(ValueError, match="either an encounter or activity_types"):
        prefill._measure("x.yaml", {"question": "2.1a", "describes": "x"})
    with pytest.raises(ValueError, match="unknown activity types"):
        prefill._measure("x.yaml", {"question": "2.1a", "describes": "x", "activity_types": ["lmi"]})
    with pytest.raises(ValueError, match="go with an encounter"):
        prefill._measure(
            "x.yaml", {"question": "2.1a", "describes": "x", "activity_types": ["lmi_session"], "meaningful_only": True}
        )
    with pytest.raises(ValueError, match="since_year goes with window since_year"):
        prefill._measure("x.yaml", {"question": "2.1a", "describes": "x", "encounter": "employer", "since_year": 7})
    with pytest.raises(ValueError, match="each_provider_kind needs at least two provider_kinds"):
        prefill._measure(
            "x.yaml",
            {"question": "7.1a", "describes": "x", "encounter": "provider", "each_provider_kind": True},
        )


def test_measure_windows() -> None:
    today = datetime.date(2026, 11, 23)
    born = datetime.date(2009, 3, 1)  # 16 on 1 March 2025
    this_year = prefill.Measure("q", "employer", "x", window="this_year", meaningful_only=True)
    last_year = LearnerFacts(1, born, 12, events=(Event(datetime.date(2026, 7, 1), "employer"),))
    now = LearnerFacts(2, born, 12, events=(Event(datetime.date(2026, 9, 10), "employer"),))
    not_meaningful = LearnerFacts(
        3, born, 12, events=(Event(datetime.date(2026, 9, 10), "employer", meaningful=False),)
    )
    future = LearnerFacts(4, born, 12, events=(Event(datetime.date(2027, 1, 10), "employer"),))
    assert not prefill.measure_met(this_year, last_year, today)
    assert prefill.measure_met(this_year, now, today)
    assert not prefill.measure_met(this_year, not_meaningful, today)
    assert not prefill.measure_met(this_year, future, today)  # planned, not happened yet
    since16 = prefill.Measure("q", "guidance", "x", window="since_age", since_age=16)
    before = LearnerFacts(5, born, 13, events=(Event(datetime.date(2025, 2, 28), "guidance"),))
    after = LearnerFacts(6, born, 13, events=(Event(datetime.date(2025, 3, 1), "guidance"),))
    assert not prefill.measure_met(since16, before, today)
    assert prefill.measure_met(since16, after, today)
    # Since the start of the academic year in which the learner was in Year 10 (Key Stage 4): a
    # Year 11 learner's Year 10 began on 1 September 2025.
    ks4 = prefill.Measure("q", describes="x", activity_types=("lmi_session",), window="since_year", since_year=10)
    year11 = LearnerFacts(7, born, 11)
    assert prefill.measure_met(ks4, year11, today, [(datetime.date(2025, 9, 1), "lmi_session")])
    assert not prefill.measure_met(ks4, year11, today, [(datetime.date(2025, 8, 31), "lmi_session")])
    assert not prefill.measure_met(ks4, year11, today, [(datetime.date(2026, 1, 5), "careers_lesson")])
    assert not prefill.measure_met(ks4, year11, today, [(datetime.date(2026, 12, 1), "lmi_session")])  # planned
    assert not prefill.measure_met(ks4, LearnerFacts(8, born, 9), today, [(today, "lmi_session")])
    # Only encounters recorded as delivered through the curriculum area.
    curriculum = prefill.Measure("q", "employer", "x", window="this_year", curriculum_only=True)
    through = LearnerFacts(9, born, 12, events=(Event(datetime.date(2026, 10, 1), "employer", curriculum=True),))
    beside = LearnerFacts(10, born, 12, events=(Event(datetime.date(2026, 10, 1), "employer"),))
    assert prefill.measure_met(curriculum, through, today)
    assert not prefill.measure_met(curriculum, beside, today)


def test_cohort_question_is_suggested_with_its_source(cast: Cast, draft: Evaluation) -> None:
    learners = year10(cast, 8)
    year10(cast, 1, left_on=datetime.date(2025, 7, 20))  # left: not counted
    employer_talk(cast, learners[:6], timezone.localdate())
    employer_talk(cast, learners[6:7], timezone.localdate(), meaningful=False)
    suggestions = prefill.cohort_prefills(draft)
    suggestion = suggestions["5.1d"]  # Year 10
    assert (suggestion.count, suggestion.total, suggestion.value) == (6, 8, "75-99")
    assert "6 of 8 Year 10 learners on roll (75%)" in suggestion.source
    assert "meaningful employer encounter this academic year" in suggestion.source
    assert "5.1a" not in suggestions  # no Year 7 learners: no suggestion


def test_all_and_none_give_the_end_bands(cast: Cast, draft: Evaluation) -> None:
    learners = year10(cast, 3)
    employer_talk(cast, learners, timezone.localdate())
    year10(cast, 2, year_group=11, date_of_birth=datetime.date(2010, 1, 1))  # no guidance meetings
    suggestions = prefill.cohort_prefills(draft)
    assert suggestions["5.1d"].value == "100"
    assert suggestions["8.1a"].value == "0"


def test_higher_education_question_counts_only_those_considering_it(cast: Cast, draft: Evaluation) -> None:
    considering = year10(
        cast, 2, year_group=13, date_of_birth=datetime.date(2008, 1, 1), considering_higher_education=True
    )
    year10(cast, 3, year_group=13, date_of_birth=datetime.date(2008, 1, 1))
    for n in range(2):
        activity = services.activity_create(
            institution=cast.ashby,
            actor=cast.careers_leader,
            activity_type="university_visit",
            title=f"Visit {n}",
            date=timezone.localdate() - datetime.timedelta(days=30 * (n + 1)),
            provider_kind="university",
        )
        services.participants_add(activity=activity, learners=considering[:1], actor=cast.careers_leader)
    suggestion = prefill.cohort_prefills(draft)["7.2a"]
    assert (suggestion.count, suggestion.total) == (1, 2)
    assert "considering higher education" in suggestion.source


def test_benchmark_page_preselects_the_suggestion_and_saving_keeps_it(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    learners = year10(cast, 4)
    employer_talk(cast, learners[:1], timezone.localdate())
    url = reverse("evaluations:benchmark", args=[draft.pk, 5])
    content = client_as("careers_leader").get(url).content.decode()
    assert 'data-prefill="5.1d"' in content
    assert "1 of 4 Year 10 learners on roll (25%)" in content
    assert 'value="25-49" checked' in content
    assert not Answer.objects.filter(evaluation=draft).exists()  # suggested, not saved
    # The careers leader overrides the suggestion: their answer is saved, and the page then shows
    # the records' figure beside it as different.
    response = client_as("careers_leader").post(url, {"q_5.1d": "50-74", "v_5.1d": "0"})
    assert response.status_code == 302
    assert Answer.objects.get(evaluation=draft, question_code="5.1d").value == "50-74"
    content = client_as("careers_leader").get(url).content.decode()
    assert "Your saved answer differs from the records" in content
    assert 'value="50-74" checked' in content


def test_senior_leader_sees_no_suggestions(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    year10(cast, 2)
    content = client_as("senior_leader").get(reverse("evaluations:benchmark", args=[draft.pk, 5])).content.decode()
    assert "data-prefill" not in content


def test_learner_numbers_are_filled_from_the_records(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    year10(cast, 3)
    year10(cast, 2, year_group=7, date_of_birth=datetime.date(2014, 1, 1))
    suggestion = prefill.learner_numbers_prefill(draft)
    assert suggestion is not None
    assert suggestion.numbers == {"Y7": 2, "Y8": 0, "Y9": 0, "Y10": 3, "Y11": 0, "Y12": 0, "Y13": 0}
    url = reverse("evaluations:learners", args=[draft.pk])
    content = client_as("careers_leader").get(url).content.decode()
    assert "Filled in from your learner records" in content
    assert 'name="yg_Y10" type="text" value="3"' in content or 'value="3"' in content
    # Overriding: the careers leader enters their own numbers; the page then says they differ.
    data = {f"yg_Y{n}": "0" for n in range(7, 14)} | {"yg_Y10": "5", "version": "0"}
    assert client_as("careers_leader").post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.learner_numbers["Y10"] == 5
    content = client_as("careers_leader").get(url).content.decode()
    assert "Your learner records give different numbers" in content


def test_no_learners_no_suggestions(cast: Cast, draft: Evaluation) -> None:
    assert prefill.cohort_prefills(draft) == {}
    assert prefill.learner_numbers_prefill(draft) is None


def take_part(
    cast: Cast,
    learners: list[Learner],
    activity_type: str,
    day: datetime.date,
    institution: Institution | None = None,
    **kwargs: Any,
) -> None:
    institution = institution or cast.ashby
    actor = cast.careers_leader if institution == cast.ashby else cast.other_careers_leader
    activity = services.activity_create(
        institution=institution, actor=actor, activity_type=activity_type, title=activity_type, date=day, **kwargs
    )
    services.participants_add(activity=activity, learners=learners, actor=actor)


def autumn(academic_year: int) -> datetime.date:
    return datetime.date(academic_year, 10, 1)


def test_labour_market_sessions_answer_benchmark_2_by_key_stage(cast: Cast, draft: Evaluation) -> None:
    today = timezone.localdate()
    now = coverage.academic_year(today)
    year9 = year10(cast, 5, year_group=9, date_of_birth=datetime.date(today.year - 14, 1, 1))
    year11 = year10(cast, 4, year_group=11, date_of_birth=datetime.date(today.year - 16, 1, 1))
    gone = year10(cast, 1, year_group=9, left_on=today - datetime.timedelta(days=1))
    # Year 9: in Year 7 (two years ago) and this year count; in Year 6, a careers lesson, or a
    # session still to come do not; a learner who has left is not counted at all.
    take_part(cast, year9[:1], "lmi_session", autumn(now - 2))
    take_part(cast, year9[1:2] + gone, "lmi_session", today)
    take_part(cast, year9[2:3], "lmi_session", autumn(now - 3))
    take_part(cast, year9[3:4], "careers_lesson", today)
    take_part(cast, year9[4:5], "lmi_session", today + datetime.timedelta(days=1))
    # Year 11: Key Stage 4 began last year (Year 10); a session in Year 9 is Key Stage 3.
    take_part(cast, year11[:3], "lmi_session", autumn(now - 1))
    take_part(cast, year11[3:], "lmi_session", autumn(now - 2))
    suggestions = prefill.cohort_prefills(draft, today)
    ks3, ks4 = suggestions["2.1a"], suggestions["2.1b"]
    assert (ks3.count, ks3.total, ks3.value) == (2, 5, "25-49")
    assert "2 of 5 Year 9 learners on roll (40%) have taken part in at least one labour-market" in ks3.source
    assert "during Key Stage 3 (since the start of Year 7)" in ks3.source
    assert "whether each learner then used it to inform their own decisions is not recorded" in ks3.source
    assert (ks4.count, ks4.total, ks4.value) == (3, 4, "75-99")
    assert "2.1c" not in suggestions  # no Year 13 learners
    assert not any(code.startswith("4.") for code in suggestions)  # careers lessons answer no question


def test_benchmark_2_is_suggested_on_the_page_to_the_careers_leader(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    year9 = year10(cast, 4, year_group=9, date_of_birth=datetime.date(2012, 1, 1))
    take_part(cast, year9, "lmi_session", timezone.localdate())
    url = reverse("evaluations:benchmark", args=[draft.pk, 2])
    content = client_as("careers_leader").get(url).content.decode()
    assert 'data-prefill="2.1a"' in content
    assert "4 of 4 Year 9 learners on roll (100%)" in content
    assert 'value="100" checked' in content
    content = client_as("careers_leader").get(reverse("evaluations:benchmark", args=[draft.pk, 4])).content.decode()
    assert "data-prefill" not in content


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "careers_leader"])
def test_no_one_else_gets_the_suggestions_or_sees_learner_figures(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, draft: Evaluation, persona: str
) -> None:
    year9 = year10(cast, 4, year_group=9, date_of_birth=datetime.date(2012, 1, 1))
    take_part(cast, year9[:3], "lmi_session", timezone.localdate())
    for url in (
        reverse("evaluations:benchmark", args=[draft.pk, 2]),
        reverse("evaluations:learners", args=[draft.pk]),
    ):
        response = client_as(persona).get(url)
        content = response.content.decode()
        assert "data-prefill" not in content
        assert "learner records" not in content
        assert "3 of 4" not in content
        assert response.status_code in (200, 302, 403, 404)


@pytest.fixture
def college_draft(cast: Cast) -> Evaluation:
    cast.brook.kind = "college"
    cast.brook.save(update_fields=["kind"])
    draft = evaluation_services.evaluation_start(
        institution=cast.brook, actor=cast.other_careers_leader, on=timezone.localdate()
    )
    assert draft.framework.code == "gatsby-2024-colleges"
    return draft


def college_learners(cast: Cast, n: int, year_group: int) -> list[Learner]:
    born = datetime.date(timezone.localdate().year - year_group - 5, 1, 1)
    return LearnerFactory.create_batch(n, institution=cast.brook, year_group=year_group, date_of_birth=born)


def test_college_first_and_later_years_are_suggested_from_year_groups(cast: Cast, college_draft: Evaluation) -> None:
    today = timezone.localdate()
    year12 = college_learners(cast, 3, 12)
    year13 = college_learners(cast, 1, 13)
    year14 = college_learners(cast, 1, 14)
    talk: dict[str, Any] = {"checklist": MEANINGFUL, "institution": cast.brook}
    # Year 12: two meaningful this year, one through the curriculum area (the first learner); two
    # meaningful beside the curriculum (the second); one meaningful and one not (the third).
    take_part(cast, year12[:2], "employer_talk", today, **talk)
    take_part(cast, year12[:1], "employer_talk", today, through_curriculum=True, **talk)
    take_part(cast, year12[1:2], "mentoring", today, **talk)
    take_part(cast, year12[2:], "employer_talk", today, **talk)
    take_part(cast, year12[2:], "employer_talk", today, institution=cast.brook)
    # Later years: the Year 13 learner has two this year, one through the curriculum area; the Year
    # 14 learner had two last year only.
    take_part(cast, year13, "employer_talk", today, **talk)
    take_part(cast, year13, "mock_interview", today, through_curriculum=True, **talk)
    take_part(cast, year14, "employer_talk", autumn(coverage.academic_year(today) - 1), through_curriculum=True, **talk)
    take_part(cast, year14, "employer_talk", autumn(coverage.academic_year(today) - 1), **talk)
    # And guidance meetings and workplace experiences: asked only of learners completing their
    # programme, whom the records cannot tell.
    take_part(cast, year13 + year14, "work_experience", today, institution=cast.brook)
    suggestions = prefill.cohort_prefills(college_draft, today)
    figures = {code: (s.count, s.total, s.value) for code, s in suggestions.items()}
    assert figures == {
        "5.1a": (2, 3, "50-74"),
        "5.1c": (1, 3, "25-49"),
        "5.1b": (1, 2, "50-74"),
        "5.1d": (1, 2, "50-74"),
    }
    assert "2 of 3 Year 12 learners on roll (66%) have had at least two meaningful employer encounters" in (
        suggestions["5.1a"].source
    )
    assert "Year 12 is counted as the first year of study" in suggestions["5.1a"].source
    assert "1 of 2 Year 13 and 14 learners on roll (50%)" in suggestions["5.1d"].source
    assert "through their curriculum area" in suggestions["5.1d"].source


def test_college_learner_numbers_leave_completing_to_the_careers_leader_without_planned_end_dates(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, college_draft: Evaluation
) -> None:
    college_learners(cast, 3, 12)
    college_learners(cast, 2, 13)
    college_learners(cast, 1, 14)
    LearnerFactory.create(institution=cast.brook, year_group=11, date_of_birth=datetime.date(2011, 1, 1))
    LearnerFactory.create(institution=cast.ashby, year_group=12, date_of_birth=datetime.date(2009, 1, 1))  # not Brook's
    suggestion = prefill.learner_numbers_prefill(college_draft)
    assert suggestion is not None
    assert suggestion.numbers == {"first_year": 3, "later_years": 3}
    assert "the 6 learners on roll" in suggestion.source
    assert "Left out: 1 learner in year groups this framework does not ask about." in suggestion.source
    assert (
        "Learners completing their programme this year are not counted: of the 6 learners on roll in Years 12 "
        "to 14, 6 have no planned end date, so the records do not say who completes this year."
    ) in suggestion.source
    assert "or enter the number yourself" in suggestion.source
    assert suggestion.not_counted == {"completing": "Not counted: 6 without a planned end date"}
    url = reverse("evaluations:learners", args=[college_draft.pk])
    content = client_as("other_careers_leader").get(url).content.decode()
    assert "Filled in from your learner records" in content
    assert "Not counted: 6 without a planned end date" in content
    assert 'name="yg_first_year" type="text" value="3"' in content
    assert 'name="yg_later_years" type="text" value="3"' in content
    assert 'name="yg_completing" type="text" value=""' in content  # left for the careers leader
    data = {"yg_first_year": "3", "yg_later_years": "3", "yg_completing": "2", "version": "0"}
    assert client_as("other_careers_leader").post(url, data).status_code == 302
    college_draft.refresh_from_db()
    assert college_draft.learner_numbers == {"first_year": 3, "later_years": 3, "completing": 2}
    # The completing number the careers leader entered is no difference from the records.
    content = client_as("other_careers_leader").get(url).content.decode()
    assert "These match your learner records" in content
    # Ashby's careers leader does not reach Brook's evaluation.
    assert client_as("careers_leader").get(url).status_code == 404


# Colleges' learners completing their programme this year (planned end dates) -------------------


def test_completing_group_is_read_from_planned_end_dates_in_this_academic_year() -> None:
    today = datetime.date(2026, 11, 23)
    assert prefill.academic_year_bounds(today) == (datetime.date(2026, 9, 1), datetime.date(2027, 8, 31))
    assert prefill.academic_year_bounds(datetime.date(2027, 8, 31)) == (
        datetime.date(2026, 9, 1),
        datetime.date(2027, 8, 31),
    )
    group = prefill.cohort_group("gatsby-2024-colleges", "completing")
    assert group is not None
    born = datetime.date(2009, 1, 1)

    def learner(pk: int, year: int, end: datetime.date | None) -> LearnerFacts:
        return LearnerFacts(pk, born, year, planned_end_date=end)

    facts = [
        learner(1, 12, datetime.date(2026, 9, 1)),  # the first day of this academic year
        learner(2, 12, datetime.date(2027, 8, 31)),  # its last day
        learner(3, 12, datetime.date(2027, 9, 1)),  # next year's
        learner(4, 13, datetime.date(2027, 6, 30)),
        learner(5, 14, datetime.date(2026, 10, 31)),  # a short course that ended this term: still this year
        learner(6, 11, None),  # not in Years 12 to 14: neither counted nor asked for a date
    ]
    found = prefill.members(group, facts, today)
    assert found.facts is not None and [fact.pk for fact in found.facts] == [1, 2, 4, 5]
    assert (found.in_years, found.without_date, found.ended_before) == (5, 0, 0)
    # One learner without a date, or on roll after a planned end date before this academic year:
    # who completes is not known, so nobody is counted (rather than an undercount).
    missing = prefill.members(group, [*facts, learner(7, 13, None)], today)
    assert missing.facts is None and (missing.in_years, missing.without_date, missing.ended_before) == (6, 1, 0)
    overdue = prefill.members(group, [*facts, learner(8, 14, datetime.date(2026, 8, 31))], today)
    assert overdue.facts is None and (overdue.without_date, overdue.ended_before) == (0, 1)
    reading = prefill.planned_end_reading(group, overdue, today)
    assert "1 is still on roll after a planned end date before 1 September 2026" in reading
    # The first and later years are still read from year groups alone.
    first_year = prefill.cohort_group("gatsby-2024-colleges", "first_year")
    assert first_year is not None
    assert [fact.pk for fact in prefill.members(first_year, facts, today).facts or []] == [1, 2, 3]


def test_a_range_of_providers_needs_each_kind() -> None:
    today = datetime.date(2026, 11, 23)
    born = datetime.date(2009, 1, 1)
    (measure,) = [m for m in prefill.load_measures("gatsby-2024-colleges") if m.question == "7.1a"]
    university = Event(datetime.date(2026, 3, 1), "provider", "university")
    apprenticeship = Event(datetime.date(2026, 10, 1), "provider", "apprenticeship")
    college = Event(datetime.date(2026, 10, 1), "provider", "fe_college")
    not_meaningful = Event(datetime.date(2026, 10, 1), "provider", "apprenticeship", meaningful=False)
    assert prefill.measure_met(measure, LearnerFacts(1, born, 13, events=(university, apprenticeship)), today)
    assert not prefill.measure_met(measure, LearnerFacts(2, born, 13, events=(university, university)), today)
    assert not prefill.measure_met(measure, LearnerFacts(3, born, 13, events=(university, college)), today)
    assert not prefill.measure_met(measure, LearnerFacts(4, born, 13, events=(university, not_meaningful)), today)


def college_completing(cast: Cast) -> dict[str, list[Learner]]:
    """Brook's learners: Year 12 on one-year courses ending this year, Year 12 on two-year ones
    ending next year, Year 13 ending this year."""
    _first, last = prefill.academic_year_bounds(timezone.localdate())
    this_summer = datetime.date(last.year, 6, 30)
    next_summer = datetime.date(last.year + 1, 6, 30)
    learners = {
        "one_year": college_learners(cast, 2, 12),
        "two_year": college_learners(cast, 3, 12),
        "year13": college_learners(cast, 2, 13),
    }
    for group, end in (("one_year", this_summer), ("two_year", next_summer), ("year13", this_summer)):
        Learner.objects.filter(pk__in=[x.pk for x in learners[group]]).update(planned_end_date=end)
    return learners


def test_college_completing_questions_are_suggested_from_planned_end_dates(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, college_draft: Evaluation
) -> None:
    today = timezone.localdate()
    learners = college_completing(cast)
    completing = learners["one_year"] + learners["year13"]  # 4 of them
    brook: dict[str, Any] = {"institution": cast.brook}
    meaningful: dict[str, Any] = {"checklist": MEANINGFUL, **brook}
    workplace = [*MEANINGFUL, "range_of_people", "task_set", "employer_feedback"]
    # 2.1a: a session since the start of Year 12 (the Year 13 learner's was last year).
    take_part(cast, completing[:1], "lmi_session", today, **brook)
    take_part(cast, completing[2:3], "lmi_session", autumn(coverage.academic_year(today) - 1), **brook)
    take_part(cast, learners["two_year"], "lmi_session", today, **brook)  # not completing: not counted
    # 6.1a: a meaningful experience of a workplace (one not meaningful does not count).
    take_part(cast, completing[:3], "work_experience", today, checklist=workplace, **brook)
    take_part(cast, completing[3:], "work_experience", today, **brook)
    # 7.1a: both a university and an apprenticeship provider (the first two); a university only.
    take_part(cast, completing[:3], "university_visit", today, provider_kind="university", **meaningful)
    take_part(cast, completing[:2], "provider_encounter", today, provider_kind="apprenticeship", **meaningful)
    # 8.1a: a personal guidance meeting.
    services.guidance_meeting_create(
        learner=completing[0], actor=cast.other_careers_leader, date=today, adviser_name="Pat", adviser_level6=True
    )
    suggestions = prefill.cohort_prefills(college_draft, today)
    figures = {code: (s.count, s.total, s.value) for code, s in suggestions.items() if code[0] in "2678"}
    assert figures == {
        "2.1a": (2, 4, "50-74"),
        "6.1a": (3, 4, "75-99"),
        "7.1a": (2, 4, "50-74"),
        "8.1a": (1, 4, "25-49"),
    }
    source = suggestions["8.1a"].source
    assert (
        "1 of 4 learners on roll in Years 12 to 14 completing their programme this academic year (25%) "
        "have had at least one personal guidance meeting"
    ) in source
    first, last = prefill.academic_year_bounds(today)
    assert f"a planned end date from {first:%-d %B %Y} to {last:%-d %B %Y}" in source
    assert "all 7 learners on roll in Years 12 to 14 have one in the records" in source
    assert "since the start of Year 12" in suggestions["2.1a"].source
    assert "both a university" in suggestions["7.1a"].source
    assert "part-time job" in suggestions["6.1a"].source
    assert "4.1a" not in suggestions  # no subjects in the records (docs/adr/0011)
    content = client_as("other_careers_leader").get(reverse("evaluations:benchmark", args=[college_draft.pk, 8]))
    assert 'data-prefill="8.1a"' in content.content.decode() and 'value="25-49" checked' in content.content.decode()
    content = client_as("other_careers_leader").get(reverse("evaluations:benchmark", args=[college_draft.pk, 4]))
    assert "data-prefill" not in content.content.decode()


def test_one_missing_planned_end_date_withholds_the_completing_suggestions(
    cast: Cast, college_draft: Evaluation
) -> None:
    today = timezone.localdate()
    learners = college_completing(cast)
    take_part(cast, learners["year13"], "lmi_session", today, institution=cast.brook)
    assert "2.1a" in prefill.cohort_prefills(college_draft, today)
    Learner.objects.filter(pk=learners["two_year"][0].pk).update(planned_end_date=None)
    suggestions = prefill.cohort_prefills(college_draft, today)
    assert not {"2.1a", "6.1a", "7.1a", "8.1a"} & set(suggestions)
    assert "5.1a" in suggestions  # the first year is still read from year groups
    # A learner who has left does not count either way.
    Learner.objects.filter(pk=learners["two_year"][0].pk).update(left_on=today)
    assert "2.1a" in prefill.cohort_prefills(college_draft, today)


def test_college_learner_numbers_count_completing_when_every_learner_has_a_planned_end_date(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, college_draft: Evaluation, django_assert_num_queries
) -> None:
    learners = college_completing(cast)
    with django_assert_num_queries(1):
        suggestion = prefill.learner_numbers_prefill(college_draft)
    assert suggestion is not None
    assert suggestion.numbers == {"first_year": 5, "later_years": 2, "completing": 4}
    assert suggestion.not_counted == {}
    assert "all 7 learners on roll in Years 12 to 14 have one in the records" in suggestion.source
    url = reverse("evaluations:learners", args=[college_draft.pk])
    content = client_as("other_careers_leader").get(url).content.decode()
    assert 'name="yg_completing" type="text" value="4"' in content
    # On roll after a planned end date before this academic year: not counted, and said why.
    first, _last = prefill.academic_year_bounds(timezone.localdate())
    Learner.objects.filter(pk=learners["year13"][0].pk).update(planned_end_date=first - datetime.timedelta(days=1))
    suggestion = prefill.learner_numbers_prefill(college_draft)
    assert suggestion is not None and "completing" not in suggestion.numbers
    assert suggestion.not_counted == {"completing": "Not counted: 1 past their planned end date"}
    assert f"1 is still on roll after a planned end date before {first:%-d %B %Y}" in suggestion.source
