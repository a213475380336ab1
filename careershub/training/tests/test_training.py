from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.hubs.models import HubMembership
from careershub.institutions.tests.factories import InstitutionFactory
from careershub.training import services
from careershub.training.models import TrainingRecord, TrainingStatus
from careershub.training.queries import hub_training, trained_careers_leader_prefill
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

HUB_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
INSTITUTION_ROLES = {"careers_leader", "senior_leader", "other_careers_leader"}
BARRED = INSTITUTION_ROLES | {"employer", "participation_officer"}

FORM = {
    "leader_name": "Jo Patel",
    "is_current_leader": "yes",
    "course": "Careers Leader Training",
    "provider": "Career Development Institute",
    "started_on-day": "1",
    "started_on-month": "10",
    "started_on-year": "2024",
    "completed_on-day": "30",
    "completed_on-month": "6",
    "completed_on-year": "2025",
    "bursary_pence": "£1,000.50",
}


def make_record(cast: Cast, **kwargs: object) -> TrainingRecord:
    values: dict[str, object] = {
        "institution": cast.ashby,
        "leader_name": "Jo Patel",
        "course": "Careers Leader Training",
        "provider": "CDI",
        "started_on": datetime.date(2024, 10, 1),
        "completed_on": datetime.date(2025, 6, 30),
        "bursary_pence": 100_000,
        "actor": cast.careers_leader,
    }
    values.update(kwargs)
    return services.training_record_create(**values)  # type: ignore[arg-type]


def expected(persona: str, allowed: set[str], forbidden: set[str], refused: int = 404) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    if persona in allowed:
        return 200
    return 403 if persona in forbidden else refused


@pytest.mark.parametrize("persona", PERSONAS)
def test_training_list_is_for_institution_staff(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_record(cast)
    response = client_as(persona).get(reverse("training:list"))
    assert response.status_code == expected(persona, INSTITUTION_ROLES, set(PERSONAS))
    if response.status_code == 200:
        content = response.content.decode()
        assert ("Jo Patel" in content) == (persona != "other_careers_leader")
        assert ("Record training" in content) == (persona != "senior_leader")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_careers_leader_may_change_a_record(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    record = make_record(cast)
    for name in ("training:edit", "training:delete"):
        response = client_as(persona).get(reverse(name, args=[record.pk]))
        assert response.status_code == expected(
            persona, {"careers_leader"}, set(PERSONAS) - {"other_careers_leader"}
        ), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_add_page(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("training:add"))
    assert response.status_code == expected(
        persona, {"careers_leader", "other_careers_leader"}, set(PERSONAS), refused=403
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_view_is_for_the_hub_and_national_team(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_record(cast)
    response = client_as(persona).get(reverse("training:hub", args=[cast.north_hub.pk]))
    assert response.status_code == expected(persona, HUB_READERS, BARRED)
    if response.status_code == 200:
        content = response.content.decode()
        assert "Ashby High School" in content and "Trained" in content
        assert "Brook College" not in content


def test_careers_leader_records_training_and_it_is_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(reverse("training:add"), FORM)
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.institution == cast.ashby
    assert record.bursary_pence == 100_050
    assert record.completed_on == datetime.date(2025, 6, 30)
    event = AuditEvent.objects.get(object_type="training.TrainingRecord", object_id=str(record.pk))
    assert event.actor == cast.careers_leader and event.organisation == cast.ashby.organisation
    assert event.changes["bursary_pence"] == [None, 100_050]


def test_changing_and_deleting_are_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    record = make_record(cast)
    client = client_as("careers_leader")
    response = client.post(reverse("training:edit", args=[record.pk]), {**FORM, "bursary_pence": "250"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.bursary_pence == 25_000
    change = AuditEvent.objects.get(object_type="training.TrainingRecord", action="update")
    assert change.changes["bursary_pence"] == [100_000, 25_000]
    assert client.post(reverse("training:delete", args=[record.pk])).status_code == 302
    assert not TrainingRecord.objects.exists()
    assert AuditEvent.objects.filter(object_type="training.TrainingRecord", action="delete").count() == 1


def test_other_institutions_leader_cannot_post_changes(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    record = make_record(cast)
    client = client_as("other_careers_leader")
    assert client.post(reverse("training:edit", args=[record.pk]), FORM).status_code == 404
    assert client.post(reverse("training:delete", args=[record.pk])).status_code == 404
    assert TrainingRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"leader_name": ""}, "Enter the careers leader"),
        ({"completed_on-year": "2023"}, "Completion date must be on or after the start date"),
        ({"bursary_pence": "12.345"}, "Enter the amount in pounds and pence"),
        ({"bursary_pence": "-5"}, "must not be negative"),
        ({"started_on-day": "31", "started_on-month": "2"}, "Start date must be a real date"),
    ],
)
def test_form_errors(client_as, cast: Cast, changes: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(reverse("training:add"), {**FORM, **changes})
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'class="govuk-error-summary"' in content
    assert not TrainingRecord.objects.exists()


def test_prefill_says_yes_with_its_source_when_the_current_leader_completed(cast: Cast) -> None:
    assert trained_careers_leader_prefill(cast.ashby) is None  # nothing recorded: nothing suggested
    make_record(cast, completed_on=None)
    answer = trained_careers_leader_prefill(cast.ashby)
    assert answer is not None and answer.question_code == "1.1a" and answer.value == "no"
    assert "has not completed it yet" in answer.source
    done = make_record(cast, course="Level 6 Diploma", completed_on=datetime.date(2025, 7, 1))
    answer = trained_careers_leader_prefill(cast.ashby, on=datetime.date(2025, 8, 1))
    assert answer is not None and answer.value == "yes" and answer.record == done
    assert "Jo Patel completed Level 6 Diploma (CDI) on 1 July 2025" in answer.source
    # before the completion date it was not yet true
    before = trained_careers_leader_prefill(cast.ashby, on=datetime.date(2025, 6, 1))
    assert before is not None and before.value == "no"


def test_a_previous_leaders_training_does_not_count(cast: Cast) -> None:
    make_record(cast, is_current_leader=False)
    answer = trained_careers_leader_prefill(cast.ashby)
    assert answer is None


def test_hub_training_statuses_and_query_count(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    make_record(cast)
    others = [InstitutionFactory.create(urn=710000 + n, name=f"School {n:02d}") for n in range(10)]
    for institution in others:
        HubMembership.objects.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2020, 1, 1))
    make_record(cast, institution=others[0], completed_on=None)
    with django_assert_max_num_queries(2):
        rows = hub_training(cast.north_hub, datetime.date(2025, 9, 1))
    statuses = {row.institution.name: row.status for row in rows}
    assert statuses["Ashby High School"] == TrainingStatus.TRAINED
    assert statuses["School 00"] == TrainingStatus.IN_TRAINING
    assert statuses["School 05"] == TrainingStatus.NOT_TRAINED
    assert "Brook College" not in statuses


def test_service_refuses_completion_before_start(cast: Cast) -> None:
    with pytest.raises(services.TrainingError):
        make_record(cast, completed_on=datetime.date(2020, 1, 1))


def test_evaluation_prefills_question_1_1a_until_it_is_answered(cast: Cast) -> None:
    from careershub.evaluations.models import Answer
    from careershub.evaluations.tests.factories import EvaluationFactory
    from careershub.training.queries import evaluation_prefills

    evaluation = EvaluationFactory.create(institution=cast.ashby, on=datetime.date(2025, 10, 1))
    assert evaluation.spec().question("1.1a").text == "Does your school have a trained Careers Leader?"
    assert evaluation_prefills(evaluation) == {}
    make_record(cast)
    prefills = evaluation_prefills(evaluation)
    assert list(prefills) == ["1.1a"] and prefills["1.1a"].value == "yes"
    assert prefills["1.1a"].source.startswith("From the Careers Leader training record: Jo Patel completed")
    Answer.objects.create(evaluation=evaluation, question_code="1.1a", value="no")
    assert evaluation_prefills(evaluation) == {}  # an answer given is never overridden
