from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from careershub.activities.coverage import academic_year
from careershub.audit.models import AuditEvent
from careershub.programmes import services
from careershub.programmes.models import PlannedActivity
from careershub.programmes.tests.factories import YEAR, make_activity, make_example, make_plan, make_template
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

PLAN_READERS = {"careers_leader", "senior_leader"}
TEMPLATE_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}


def expected(persona: str, allowed: set[str], hidden: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    """200 for `allowed`; 404 for `hidden` (may use the page, but not this record); else 403."""
    if persona == "anonymous":
        return 302
    if persona in allowed:
        return 200
    if persona in hidden:
        return 404
    return 403


ACTIVITY_FORM = {
    "title": "Mock interviews",
    "activity_type": "mock_interview",
    "year_groups": ["Y11"],
    "groups": ["send"],
    "criteria": ["5.1"],
    "learning_outcomes": "Practise an interview",
    "term": "autumn",
    "owner": "Sam, head of year 11",
    "budget_pence": "£120.50",
    "is_published": "on",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_plan_list(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_plan(cast)
    response = client_as(persona).get(reverse("programmes:list"))
    assert response.status_code == expected(persona, PLAN_READERS | {"other_careers_leader"})
    if response.status_code == 200:
        content = response.content.decode()
        assert ("2026 to 2027</a>" in content) == (persona in PLAN_READERS)
        assert ("Start a plan" in content) == (persona != "senior_leader")


@pytest.mark.parametrize(
    "name",
    [
        "programmes:plan",
        "programmes:coverage",
        "programmes:delivery",
        "programmes:feedback",
        "programmes:template-choose",
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_plan_pages_for_readers(client_as, cast: Cast, persona: str, name: str) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    make_activity(plan, cast)
    response = client_as(persona).get(reverse(name, args=[plan.pk]))
    assert response.status_code == expected(persona, PLAN_READERS, {"other_careers_leader"})


@pytest.mark.parametrize("name", ["programmes:activity-add", "programmes:publish"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_plan_edit_pages_for_the_careers_leader(client_as, cast: Cast, persona: str, name: str) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    response = client_as(persona).get(reverse(name, args=[plan.pk]))
    assert response.status_code == expected(persona, {"careers_leader"}, {"other_careers_leader"})


@pytest.mark.parametrize("name", ["programmes:activity-edit", "programmes:activity-delete"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_activity_edit_pages(client_as, cast: Cast, persona: str, name: str) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    activity = make_activity(plan, cast)
    response = client_as(persona).get(reverse(name, args=[plan.pk, activity.pk]))
    assert response.status_code == expected(persona, {"careers_leader"}, {"other_careers_leader"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_template_copy_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    template = make_template(cast)
    response = client_as(persona).get(reverse("programmes:template-copy", args=[plan.pk, template.pk]))
    assert response.status_code == expected(persona, {"careers_leader"}, {"other_careers_leader"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_template_list(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_template(cast)
    response = client_as(persona).get(reverse("programmes:templates"))
    assert response.status_code == expected(persona, TEMPLATE_READERS | {"other_hub_lead"})
    if response.status_code == 200:
        assert ("North Hub programme" in response.content.decode()) == (persona != "other_hub_lead")


@pytest.mark.parametrize("persona", PERSONAS)
def test_template_detail(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    template = make_template(cast)
    make_example(template, cast)
    response = client_as(persona).get(reverse("programmes:template", args=[template.pk]))
    assert response.status_code == expected(persona, TEMPLATE_READERS, {"other_hub_lead"})


@pytest.mark.parametrize("name", ["programmes:template-edit", "programmes:example-add"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_template_edit_pages_for_the_hub_lead(client_as, cast: Cast, persona: str, name: str) -> None:  # type: ignore[no-untyped-def]
    template = make_template(cast)
    response = client_as(persona).get(reverse(name, args=[template.pk]))
    assert response.status_code == expected(persona, {"hub_lead"}, {"other_hub_lead"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_template_create_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("programmes:template-create"))
    assert response.status_code == expected(persona, {"hub_lead", "other_hub_lead"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_public_pages_need_no_sign_in(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    make_activity(plan, cast)
    services.plan_publish_settings(plan=plan, expected_version=1, actor=cast.careers_leader, is_published=True)
    link = services.feedback_link_open(plan=plan, audience="learners", actor=cast.careers_leader)
    client = client_as(persona)
    for url in (
        reverse("programmes:public", args=[plan.public_token]),
        reverse("programmes:feedback-form", args=[link.token]),
    ):
        assert client.get(url).status_code == 200, url


def test_unpublished_plan_and_wrong_token_are_404(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    client = client_as("anonymous")
    assert client.get(reverse("programmes:public", args=[plan.public_token])).status_code == 404
    assert client.get(reverse("programmes:public", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("programmes:feedback-form", args=["not-a-token"])).status_code == 404


def test_careers_leader_starts_a_plan_and_adds_an_activity(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("careers_leader")
    response = client.post(reverse("programmes:create"), {"academic_year": str(YEAR)})
    assert response.status_code == 302
    plan = cast.ashby.programme_plans.get()
    assert plan.framework.code == "gatsby-2024-schools"
    response = client.post(reverse("programmes:activity-add", args=[plan.pk]), ACTIVITY_FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = PlannedActivity.objects.get(plan=plan)
    assert activity.budget_pence == 12_050
    assert activity.criteria == ["5.1"] and activity.benchmarks == [5]
    assert activity.groups == ["send"] and activity.year_groups == ["Y11"]
    assert AuditEvent.objects.filter(object_type="programmes.PlannedActivity", action="create").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter a title"),
        ({"term": ""}, "Choose a target term or enter a target date"),
        ({"budget_pence": "12.345"}, "Enter the amount in pounds and pence"),
        ({"criteria": ["9.9"]}, "Select a valid choice"),
        (
            {"target_date-day": "1", "target_date-month": "9", "target_date-year": "2030"},
            "The target date must be in the academic year",
        ),
    ],
)
def test_activity_form_errors(client_as, cast: Cast, changes: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    response = client_as("careers_leader").post(
        reverse("programmes:activity-add", args=[plan.pk]), {**ACTIVITY_FORM, **changes}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PlannedActivity.objects.exists()


def test_a_stale_edit_is_refused_and_shows_both_versions(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    activity = make_activity(plan, cast)
    # Someone else saves first.
    services.planned_activity_update(
        activity=activity, expected_version=1, actor=cast.careers_leader, owner="Alex, deputy head"
    )
    response = client_as("careers_leader").post(
        reverse("programmes:activity-edit", args=[plan.pk, activity.pk]), {**ACTIVITY_FORM, "version": "1"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "changed this after you opened it" in content and "Alex, deputy head" in content
    assert 'name="version" value="2"' in content
    activity.refresh_from_db()
    assert activity.owner == "Alex, deputy head" and activity.title == "Year 10 workplace visits"
    # Saving again, knowingly, replaces it.
    response = client_as("careers_leader").post(
        reverse("programmes:activity-edit", args=[plan.pk, activity.pk]), {**ACTIVITY_FORM, "version": "2"}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Mock interviews" and activity.version == 3


def test_other_institution_cannot_post(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    activity = make_activity(plan, cast)
    client = client_as("other_careers_leader")
    url = reverse("programmes:activity-edit", args=[plan.pk, activity.pk])
    assert client.post(url, {**ACTIVITY_FORM, "version": "1"}).status_code == 404
    assert client.post(reverse("programmes:activity-delete", args=[plan.pk, activity.pk])).status_code == 404
    assert client_as("senior_leader").post(url, {**ACTIVITY_FORM, "version": "1"}).status_code == 403
    activity.refresh_from_db()
    assert activity.title == "Year 10 workplace visits"


def test_coverage_shows_uncovered_criteria(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    make_activity(plan, cast, criteria=["6.1", "1.3"])
    response = client_as("senior_leader").get(reverse("programmes:coverage", args=[plan.pk]))
    content = response.content.decode()
    total = sum(len(b.criteria) for b in plan.framework.spec().benchmarks)
    assert f"<strong>{total - 2}</strong> criteria are not covered" in content


def test_list_and_plan_pages_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    for n in range(15):
        make_activity(plan, cast, title=f"Activity {n}")
    client = client_as("careers_leader")
    client.get(reverse("programmes:plan", args=[plan.pk]))
    for name in ("programmes:plan", "programmes:coverage", "programmes:delivery", "programmes:feedback"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name, args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("programmes:list")).status_code == 200


def test_template_pages_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(6):
        template = make_template(cast)
        for m in range(4):
            make_example(template, cast, title=f"Example {n}.{m}")
    client = client_as("hub_lead")
    with django_assert_max_num_queries(10):
        assert client.get(reverse("programmes:templates")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("programmes:template", args=[template.pk])).status_code == 200
    plan = make_plan(cast)
    leader = client_as("careers_leader")
    leader.get(reverse("programmes:list"))
    with django_assert_max_num_queries(10):
        assert leader.get(reverse("programmes:template-choose", args=[plan.pk])).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_programmes_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    plan = services.plan_create(
        institution=cast.ashby, academic_year=academic_year(timezone.localdate()), actor=cast.careers_leader
    )
    make_activity(plan, cast)
    services.plan_publish_settings(plan=plan, expected_version=1, actor=cast.careers_leader, is_published=True)
    link = services.feedback_link_open(plan=plan, audience="learners", actor=cast.careers_leader)
    for n in range(3):
        services.feedback_submit(link=link, ratings={"know": "5"}, comment="secret comment", nonce=f"x{n}")
    response = client_as(persona).get(reverse("programmes:hub", args=[cast.north_hub.pk]))
    assert response.status_code == expected(persona, TEMPLATE_READERS, {"other_hub_lead"})
    if response.status_code == 200:
        content = response.content.decode()
        assert "<strong>1</strong> of 1 members have a plan" in content
        assert plan.public_token in content and "Brook College" not in content
        assert "fewer than 5 answers (not shown)" in content and "secret comment" not in content


def test_hub_programmes_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as("hub_lead")
    client.get(reverse("programmes:templates"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("programmes:hub", args=[cast.north_hub.pk])).status_code == 200


def test_removing_an_activity_changed_since_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    activity = make_activity(plan, cast)
    url = reverse("programmes:activity-delete", args=[plan.pk, activity.pk])
    assert 'name="version" value="1"' in client_as("careers_leader").get(url).content.decode()
    services.planned_activity_update(activity=activity, expected_version=1, actor=cast.careers_leader, owner="Alex")
    response = client_as("careers_leader").post(url, {"version": "1"}, follow=True)
    assert "was changed by someone else after you opened it" in response.content.decode()
    assert PlannedActivity.objects.filter(pk=activity.pk).exists()
    assert client_as("careers_leader").post(url, {"version": "2"}).status_code == 302
    assert not PlannedActivity.objects.filter(pk=activity.pk).exists()


def test_open_peer_review_actions_carry_into_the_programme(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    from careershub.reviews import services as review_services
    from careershub.reviews.models import PeerReview
    from careershub.reviews.tests.builders import judge_everything, record_outcome, running_cycle

    plan = make_plan(cast)
    running = running_cycle(cast)
    for review in PeerReview.objects.filter(participant__cycle=running.cycle):
        judge_everything(review, cast.careers_leader, not_evidenced=set())
        record_outcome(review, cast.enterprise_coordinator)
    review_services.cycle_complete(cycle=running.cycle, actor=cast.hub_lead)
    page = client_as("careers_leader").get(reverse("programmes:plan", args=[plan.pk])).content.decode()
    assert "Actions from peer review" in page and "Publish the provider access policy" in page
    action = running.ashby_review.actions.get()
    review_services.action_set_status(action=action, done=True, actor=cast.careers_leader)
    page = client_as("careers_leader").get(reverse("programmes:plan", args=[plan.pk])).content.decode()
    assert "Publish the provider access policy" not in page
