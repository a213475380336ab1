"""Self-evaluation answers suggested from the learner records: learner numbers and cohort bands."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from careershub.activities import coverage, prefill, services
from careershub.activities.coverage import Event, LearnerFacts
from careershub.evaluations import services as evaluation_services
from careershub.evaluations.models import Answer, Evaluation
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory
from conftest import Cast

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

    for code in ("gatsby-2024-schools", "gatsby-2024-special"):
        spec = load_framework(coverage.RULES_DIR.parent.parent / "evaluations" / "frameworks" / f"{code}.yaml")
        measures = prefill.load_measures(code)
        assert measures
        for measure in measures:
            question = spec.question(measure.question)
            assert question.is_cohort, measure.question
            assert prefill.year_of(question.year_groups[0]) is not None
            if question.population:
                assert measure.population == "considering_higher_education"


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


def test_colleges_get_no_learner_numbers_suggestion(cast: Cast) -> None:
    from careershub.evaluations.models import FrameworkVersion

    draft = evaluation_services.evaluation_start(
        institution=cast.ashby, actor=cast.careers_leader, on=timezone.localdate()
    )
    draft.framework = FrameworkVersion.objects.get(code="gatsby-2024-colleges")
    year10(cast, 2, year_group=12, date_of_birth=datetime.date(2009, 1, 1))
    assert prefill.learner_numbers_prefill(draft) is None
