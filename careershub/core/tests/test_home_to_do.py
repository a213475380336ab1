"""What needs attention, on the home pages of a school's careers and senior leaders and of an
employer's contacts (`core.dashboard`): what each sees, links that lead to where it is done, and
a query budget that does not grow with learners or matches."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careershub.activities import services as activity_services
from careershub.activities.models import ActivityImport
from careershub.activities.models import ImportStatus as ActivityImportStatus
from careershub.activities.tests.test_coverage_views import talk
from careershub.employers.models import ComplianceFact, ComplianceKind, Employer
from careershub.employers.tests.factories import employer_for, locate, offer_for, request_for
from careershub.learners.models import ImportStatus, Learner, LearnerImport
from careershub.learners.tests.factories import LearnerFactory
from careershub.matching import services as matching
from careershub.matching.models import Delivery, Match, MatchRound, RoundStatus
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 1)  # the school year ends on 31 August 2026
TO_DO = "Still to do this school year"
ATTENTION = "What needs your attention"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def home(client_as, persona: str) -> str:  # type: ignore[no-untyped-def]
    response = client_as(persona).get("/")
    assert response.status_code == 200
    return str(response.content.decode())


def year11(cast: Cast, n: int, born: datetime.date = datetime.date(2010, 6, 15)) -> list[Learner]:
    """Year 11 learners who turn 16 on 15 June 2026, before the school year ends."""
    return LearnerFactory.create_batch(n, institution=cast.ashby, year_group=11, date_of_birth=born)


def confirmed_match(cast: Cast) -> Match:
    employer = Employer.objects.filter(organisation=cast.employer_org).first() or employer_for(cast)
    offer_for(employer, kind="workplace_visit", title="Factory visit")
    request_for(locate(cast.ashby), kind="workplace_visit", year_group="10")
    match_round = matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="R"))
    match = match_round.matches.get()
    matching.match_review(match=match, action="confirm", actor=cast.hub_lead)
    return Match.objects.get(pk=match.pk)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in {"anonymous", "outsider"}])
def test_only_a_schools_leaders_see_what_their_learners_still_need(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    year11(cast, 3)
    html = home(client_as, persona)
    assert (TO_DO in html) == (persona in {"careers_leader", "senior_leader", "other_careers_leader"})
    if persona == "other_careers_leader":
        assert "No learners are on roll yet" in html  # Ashby's learners are not Brook's
    assert (ATTENTION in html) == (persona in {"employer", "hub_lead", "enterprise_coordinator", "other_hub_lead"})


def test_careers_leader_sees_each_expectation_still_to_do_with_its_gap_list(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    soon = year11(cast, 3)
    year11(cast, 2, born=datetime.date(2010, 1, 10))  # already 16: overdue, nothing to do now
    activity_services.guidance_meeting_create(
        learner=soon[0], actor=None, date=datetime.date(2026, 1, 5), adviser_name="A", adviser_level6=True
    )
    html = home(client_as, "careers_leader")
    assert "can still meet each expectation by 31 August 2026 but have not yet" in html
    link = reverse("activities:coverage-gaps", args=["bm8_by_16"]) + "?this_year=on"
    row = html[html.index(f'href="{link}"') :]
    row = row[: row.index("</tr>")]
    assert "Benchmark 8: A personal guidance meeting by 16" in row and ">2<" in row  # 3 due, 1 has had one
    # Benchmark 5, every school year: all five have had no employer encounter this year.
    link5 = reverse("activities:coverage-gaps", args=["bm5_each_year"]) + "?this_year=on"
    row5 = html[html.index(f'href="{link5}"') :]
    assert ">5<" in row5[: row5.index("</tr>")]
    # The list behind the link holds exactly the learners counted.
    gaps = client_as("careers_leader").get(link).context_data["gaps"]
    assert {learner for learner, _ in gaps} == set(soon[1:])


def test_careers_leader_with_no_learners_is_sent_to_the_import(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    html = home(client_as, "careers_leader")
    assert "No learners are on roll yet" in html and f'href="{reverse("learners:import")}"' in html
    senior = home(client_as, "senior_leader")  # reads, does not import
    assert "Once your careers leader imports them" in senior and f'href="{reverse("learners:import")}"' not in senior


def test_matches_to_answer_arranged_and_to_give_feedback_on(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    match = confirmed_match(cast)
    responses = f'href="{reverse("matching:responses")}"'
    school, employer = home(client_as, "careers_leader"), home(client_as, "employer")
    assert "1 employer match is waiting for your school's reply" in school and responses in school
    assert "1 match with a school or college is waiting for your reply" in employer
    assert "waiting for" not in home(client_as, "other_careers_leader")
    matching.match_respond(match=match, side="employer", accept=True, actor=cast.employer)
    assert "waiting for your reply" not in home(client_as, "employer")
    assert "waiting for your school" in home(client_as, "careers_leader")
    matching.match_respond(match=match, side="school", accept=True, actor=cast.careers_leader)
    assert "1 employer encounter is arranged: record who took part" in home(client_as, "careers_leader")
    assert "1 encounter is arranged and still to take place" in home(client_as, "employer")
    Delivery.objects.create(match=match, delivered_on=TODAY)
    employer = home(client_as, "employer")
    assert "arranged" not in employer and "1 encounter has taken place and needs your feedback" in employer
    assert "arranged" not in home(client_as, "careers_leader")
    match.feedback.create(side="employer", met_criteria=True, would_host_again=True)
    assert "needs your feedback" not in home(client_as, "employer")


def test_a_request_the_latest_round_could_not_match_is_on_the_schools_home(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    offer_for(employer_for(cast))
    ashby = locate(cast.ashby)
    request_for(ashby)
    visit = request_for(ashby, kind="workplace_visit")  # nobody offers one
    matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Spring"))
    html = home(client_as, "careers_leader")
    line = "1 request for employer encounters could not be matched in the latest round"
    assert line in html and f'href="{reverse("employers:requests")}"' in html
    assert line in home(client_as, "senior_leader")
    assert "could not be matched" not in home(client_as, "other_careers_leader")
    # Once the school changes the request, the reason may no longer hold: the line goes.
    visit.kind = "talk"
    visit.version += 1
    visit.save()
    assert "could not be matched" not in home(client_as, "careers_leader")


def test_employer_sees_its_compliance_warnings_and_open_offers(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    html = home(client_as, "employer")
    assert f'href="{reverse("employers:profile")}"' in html and "Set up your employer profile" in html
    employer = employer_for(cast)
    html = home(client_as, "employer")
    assert "None of your offers is open" in html and f'href="{reverse("employers:offer-create")}"' in html
    offer_for(employer)
    offer_for(employer, available_from=TODAY - datetime.timedelta(days=60), available_to=TODAY - datetime.timedelta(1))
    assert "1 of your offers is open to schools and colleges" in home(client_as, "employer")
    day = datetime.timedelta(days=1)
    ComplianceFact.objects.create(
        employer=employer, kind=ComplianceKind.DBS, checked_on=TODAY - 300 * day, expires_on=TODAY + 20 * day
    )
    ComplianceFact.objects.create(
        employer=employer, kind=ComplianceKind.INSURANCE, checked_on=TODAY - 400 * day, expires_on=TODAY - day
    )
    ComplianceFact.objects.create(
        employer=employer, kind=ComplianceKind.RISK_ASSESSMENT, checked_on=TODAY, expires_on=TODAY + 300 * day
    )
    html = home(client_as, "employer")
    assert "Your Employer&#39;s liability insurance expired on 28 February 2026" in html
    assert "Your DBS check expires on 21 March 2026" in html
    assert "Risk assessment" not in html
    assert f'href="{reverse("employers:detail", args=[employer.pk])}"' in html


def test_imports_waiting_to_be_confirmed(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learners = LearnerImport.objects.create(institution=cast.ashby, original_name="sims.csv", status=ImportStatus.READY)
    LearnerImport.objects.create(institution=cast.ashby, original_name="done.csv", status=ImportStatus.DONE)
    LearnerImport.objects.create(institution=cast.brook, original_name="brook.csv", status=ImportStatus.READY)
    activities = ActivityImport.objects.create(
        institution=cast.ashby, original_name="register.csv", status=ActivityImportStatus.READY
    )
    html = home(client_as, "careers_leader")
    assert f'href="{reverse("learners:import-detail", args=[learners.pk])}"' in html
    assert f'href="{reverse("activities:import-detail", args=[activities.pk])}"' in html
    assert "The import of sims.csv is checked and waiting to be confirmed" in html
    assert "done.csv" not in html and "brook.csv" not in html
    # A senior leader sees the learner import (read only), not the activity import (careers leaders' only).
    senior = home(client_as, "senior_leader")
    assert "sims.csv" in senior and "register.csv" not in senior


def test_a_renewed_check_replaces_the_old_one(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    day = datetime.timedelta(days=1)
    old = ComplianceFact.objects.create(
        employer=employer, kind=ComplianceKind.DBS, checked_on=TODAY - 900 * day, expires_on=TODAY - 10 * day
    )
    assert "Your DBS check expired on 19 February 2026" in home(client_as, "employer")
    assert "DBS check expired on 19 February 2026" in home(client_as, "hub_lead")
    ComplianceFact.objects.create(
        employer=employer, kind=ComplianceKind.DBS, checked_on=TODAY - day, expires_on=TODAY + 900 * day
    )
    assert "DBS" not in home(client_as, "employer") and "DBS" not in home(client_as, "hub_lead")
    assert list(ComplianceFact.objects.current()) != [old]


def test_hub_staff_see_proposals_to_review_requests_with_no_match_and_declines(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    employer = employer_for(cast)
    offer_for(employer, kind="workplace_visit", title="Factory visit")
    request_for(locate(cast.ashby), kind="workplace_visit", year_group="10")
    request_for(cast.ashby, kind="mock_interviews", year_group="11")  # no offer of its kind
    match_round = matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Spring round"))
    html = home(client_as, "hub_lead")
    review = reverse("matching:round", args=[match_round.pk])
    assert f'<a class="govuk-link" href="{review}">1 proposed match in Spring round is waiting for your review' in html
    assert "1 open request from your schools and colleges has no match</a>" in html
    assert f'href="{reverse("matching:hub", args=[cast.north_hub.pk])}"' in html
    assert "Spring round" in home(client_as, "enterprise_coordinator")
    other = home(client_as, "other_hub_lead")
    assert "Spring round" not in other and "Nothing needs your attention now." in other
    match = match_round.matches.get()
    matching.match_review(match=match, action="confirm", actor=cast.hub_lead)
    assert "waiting for your review" not in home(client_as, "hub_lead")
    matching.match_respond(match=Match.objects.get(pk=match.pk), side="school", accept=False, actor=cast.careers_leader)
    assert "2 open requests from your schools and colleges have no match (1 after a confirmed match was declined)" in (
        home(client_as, "hub_lead")
    )


def test_hub_staff_see_a_latest_round_that_failed(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    failed = MatchRound.objects.create(hub=cast.north_hub, name="Autumn round", status=RoundStatus.FAILED)
    html = home(client_as, "hub_lead")
    assert (
        f'href="{reverse("matching:round", args=[failed.pk])}">Autumn round could not be solved: solve it again' in html
    )
    MatchRound.objects.create(hub=cast.north_hub, name="Winter round", status=RoundStatus.SOLVED)
    assert "could not be solved" not in home(client_as, "hub_lead")


@pytest.mark.parametrize("persona", ["careers_leader", "employer", "hub_lead"])
def test_home_query_budget_does_not_grow_with_learners_or_matches(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, persona: str, django_assert_max_num_queries
) -> None:
    client = client_as(persona)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    confirmed_match(cast)
    request_for(cast.ashby, kind="careers_fair")  # nobody offers one: not matched, with why
    matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Spring"))
    few = queries()
    talk(cast, year11(cast, 30))
    for _ in range(3):
        confirmed_match(cast)
        request_for(cast.ashby, kind="mentoring")
    matching.round_solve(match_round=matching.round_create(hub=cast.north_hub, name="Summer"))
    for kind in ComplianceKind:
        ComplianceFact.objects.create(
            employer=Employer.objects.get(organisation=cast.employer_org), kind=kind, checked_on=TODAY, expires_on=TODAY
        )
    assert queries() == few
    budget = {"careers_leader": 20, "employer": 8, "hub_lead": 11}[persona]
    with django_assert_max_num_queries(budget):
        client.get("/")
