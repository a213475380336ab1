from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.evaluations import services
from careershub.evaluations.models import Answer, Evaluation, EvaluationStatus, MeasurementResult
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast: Cast) -> Evaluation:
    return services.evaluation_start(institution=cast.ashby, actor=cast.careers_leader, on=datetime.date(2025, 10, 1))


def _answer_everything(evaluation: Evaluation, value_for_yes_no: str = "yes") -> None:
    spec = evaluation.spec()
    numbers = {g.code: (150 if g.code in {"Y7", "Y8", "Y9", "Y10", "Y11"} else 0) for g in spec.year_groups}
    services.learner_numbers_save(evaluation=evaluation, numbers=numbers, expected_version=0, actor=None)
    evaluation.refresh_from_db()
    answers: dict[str, tuple[str | None, int]] = {}
    for question in spec.questions:
        answers[question.code] = ("100" if question.is_cohort else value_for_yes_no, 0)
    services.answers_save(evaluation=evaluation, answers=answers, actor=None)


def test_start_picks_the_2024_schools_framework_and_is_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(reverse("evaluations:start"), {"evaluate_as": ""})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(institution=cast.ashby)
    assert evaluation.framework.code == "gatsby-2024-schools"
    assert AuditEvent.objects.filter(object_type="evaluations.Evaluation", actor=cast.careers_leader).exists()


def test_override_needs_a_reason(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(reverse("evaluations:start"), {"evaluate_as": "special_school"})
    assert "Give a reason" in response.content.decode()
    response = client_as("careers_leader").post(
        reverse("evaluations:start"),
        {"evaluate_as": "special_school", "reason": "Most pupils take entry-level qualifications"},
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(institution=cast.ashby).framework.code == "gatsby-2024-special"


def test_only_one_draft_at_a_time(cast: Cast, draft: Evaluation) -> None:
    with pytest.raises(services.EvaluationError, match="already has an evaluation in progress"):
        services.evaluation_start(institution=cast.ashby, actor=cast.careers_leader)


@pytest.mark.parametrize("persona", PERSONAS)
def test_start_is_for_careers_leaders(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("evaluations:start"))
    expected = {"anonymous": 302, "careers_leader": 200, "other_careers_leader": 200}.get(persona, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_pages_are_scoped(client_as, draft: Evaluation, persona: str) -> None:  # type: ignore[no-untyped-def]
    urls = [
        reverse("evaluations:overview", args=[draft.pk]),
        reverse("evaluations:benchmark", args=[draft.pk, 1]),
    ]
    for url in urls:
        response = client_as(persona).get(url)
        expected = {
            "anonymous": 302,
            "outsider": 403,
            "careers_leader": 200,
            "senior_leader": 200,  # reads the draft
        }.get(persona, 404)  # hubs and the national team see submitted evaluations only
        assert response.status_code == expected, (persona, url)


@pytest.mark.parametrize("persona", ["senior_leader", "other_careers_leader", "hub_lead"])
def test_others_cannot_change_a_draft(client_as, draft: Evaluation, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).post(
        reverse("evaluations:benchmark", args=[draft.pk, 1]), {"q_1.1a": "yes", "v_1.1a": "0"}
    )
    assert response.status_code in {403, 404}
    assert not Answer.objects.exists()
    learners = client_as(persona).get(reverse("evaluations:learners", args=[draft.pk]))
    assert learners.status_code in {403, 404}


def test_answering_a_benchmark_saves_and_continues(client_as, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(
        reverse("evaluations:benchmark", args=[draft.pk, 1]),
        {"q_1.1a": "yes", "v_1.1a": "0", "q_1.1e": "partly", "v_1.1e": "0", "continue": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:benchmark", args=[draft.pk, 2])
    assert dict(draft.answers.values_list("question_code", "value")) == {"1.1a": "yes", "1.1e": "partly"}


def test_a_stale_save_is_refused_and_nothing_typed_is_lost(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    url = reverse("evaluations:benchmark", args=[draft.pk, 1])
    leader = client_as("careers_leader")
    assert leader.post(url, {"q_1.1a": "yes", "v_1.1a": "0"}).status_code == 302
    # A colleague opened the page before that save (saw version 0) and now saves "no" and another answer.
    stale = leader.post(url, {"q_1.1a": "no", "v_1.1a": "0", "q_1.1b": "yes", "v_1.1b": "0"})
    content = stale.content.decode()
    assert stale.status_code == 200
    assert "Someone else changed 1 answer" in content
    assert "“Yes”" in content and "“No”" in content
    assert Answer.objects.get(evaluation=draft, question_code="1.1a").value == "yes"
    assert Answer.objects.get(evaluation=draft, question_code="1.1b").value == "yes"  # the other answer was saved
    # The user's choice is still selected, and saving again now keeps it deliberately.
    assert 'value="no" checked' in content
    assert 'name="v_1.1a" value="1"' in content
    assert leader.post(url, {"q_1.1a": "no", "v_1.1a": "1"}).status_code == 302
    assert Answer.objects.get(evaluation=draft, question_code="1.1a").value == "no"


def test_learner_numbers_conflict_shows_both(client_as, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    url = reverse("evaluations:learners", args=[draft.pk])
    spec = draft.spec()
    data = {f"yg_{g.code}": "100" for g in spec.year_groups} | {"version": "0"}
    assert client_as("careers_leader").post(url, data).status_code == 302
    stale = client_as("careers_leader").post(url, {**data, "yg_Y7": "120"})
    content = stale.content.decode()
    assert "Someone else saved different learner numbers" in content
    assert 'value="120"' in content
    draft.refresh_from_db()
    assert draft.learner_numbers["Y7"] == 100


def test_invalid_learner_numbers_name_the_field(client_as, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    spec = draft.spec()
    data = {f"yg_{g.code}": "100" for g in spec.year_groups} | {"version": "0", "yg_Y8": "lots"}
    content = client_as("careers_leader").post(reverse("evaluations:learners", args=[draft.pk]), data).content.decode()
    assert "The number of learners in Year 8 must be a whole number" in content
    assert 'href="#id_yg_Y8"' in content


def test_submit_lists_what_is_missing_with_links(client_as, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    content = client_as("careers_leader").get(reverse("evaluations:submit", args=[draft.pk])).content.decode()
    assert "You cannot submit yet" in content
    assert "Learner numbers for each year group" in content
    assert reverse("evaluations:benchmark", args=[draft.pk, 1]) + "#id_q_1.1a" in content
    response = client_as("careers_leader").post(reverse("evaluations:submit", args=[draft.pk]))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT


def test_submitting_scores_and_is_immutable(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    _answer_everything(draft)
    response = client_as("careers_leader").post(reverse("evaluations:submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.SUBMITTED
    assert draft.benchmarks_fully_achieved == 8
    assert draft.benchmark_scores.count() == 8
    with pytest.raises(services.EvaluationError, match="cannot change"):
        services.answers_save(evaluation=draft, answers={"1.1a": ("no", 1)}, actor=cast.careers_leader)
    again = client_as("careers_leader").post(
        reverse("evaluations:benchmark", args=[draft.pk, 1]), {"q_1.1a": "no", "v_1.1a": "1"}
    )
    assert again.status_code == 302  # to the results page; nothing changes
    assert Answer.objects.get(evaluation=draft, question_code="1.1a").value == "yes"


def test_copying_the_previous_evaluation(cast: Cast, draft: Evaluation) -> None:
    _answer_everything(draft, value_for_yes_no="no")
    services.evaluation_submit(evaluation=draft, actor=cast.careers_leader)
    copy = services.evaluation_start(institution=cast.ashby, actor=cast.careers_leader, copy_previous=True)
    assert copy.copied_from == draft
    assert copy.learner_numbers == draft.learner_numbers
    assert services.answers_of(copy) == services.answers_of(draft)


def test_measurement_points_follow_submissions(cast: Cast) -> None:
    first = services.evaluation_start(institution=cast.ashby, actor=None, on=datetime.date(2024, 10, 1))
    _answer_everything(first, value_for_yes_no="no")
    services.evaluation_submit(
        evaluation=first, actor=None, submitted_at=datetime.datetime(2024, 11, 15, 12, tzinfo=datetime.UTC)
    )
    second = services.evaluation_start(institution=cast.ashby, actor=None, on=datetime.date(2025, 10, 1))
    _answer_everything(second)
    services.evaluation_submit(
        evaluation=second, actor=None, submitted_at=datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)
    )
    results = {r.point: r for r in MeasurementResult.objects.filter(institution=cast.ashby)}
    assert results[datetime.date(2024, 12, 31)].evaluation == first
    assert results[datetime.date(2025, 7, 31)].evaluation == first
    assert results[datetime.date(2025, 12, 31)].evaluation == second
    assert results[datetime.date(2025, 12, 31)].benchmarks_fully_achieved == 8
    assert datetime.date(2024, 7, 31) not in results


def test_trained_careers_leader_is_suggested_with_its_source(client_as, cast: Cast, draft: Evaluation) -> None:  # type: ignore[no-untyped-def]
    from careershub.training import services as training_services

    training_services.training_record_create(
        institution=cast.ashby,
        leader_name="Jo Patel",
        course="Careers Leader Training",
        provider="CDI",
        started_on=datetime.date(2024, 10, 1),
        completed_on=datetime.date(2025, 6, 30),
        bursary_pence=100_000,
        actor=cast.careers_leader,
    )
    content = client_as("careers_leader").get(reverse("evaluations:benchmark", args=[draft.pk, 1])).content.decode()
    assert "Suggested. From the Careers Leader training record" in content
    assert "Jo Patel completed Careers Leader Training (CDI)" in content
    assert 'name="q_1.1a" type="radio" value="yes" checked' in content or 'value="yes" checked' in content
    assert not Answer.objects.filter(evaluation=draft, question_code="1.1a").exists()  # suggested, not saved
