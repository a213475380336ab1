"""The coverage page, gap lists, their CSV and the gap list as the participants of a new activity."""

from __future__ import annotations

import csv
import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from careershub.activities import coverage, queries, services
from careershub.activities.models import Activity
from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

MEANINGFUL = ["purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"]


def page_status(persona: str) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in {"careers_leader", "senior_leader", "other_careers_leader"} else 403


def talk(cast: Cast, learners: list[Learner], *, meaningful: bool = True, **kwargs: object) -> Activity:
    values: dict[str, object] = {
        "institution": cast.ashby,
        "actor": cast.careers_leader,
        "activity_type": "employer_talk",
        "title": "Engineering talk",
        "date": timezone.localdate(),
        "checklist": MEANINGFUL if meaningful else [],
    }
    values.update(kwargs)
    activity = services.activity_create(**values)  # type: ignore[arg-type]
    services.participants_add(activity=activity, learners=learners, actor=cast.careers_leader)
    return activity


def year7(cast: Cast, n: int, **kwargs: object) -> list[Learner]:
    values: dict[str, object] = {"institution": cast.ashby, "year_group": 7, "date_of_birth": datetime.date(2013, 1, 1)}
    values.update(kwargs)
    return LearnerFactory.create_batch(n, **values)


def record_depot_visit(client, create_url: str, day: datetime.date):  # type: ignore[no-untyped-def]
    """Posts the "Record an activity" form reached from a gap list: a workplace visit on `day`."""
    return client.post(
        create_url,
        {
            "activity_type": "workplace_visit",
            "title": "Visit to the depot",
            "date-day": str(day.day),
            "date-month": str(day.month),
            "date-year": str(day.year),
            "provider_kind": "employer",
            "mode": "in_person",
        },
    )


def test_coverage_data_counts_each_benchmark_of_an_activity(cast: Cast) -> None:
    [learner] = year7(cast, 1)
    # A careers fair counts for Benchmark 5 (employer) and 7 (provider, here a university).
    talk(cast, [learner], activity_type="careers_fair", provider_kind="university")
    services.guidance_meeting_create(
        learner=learner, actor=cast.careers_leader, date=timezone.localdate(), adviser_name="A", adviser_level6=True
    )
    _learners, [facts] = queries.coverage_data(cast.ashby)
    assert sorted(e.encounter for e in facts.events) == ["employer", "guidance", "provider"]
    assert all(e.meaningful for e in facts.events)


def test_figures_by_year_and_group_with_the_gap(cast: Cast) -> None:
    reached = year7(cast, 6, disadvantaged=False)
    missed = year7(cast, 4, disadvantaged=True)
    LearnerFactory.create(institution=cast.ashby, year_group=7, left_on=datetime.date(2025, 7, 20))
    talk(cast, reached + missed[:1])
    talk(cast, missed[1:], meaningful=False)
    _code, rules = queries.coverage_rules_for(cast.ashby, timezone.localdate())
    count, figures = queries.cohort_for(cast.ashby, rules, timezone.localdate())
    bm5 = next(f for f in figures if f["rule"].code == "bm5_each_year")
    assert count == 10 and bm5["met"] == 7 and bm5["percent"] == 70 and bm5["by_year"] == {7: 70}
    disadvantaged = bm5["groups"][0]
    assert (disadvantaged["percent"], disadvantaged["others"], disadvantaged["gap"]) == (25, 100, -75)


@pytest.mark.parametrize("persona", PERSONAS)
def test_coverage_page_access(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    year7(cast, 2)
    response = client_as(persona).get(reverse("activities:coverage"))
    assert response.status_code == page_status(persona)
    if response.status_code == 200:
        content = response.content.decode()
        assert "Benchmark coverage" in content
        assert ("See the 2 learners" in content) == (persona != "other_careers_leader")


@pytest.mark.parametrize("persona", PERSONAS)
def test_gap_list_and_csv_access(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    year7(cast, 1, legal_last_name="Gapton")
    client = client_as(persona)
    for name in ("activities:coverage-gaps", "activities:coverage-gaps-csv"):
        response = client.get(reverse(name, args=["bm5_each_year"]))
        assert response.status_code == page_status(persona)
        if response.status_code == 200:
            assert ("Gapton" in response.content.decode("utf-8-sig")) == (persona != "other_careers_leader")


def test_unknown_rule_is_404(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    assert client_as("careers_leader").get(reverse("activities:coverage-gaps", args=["bm9_nothing"])).status_code == 404


def test_coverage_and_gap_pages_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    learners = year7(cast, 40) + LearnerFactory.create_batch(40, institution=cast.ashby, year_group=10)
    for n in range(5):
        talk(cast, learners[n * 10 : n * 10 + 30], title=f"Talk {n}")
    for learner in learners[:10]:
        services.guidance_meeting_create(
            learner=learner, actor=None, date=timezone.localdate(), adviser_name="A", adviser_level6=True
        )
    client = client_as("careers_leader")
    # Session, user, memberships and institution, then learners, activities, participations and meetings:
    # the same whatever the number of learners and activities.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("activities:coverage")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("activities:coverage-gaps", args=["bm8_by_16"])).status_code == 200


def test_gap_csv_neutralises_formulas_filters_by_year_and_is_audited(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    [evil] = year7(cast, 1, legal_first_name='=HYPERLINK("http://x")', legal_last_name="Evil")
    [met] = year7(cast, 1, legal_last_name="Reached")
    LearnerFactory.create(institution=cast.ashby, year_group=10, legal_last_name="Older")
    talk(cast, [met])
    response = client_as("careers_leader").get(
        reverse("activities:coverage-gaps-csv", args=["bm5_each_year"]), {"year_group": "7"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="gaps-bm5_each_year-year7-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "UPN" and len(rows) == 2
    assert rows[1][0] == evil.upn and rows[1][2] == '\'=HYPERLINK("http://x")'
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_label__startswith="Coverage gap list export")
    assert "bm5_each_year" in str(event.changes)


def test_gap_list_becomes_the_participants_of_a_new_activity(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    gaps = LearnerFactory.create_batch(3, institution=cast.ashby, year_group=10)
    reached = LearnerFactory.create(institution=cast.ashby, year_group=10)
    other_year = year7(cast, 1)
    talk(
        cast,
        [reached],
        activity_type="work_experience",
        checklist=[*MEANINGFUL, "range_of_people", "task_set", "employer_feedback"],
        date=datetime.date(2025, 1, 1),
    )
    client = client_as("careers_leader")
    page = client.get(reverse("activities:coverage-gaps", args=["bm6_by_16"]), {"year_group": "10"}).content.decode()
    assert "Record an activity for these learners" in page
    create_url = reverse("activities:create") + "?gap=bm6_by_16&gap_year=10"
    assert create_url.replace("&", "&amp;") in page
    assert "who have not met" in client.get(create_url).content.decode()
    response = record_depot_visit(client, create_url, datetime.date(2025, 11, 5))
    activity = Activity.objects.get(title="Visit to the depot")
    target = urlsplit(response["Location"])
    assert target.path == reverse("activities:participants", args=[activity.pk])
    assert target.query == "gap=bm6_by_16&gap_year=10"
    form = client.get(response["Location"]).context_data["form"]
    assert form.initial["how"] == "upns"
    assert set(form.initial["upns"].split()) == {learner.upn for learner in gaps}
    assert other_year[0].upn not in form.initial["upns"]
    client.post(response["Location"], {"how": "upns", "upns": form.initial["upns"]})
    assert set(activity.participants.all()) == set(gaps)


def test_gap_list_of_those_still_to_do_this_school_year(client_as, cast: Cast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """ "Only those still to do by 31 August": on the page, in its CSV (named and audited so) and
    as the participants of a new activity."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: datetime.date(2026, 3, 1))

    def learner(name: str, born: datetime.date, year_group: int = 11) -> Learner:
        return LearnerFactory.create(
            institution=cast.ashby, year_group=year_group, date_of_birth=born, legal_last_name=name
        )

    soon = learner("Soon", datetime.date(2010, 6, 15))  # 16 on 15 June 2026
    overdue = learner("Overdue", datetime.date(2010, 1, 10))  # 16 already: too late
    later = learner("Later", datetime.date(2010, 10, 1), 10)  # 16 next school year
    reached = learner("Reached", datetime.date(2010, 7, 1))
    work = [*MEANINGFUL, "range_of_people", "task_set", "employer_feedback"]
    talk(cast, [reached], activity_type="work_experience", checklist=work, date=datetime.date(2025, 1, 1))
    client = client_as("careers_leader")
    url = reverse("activities:coverage-gaps", args=["bm6_by_16"])
    assert {gap for gap, _ in client.get(url).context_data["gaps"]} == {soon, overdue, later}
    response = client.get(url, {"this_year": "on"})
    assert [gap for gap, _ in response.context_data["gaps"]] == [soon]
    html = response.content.decode()
    assert "1 learner on roll has not met this yet and can still meet it by 31 August 2026." in html
    csv_url = reverse("activities:coverage-gaps-csv", args=["bm6_by_16"]) + "?this_year=on"
    assert f'href="{csv_url}"' in html
    exported = client.get(csv_url)
    assert "gaps-bm6_by_16-this-year-" in exported["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [soon.upn]
    event = AuditEvent.objects.filter(object_label__startswith="Coverage gap list export").latest("pk")
    assert event.changes["this_year"] == [None, True]
    create_url = reverse("activities:create") + "?gap=bm6_by_16&gap_this_year=1"
    assert create_url.replace("&", "&amp;") in html
    assert "(those still to do this school year)" in client.get(create_url).content.decode()
    created = record_depot_visit(client, create_url, datetime.date(2026, 3, 2))
    assert urlsplit(created["Location"]).query == "gap=bm6_by_16&gap_this_year=1"
    assert client.get(created["Location"]).context_data["form"].initial["upns"].split() == [soon.upn]


def test_senior_leader_reads_gap_lists_but_cannot_record(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    year7(cast, 2)
    page = client_as("senior_leader").get(reverse("activities:coverage-gaps", args=["bm5_each_year"]))
    assert page.status_code == 200 and "Record an activity for these learners" not in page.content.decode()
    assert client_as("senior_leader").get(reverse("activities:create") + "?gap=bm5_each_year").status_code == 403


def test_colleges_and_special_schools_have_their_own_rules_and_2014_falls_back(cast: Cast) -> None:
    cast.ashby.kind = "college"
    code, rules = queries.coverage_rules_for(cast.ashby, datetime.date(2026, 1, 10))
    assert code == "gatsby-2024-colleges" and rules[0].min_count == 2 and rules[0].curriculum_min == 1
    cast.ashby.kind = "special_school"
    code, rules = queries.coverage_rules_for(cast.ashby, datetime.date(2026, 1, 10))
    assert code == "gatsby-2024-special"
    # Before September 2025 the 2014 frameworks applied: they have no rules file, so the 2024
    # schools rules are used.
    code, rules = queries.coverage_rules_for(cast.ashby, datetime.date(2025, 1, 10))
    assert code == queries.DEFAULT_RULES and rules == coverage.load_rules(queries.DEFAULT_RULES)


def test_gap_list_is_paginated_within_the_same_query_budget(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, django_assert_max_num_queries, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careershub.activities import views_coverage

    monkeypatch.setattr(views_coverage, "GAP_PAGE_SIZE", 10)
    year7(cast, 25)
    client = client_as("careers_leader")
    url = reverse("activities:coverage-gaps", args=["bm8_by_16"])
    with django_assert_max_num_queries(9):
        first = client.get(url).content.decode()
    assert "25 learners" in first and "Showing learners 1 to 10 of 25" in first
    assert len(re.findall(r'href="/learners/\d+/"', first)) == 10
    with django_assert_max_num_queries(9):
        last = client.get(url, {"page": "3"}).content.decode()
    assert "Showing learners 21 to 25 of 25" in last and len(re.findall(r'href="/learners/\d+/"', last)) == 5
    # The CSV always holds the whole list.
    rows = list(csv.reader(io.StringIO(client.get(url + "gaps.csv").content.decode())))
    assert len(rows) == 26


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_coverage_is_aggregates_for_hub_and_national_users(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    learners = year7(cast, 6)
    talk(cast, learners[:3])
    response = client_as(persona).get(reverse("activities:hub-coverage", args=[cast.north_hub.pk]))
    expected = {
        "anonymous": 302,
        "hub_lead": 200,
        "enterprise_coordinator": 200,
        "national_admin": 200,
        "national_analyst": 200,
        "other_hub_lead": 404,
    }.get(persona, 403)
    assert response.status_code == expected
    if expected == 200:
        content = response.content.decode()
        assert "Ashby High School" in content and "50%" in content
        assert learners[0].legal_last_name not in content and learners[0].upn not in content


def test_hub_coverage_suppresses_small_numbers_within_a_query_budget(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:
    learners = year7(cast, 4)  # fewer than 5: every figure suppressed
    talk(cast, learners)
    client = client_as("hub_lead")
    with django_assert_max_num_queries(12):
        content = client.get(reverse("activities:hub-coverage", args=[cast.north_hub.pk])).content.decode()
    assert "fewer than 5" in content and "100%" not in content
