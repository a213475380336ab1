from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.activities import services
from careershub.activities.models import Activity, GuidanceMeeting, Participation
from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.tests.factories import LearnerFactory, upn_for
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

READERS = {"careers_leader", "senior_leader"}


def page_status(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in allowed else 403


def make_activity(cast: Cast, **kwargs: object) -> Activity:
    values: dict[str, object] = {
        "institution": cast.ashby,
        "actor": cast.careers_leader,
        "activity_type": "employer_talk",
        "title": "Engineering talk",
        "date": datetime.date(2025, 11, 5),
    }
    values.update(kwargs)
    return services.activity_create(**values)  # type: ignore[arg-type]


def test_benchmarks_derive_from_type_and_can_be_adjusted(cast: Cast) -> None:
    assert make_activity(cast).benchmarks == [5]
    assert make_activity(cast, activity_type="careers_fair").benchmarks == [5, 7]
    assert make_activity(cast, benchmarks=[5, 6]).benchmarks == [5, 6]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="activities.Activity").count() == 3


def test_meaningful_checklist_depends_on_the_encounter(cast: Cast) -> None:
    core = ["purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"]
    assert make_activity(cast, checklist=core).is_meaningful
    visit = make_activity(cast, activity_type="work_experience", checklist=core)
    assert not visit.is_meaningful
    full = make_activity(
        cast, activity_type="work_experience", checklist=[*core, "range_of_people", "task_set", "employer_feedback"]
    )
    assert full.is_meaningful
    lesson = make_activity(cast, activity_type="careers_lesson")
    assert lesson.checklist() == [] and not lesson.is_meaningful


@pytest.mark.parametrize("persona", PERSONAS)
def test_activity_list_access_and_budget(client_as, cast: Cast, persona: str, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        make_activity(cast, title=f"Talk {n}")
    client = client_as(persona)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("activities:list"))
    assert response.status_code == page_status(persona, READERS | {"other_careers_leader"})
    if response.status_code == 200:
        assert ("Talk 0" in response.content.decode()) == (persona in READERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_activity_detail_is_404_outside_the_institution(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(cast)
    response = client_as(persona).get(reverse("activities:detail", args=[activity.pk]))
    expected = page_status(persona, READERS)
    if persona == "other_careers_leader":
        expected = 404
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_careers_leader_records_activities(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("activities:create"))
    assert response.status_code == page_status(persona, {"careers_leader", "other_careers_leader"})


def test_record_activity_for_a_filtered_group(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    fsm10 = LearnerFactory.create_batch(3, institution=cast.ashby, year_group=10, fsm=True)
    LearnerFactory.create_batch(2, institution=cast.ashby, year_group=10, fsm=False)
    LearnerFactory.create(institution=cast.ashby, year_group=10, fsm=True, left_on=datetime.date(2025, 1, 1))
    LearnerFactory.create(institution=cast.brook, year_group=10, fsm=True)
    client = client_as("careers_leader")
    response = client.post(
        reverse("activities:create"),
        {
            "activity_type": "workplace_visit",
            "title": "Visit to Trafford Engineering",
            "date-day": "5",
            "date-month": "11",
            "date-year": "2025",
            "provider_name": "Trafford Engineering Ltd",
            "provider_kind": "employer",
            "mode": "in_person",
            "checklist": ["purpose_shared", "reflection"],
        },
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and activity.benchmarks == [6]
    response = client.post(
        reverse("activities:participants", args=[activity.pk]), {"how": "filter", "year_group": "10", "fsm": "yes"}
    )
    assert response.status_code == 302
    assert set(activity.participants.values_list("pk", flat=True)) == {learner.pk for learner in fsm10}
    # Adding again adds nobody twice.
    client.post(reverse("activities:participants", args=[activity.pk]), {"how": "year_group", "year_group": "10"})
    assert Participation.objects.filter(activity=activity).count() == 5


def test_pasted_upns_report_the_unknown_ones(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    known = LearnerFactory.create(institution=cast.ashby, upn=upn_for(1))
    activity = make_activity(cast)
    response = client_as("careers_leader").post(
        reverse("activities:participants", args=[activity.pk]),
        {"how": "upns", "upns": f"{known.upn}\n{upn_for(2)}, NOTAUPN"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "2 could not be found on roll" in content and "NOTAUPN" in content
    assert list(activity.participants.all()) == [known]


def test_senior_leader_cannot_add_participants(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(cast)
    response = client_as("senior_leader").post(
        reverse("activities:participants", args=[activity.pk]), {"how": "year_group", "year_group": "10"}
    )
    assert response.status_code == 403


def test_guidance_meeting_notes_are_restricted_and_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby)
    response = client_as("careers_leader").post(
        reverse("activities:guidance-create", args=[learner.pk]),
        {
            "date-day": "3",
            "date-month": "2",
            "date-year": "2026",
            "adviser_name": "Pat Adviser",
            "adviser_level6": "on",
            "notes": "Wants to be a vet; discussed A levels",
        },
    )
    assert response.status_code == 302
    meeting = GuidanceMeeting.objects.get()
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="activities.GuidanceMeeting")
    assert "vet" not in str(created.changes)
    leader = client_as("careers_leader").get(reverse("activities:guidance-detail", args=[meeting.pk])).content.decode()
    assert "Wants to be a vet" in leader
    senior = client_as("senior_leader").get(reverse("activities:guidance-detail", args=[meeting.pk])).content.decode()
    assert "Wants to be a vet" not in senior and "Only careers leaders" in senior
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="activities.GuidanceMeeting").count() == 1
    for persona in ("other_careers_leader", "hub_lead", "national_admin"):
        assert client_as(persona).get(reverse("activities:guidance-detail", args=[meeting.pk])).status_code == 404
    assert client_as("senior_leader").get(reverse("activities:guidance-create", args=[learner.pk])).status_code == 403
    page = client_as("careers_leader").get(reverse("learners:detail", args=[learner.pk])).content.decode()
    assert "Pat Adviser" in page


def test_learner_page_lists_activities_with_a_query_budget(
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby)
    for n in range(10):
        services.participants_add(activity=make_activity(cast, title=f"Talk {n}"), learners=[learner], actor=None)
    client = client_as("careers_leader")
    with django_assert_max_num_queries(12):
        content = client.get(reverse("learners:detail", args=[learner.pk])).content.decode()
    assert "Talk 9" in content


def test_participants_of_another_institution_are_never_added(cast: Cast) -> None:
    activity = make_activity(cast)
    theirs = LearnerFactory.create(institution=cast.brook)
    assert services.participants_add(activity=activity, learners=[theirs], actor=None).added == 0


def test_adding_participants_again_counts_repeats_and_adds_only_the_new(cast: Cast) -> None:
    from careershub.learners.models import Learner

    activity = make_activity(cast)
    learners = LearnerFactory.create_batch(6, institution=cast.ashby)
    first = services.participants_add(activity=activity, learners=learners[:4], actor=cast.careers_leader)
    assert (first.added, first.already) == (4, 0)
    again = services.participants_add(
        activity=activity, learners=Learner.objects.filter(pk__in=[lr.pk for lr in learners[2:]]), actor=None
    )
    assert (again.added, again.already) == (2, 2)
    nothing = services.participants_add(activity=activity, learners=learners, actor=None)
    assert (nothing.added, nothing.already) == (0, 6)
    assert sorted(activity.participations.values_list("learner_id", flat=True)) == sorted(lr.pk for lr in learners)
    changes = AuditEvent.objects.filter(object_type="activities.Activity", object_id=str(activity.pk))
    assert sorted(tuple(e.changes["participants"]) for e in changes if "participants" in e.changes) == [(0, 4), (2, 4)]
