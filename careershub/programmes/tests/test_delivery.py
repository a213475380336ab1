from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.activities import services as activity_services
from careershub.learners.tests.factories import LearnerFactory
from careershub.programmes.models import Term, term_window
from careershub.programmes.queries import DeliveryStatus, delivery
from careershub.programmes.tests.factories import make_activity, make_plan
from conftest import Cast

pytestmark = pytest.mark.django_db


def record(cast: Cast, activity_type: str, day: datetime.date, year_group: int | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    activity = activity_services.activity_create(
        institution=cast.ashby,
        actor=cast.careers_leader,
        activity_type=activity_type,
        title=f"{activity_type} on {day}",
        date=day,
        **kwargs,  # type: ignore[arg-type]
    )
    if year_group is not None:
        learner = LearnerFactory.create(institution=cast.ashby, year_group=year_group)
        activity_services.participants_add(activity=activity, learners=[learner], actor=cast.careers_leader)
    return activity


def membership(cast: Cast):  # type: ignore[no-untyped-def]
    return cast.careers_leader.memberships.get()


def test_terms_end_at_the_measurement_points() -> None:
    assert term_window(2026, Term.AUTUMN) == (datetime.date(2026, 9, 1), datetime.date(2026, 12, 31))
    assert term_window(2026, Term.SPRING) == (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    assert term_window(2026, Term.SUMMER) == (datetime.date(2027, 4, 1), datetime.date(2027, 7, 31))


def test_planned_against_recorded(cast: Cast) -> None:
    plan = make_plan(cast)
    visits = make_activity(plan, cast, title="Visits", term=Term.AUTUMN)  # workplace_visit, Y10, 6.1
    talks = make_activity(
        plan, cast, title="Talks", activity_type="employer_talk", year_groups=["Y8"], criteria=["5.1"], term=Term.AUTUMN
    )
    fair = make_activity(
        plan,
        cast,
        title="Fair",
        activity_type="careers_fair",
        year_groups=[],
        criteria=["5.1", "7.1"],
        term=Term.AUTUMN,
    )
    lesson = make_activity(
        plan, cast, title="Lesson", activity_type="careers_lesson", year_groups=[], criteria=["4.1"], term=Term.SPRING
    )
    mentoring = make_activity(
        plan, cast, title="Mentoring", activity_type="mentoring", year_groups=[], criteria=["5.1"], term=Term.SUMMER
    )
    # In the autumn term: the visit for Year 10 (delivers), a talk for Year 9 (wrong year group).
    record(cast, "workplace_visit", datetime.date(2026, 10, 5), year_group=10)
    wrong_year = record(cast, "employer_talk", datetime.date(2026, 11, 5), year_group=9)
    # The fair happens in January: late. Last year's activity does not count at all.
    late_fair = record(cast, "careers_fair", datetime.date(2027, 1, 20))
    record(cast, "careers_lesson", datetime.date(2026, 6, 1))
    result = delivery(membership(cast), plan, today=datetime.date(2027, 2, 1))
    by_title = {row.planned.title: row for row in result.rows}
    assert by_title[visits.title].status == DeliveryStatus.DELIVERED
    assert by_title[talks.title].status == DeliveryStatus.LATE
    assert by_title[fair.title].status == DeliveryStatus.DELIVERED_LATE
    assert by_title[fair.title].matches == [late_fair]
    assert by_title[lesson.title].status == DeliveryStatus.DUE_NOW
    assert by_title[mentoring.title].status == DeliveryStatus.DUE
    assert [a.pk for a in result.unplanned] == [wrong_year.pk]


def test_a_benchmark_must_agree_when_both_have_one(cast: Cast) -> None:
    plan = make_plan(cast)
    make_activity(plan, cast, title="Any kind for BM7", activity_type="", year_groups=[], criteria=["7.1"])
    record(cast, "employer_talk", datetime.date(2027, 2, 1))  # benchmark 5 only
    result = delivery(membership(cast), plan, today=datetime.date(2027, 4, 2))
    assert result.rows[0].status == DeliveryStatus.LATE
    assert len(result.unplanned) == 1


def test_delivery_is_empty_for_people_who_may_not_see_activities(cast: Cast) -> None:
    plan = make_plan(cast)
    make_activity(plan, cast)
    record(cast, "workplace_visit", datetime.date(2027, 2, 1))
    outsider_view = delivery(cast.hub_lead.memberships.get(), plan, today=datetime.date(2027, 4, 2))
    assert outsider_view.unplanned == [] and outsider_view.rows[0].status == DeliveryStatus.LATE


def test_delivery_page_lists_three_matches_and_counts_the_rest(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    make_activity(plan, cast, year_groups=[])
    for day in range(1, 6):
        record(cast, "workplace_visit", datetime.date(2027, 2, day))
    content = client_as("senior_leader").get(reverse("programmes:delivery", args=[plan.pk])).content.decode()
    assert "and 2 more" in content and 'data-status="Delivered">1<' in content
