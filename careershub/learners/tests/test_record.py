"""The downloadable learner careers record (PDF)."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from careershub.activities import services
from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners import record
from careershub.learners.tests.factories import LearnerFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_record_is_for_the_institutions_leaders_and_audited(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby)
    response = client_as(persona).get(reverse("learners:record", args=[learner.pk]))
    readers = {"careers_leader", "senior_leader"}
    expected = 302 if persona == "anonymous" else 403 if persona == "outsider" else 200 if persona in readers else 404
    assert response.status_code == expected
    audited = AuditEvent.objects.filter(action=AuditAction.VIEW, object_label__startswith="Careers record")
    assert audited.count() == (1 if expected == 200 else 0)
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="careers-record-{learner.upn}.pdf"'
        assert response.content.startswith(b"%PDF")


def test_record_lists_activities_meetings_and_status_but_never_notes(cast: Cast) -> None:
    learner = LearnerFactory.create(
        institution=cast.ashby, year_group=10, date_of_birth=datetime.date(2011, 1, 5), intended_destination="A levels"
    )
    activity = services.activity_create(
        institution=cast.ashby,
        actor=cast.careers_leader,
        activity_type="work_experience",
        title="Week at the depot",
        date=timezone.localdate(),
        provider_name="Mersey Valley Logistics Ltd",
        checklist=[
            "purpose_shared",
            "learning_outcomes",
            "two_way_interaction",
            "range_of_people",
            "task_set",
            "employer_feedback",
            "reflection",
        ],
    )
    services.participants_add(activity=activity, learners=[learner], actor=cast.careers_leader)
    services.guidance_meeting_create(
        learner=learner,
        actor=cast.careers_leader,
        date=timezone.localdate(),
        adviser_name="Pat Adviser",
        adviser_level6=True,
        notes="Private: family circumstances",
    )
    context = record.record_context(learner, timezone.localdate())
    statuses = {status.text: status.met for status in context["statuses"]}
    assert statuses["An experience of a workplace by 16"] is True
    assert statuses["A personal guidance meeting by 16"] is True
    assert statuses["A further experience of a workplace by 18"] is False
    html = render_to_string("learners/record_pdf.html", context)
    assert "Week at the depot" in html and "Pat Adviser" in html and "A levels" in html
    assert "family circumstances" not in html


def test_learner_page_shows_coverage_within_a_query_budget(
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby, year_group=10, date_of_birth=datetime.date(2011, 1, 5))
    for n in range(10):
        activity = services.activity_create(
            institution=cast.ashby,
            actor=cast.careers_leader,
            activity_type="careers_fair" if n % 2 else "university_visit",
            title=f"Activity {n}",
            date=timezone.localdate(),
            provider_kind="university",
        )
        services.participants_add(activity=activity, learners=[learner], actor=cast.careers_leader)
    for _n in range(3):
        services.guidance_meeting_create(
            learner=learner, actor=None, date=timezone.localdate(), adviser_name="A", adviser_level6=False
        )
    client = client_as("careers_leader")
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(reverse("learners:detail", args=[learner.pk]))
    content = response.content.decode()
    assert content.count('href="/activities/') >= 13  # every activity and meeting is listed
    assert "Download the careers record (PDF)" in content
    assert "Benchmark 8: A personal guidance meeting by 16</td>" in content
    assert '<strong class="govuk-tag govuk-tag--green">Met</strong>' in content


#: Session, user, membership, learner, the audit event, activities, meetings: not one per activity.
QUERY_BUDGET = 8


def test_record_shows_the_planned_end_date_only_when_known(cast: Cast) -> None:
    learner = LearnerFactory.create(institution=cast.ashby, year_group=13, date_of_birth=datetime.date(2008, 3, 1))
    html = render_to_string("learners/record_pdf.html", record.record_context(learner, timezone.localdate()))
    assert "Planned end of programme" not in html
    learner.planned_end_date = datetime.date(2027, 6, 30)
    html = render_to_string("learners/record_pdf.html", record.record_context(learner, timezone.localdate()))
    assert "Planned end of programme" in html and "30 June 2027" in html


def test_learner_page_and_record_say_what_is_still_to_do_this_school_year(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, monkeypatch
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: datetime.date(2026, 3, 1))
    # Year 11, 16 on 15 June 2026: Benchmark 8 "by 16" is still to do; Year 13's "by 18" is not due.
    learner = LearnerFactory.create(institution=cast.ashby, year_group=11, date_of_birth=datetime.date(2010, 6, 15))
    context = record.record_context(learner, timezone.localdate())
    status = {s.text: s for s in context["statuses"]}
    assert status["A personal guidance meeting by 16"].to_do
    assert not status["A further personal guidance meeting by 18"].to_do
    html = client_as("careers_leader").get(reverse("learners:detail", args=[learner.pk])).content.decode()
    row = html[html.index("Benchmark 8: A personal guidance meeting by 16</td>") :]
    assert "To do by 31 August 2026" in row[: row.index("</tr>")]
    row18 = html[html.index("Benchmark 8: A further personal guidance meeting by 18</td>") :]
    assert "Not yet" in row18[: row18.index("</tr>")]
    assert "To do by 31 August 2026" in render_to_string("learners/record_pdf.html", context)
