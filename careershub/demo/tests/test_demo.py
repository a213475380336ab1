"""The demo data: `manage.py load_demo_data` and `manage.py run_demo`."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from careershub.accounts.models import User
from careershub.activities.models import Activity, GuidanceMeeting, Participation
from careershub.audit.models import AuditEvent
from careershub.core.management.commands import run_demo
from careershub.demo import build_gias_demo
from careershub.demo.builder import DEMO_PASSWORD, GIAS_FILE, MOVER_URN, PEOPLE, sign_ins
from careershub.demo.reviews import COMPLETED_NAME, OPEN_NAME, SAME_TRUST
from careershub.employers.models import ComplianceFact, Employer, Offer, SchoolRequest
from careershub.events.models import HubEvent, Registration, RegistrationStatus
from careershub.hubs.models import CoordinatorAssignment, Hub, HubMembership
from careershub.insight.models import InsightFact
from careershub.institutions.models import GiasImport, Institution, InstitutionKind
from careershub.learners.models import Learner, LearnerImport
from careershub.matching.models import Delivery, Feedback, Match, MatchRound, MatchStatus, Response, RoundStatus
from careershub.organisations.models import Membership, Organisation, Role
from careershub.reviews import queries as review_queries
from careershub.reviews.agreement import agreement_report
from careershub.reviews.models import CycleStatus, Judgement, Moderation, PeerReview, ReviewCycle, ReviewStatus

pytestmark = pytest.mark.django_db

COUNTED = [
    Institution,
    Organisation,
    Hub,
    HubMembership,
    CoordinatorAssignment,
    User,
    Membership,
    GiasImport,
    AuditEvent,
    Learner,
    LearnerImport,
    Activity,
    Participation,
    GuidanceMeeting,
    InsightFact,
    Employer,
    Offer,
    SchoolRequest,
    MatchRound,
    Match,
    Delivery,
    Feedback,
    ReviewCycle,
    Judgement,
    Moderation,
    HubEvent,
    Registration,
]


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}  # type: ignore[attr-defined]


@dataclass
class Loaded:
    output: str
    counts: dict[str, int]


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Loaded]:
    """The demo, loaded once for this module (about 15 s) inside a transaction rolled back after it.

    Each test still runs in its own savepoint (pytest-django's `db`), so what a test changes is
    undone; tests that need an empty database live in test_demo_empty.py.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("load_demo_data", stdout=out)
        yield Loaded(out.getvalue(), counts())
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded: Loaded, db: None) -> Loaded:
    return loaded


def test_loading_twice_changes_nothing(demo: Loaded) -> None:
    first = demo.counts
    assert "128 new" in demo.output
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    assert counts() == first
    assert "already imported" in out.getvalue()
    assert "Nothing new" in out.getvalue()
    assert first["Institution"] == 128
    assert first["Hub"] == 2
    assert first["User"] == len(PEOPLE)
    assert first["GiasImport"] == 1
    # Demo learners for three schools and a college, imported through the learner import, with activities.
    assert first["LearnerImport"] == 4 and first["Learner"] > 300
    assert first["Activity"] > 30 and first["Participation"] > 1000 and first["GuidanceMeeting"] > 0
    assert first["InsightFact"] > 1000  # the dashboards' facts follow the generated histories


def test_every_role_has_a_demo_user(demo: Loaded) -> None:
    roles = set(Membership.objects.active().values_list("role", flat=True))
    assert roles == set(Role.values)
    for person in PEOPLE:
        user = User.objects.get(email=person.email)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.active().filter(user=user).count() == len(person.memberships)


def test_one_user_has_two_memberships_and_one_has_none(demo: Loaded) -> None:
    by_user = User.objects.annotate(n=Count("memberships"))
    assert by_user.filter(n=2).count() == 1
    assert list(by_user.filter(n=0).values_list("email", flat=True)) == ["jordan.price@example.org"]


def test_hubs_have_a_lead_two_coordinators_and_coordinated_members(demo: Loaded) -> None:
    hubs = list(Hub.objects.all())
    assert len(hubs) >= 2
    for hub in hubs:
        roles = sorted(Membership.objects.active().filter(organisation=hub.organisation).values_list("role", flat=True))
        assert roles == [Role.ENTERPRISE_COORDINATOR, Role.ENTERPRISE_COORDINATOR, Role.HUB_LEAD]
        current = hub.memberships.current()
        assert current.count() >= 20
        assigned = CoordinatorAssignment.objects.filter(hub=hub, ended_on__isnull=True)
        assert set(assigned.values_list("institution", flat=True)) == set(current.values_list("institution", flat=True))
    gm = Hub.objects.get(name="Greater Manchester Careers Hub")
    assert (gm.wave, gm.launched_on.isoformat() if gm.launched_on else None) == (1, "2018-09-01")
    assert gm.lead_body == "Greater Manchester Combined Authority"
    assert gm.memberships.filter(institution__la_code="358").exists()


def test_no_institution_is_in_two_hubs_at_once(demo: Loaded) -> None:
    periods: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for membership in HubMembership.objects.all():
        periods[membership.institution_id].append((membership.joined_on, membership.left_on))
    for spans in periods.values():
        spans.sort(key=lambda span: span[0])
        for (_, left), (joined, _) in itertools.pairwise(spans):
            assert left is not None and left < joined


def test_membership_history(demo: Loaded) -> None:
    mover = HubMembership.objects.filter(institution__urn=MOVER_URN).order_by("joined_on")
    assert [(m.hub.name, m.left_on is None) for m in mover] == [
        ("Cheshire and Warrington Careers Hub", False),
        ("Greater Manchester Careers Hub", True),
    ]
    # Schools that closed left their hub on the day they closed.
    for membership in HubMembership.objects.filter(institution__closed_on__isnull=False):
        assert membership.left_on == membership.institution.closed_on
    # Salford joined in wave 2, Trafford in wave 1.
    assert set(HubMembership.objects.filter(institution__la_code="355").values_list("joined_on__year", flat=True)) == {
        2019
    }


def test_some_institutions_are_outside_any_hub(demo: Loaded) -> None:
    in_a_hub = HubMembership.objects.current().values("institution")
    outside = Institution.objects.open().exclude(pk__in=in_a_hub)
    assert outside.count() >= 10
    assert outside.filter(la_code="357").exists()  # Tameside: no hub
    cumbria = Institution.objects.filter(la_code="909")
    assert cumbria.count() == 27
    assert all(i.local_authority is not None and not i.local_authority.is_current for i in cumbria)


def test_institutions_are_real_and_classified(demo: Loaded) -> None:
    sale_grammar = Institution.objects.get(urn=136498)
    assert sale_grammar.name == "Sale Grammar School"
    assert sale_grammar.local_authority is not None and sale_grammar.local_authority.dfe_code == "358"
    assert sale_grammar.latitude == pytest.approx(53.418, abs=0.01)
    kinds = set(Institution.objects.values_list("kind", flat=True))
    assert {
        InstitutionKind.MAINSTREAM_SCHOOL,
        InstitutionKind.SPECIAL_SCHOOL,
        InstitutionKind.ALTERNATIVE_PROVISION,
        InstitutionKind.COLLEGE,
    } <= kinds
    assert Institution.objects.get(urn=130519).kind == InstitutionKind.COLLEGE


def test_sign_ins(demo: Loaded) -> None:
    rows = sign_ins()
    assert len(rows) == len(PEOPLE)
    assert {row.password for row in rows} == {DEMO_PASSWORD}
    fletcher = next(row for row in rows if row.email.startswith("sam.fletcher"))
    assert fletcher.organisation == "Ashton-on-Mersey School; Broadoak School"


def test_run_demo_prints_sign_ins_and_stops_the_worker(demo: Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    processes: list[Any] = []

    class Fake:
        def __init__(self, command: list[str]) -> None:
            self.command = command
            self.pid = 1000 + len(processes)
            self.returncode: int | None = 0 if "runserver" in command else None
            processes.append(self)

        def poll(self) -> int | None:
            return self.returncode

        def terminate(self) -> None:
            self.returncode = -15

        def wait(self, timeout: float | None = None) -> int:
            return self.returncode or 0

        def kill(self) -> None:
            self.returncode = -9

    monkeypatch.setattr(run_demo.subprocess, "Popen", Fake)
    monkeypatch.setattr(settings, "TASKS_BACKEND", "database", raising=False)
    out = io.StringIO()
    call_command("run_demo", "127.0.0.1:8123", stdout=out)
    text = out.getvalue()
    assert "helen.ashworth@national.example" in text and DEMO_PASSWORD in text
    assert "http://127.0.0.1:8123/" in text
    worker, server = processes
    assert worker.command[-2:] == ["db_worker", "--no-reload"]
    assert server.command[-3:] == ["runserver", "127.0.0.1:8123", "--noreload"]
    assert worker.returncode == -15  # stopped when the server exited
    assert "Demo stopped." in text


def test_format_table() -> None:
    table = run_demo.format_table(["A", "Bee"], [["xx", "y"]])
    assert table.splitlines() == ["A   Bee", "--  ---", "xx  y"]


def test_demo_gias_file_is_in_the_gias_layout() -> None:
    with GIAS_FILE.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert header == build_gias_demo.HEADER
    assert len(header) == 139
    assert 100 <= len(rows) <= 300
    assert all(len(row) == len(header) for row in rows)
    # No headteacher names or telephone numbers in the demo file.
    for column in ("HeadFirstName", "HeadLastName", "TelephoneNum"):
        assert not any(row[header.index(column)] for row in rows)


SHARED = Path(settings.SHARED_DATA_DIR)


@pytest.mark.skipif(not (SHARED / "schools").is_dir(), reason="the shared public data folder is not here")
def test_builder_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "gias_demo.csv"
    command = [sys.executable, build_gias_demo.__file__, str(SHARED), "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (our own script, fixed arguments)
    assert out.read_bytes() == GIAS_FILE.read_bytes()


def test_demo_schools_show_coverage_and_gaps(demo: Loaded) -> None:
    from careershub.activities import queries
    from careershub.demo.learners import SURNAME_STARTS

    sale = Institution.objects.get(urn=136498)
    learners = Learner.objects.on_roll().filter(institution=sale)  # leavers (demo destinations) have left
    assert all(learner.legal_last_name.startswith(SURNAME_STARTS) for learner in learners)
    today = datetime.date.today()
    _code, rules = queries.coverage_rules_for(sale, today)
    count, figures = queries.cohort_for(sale, rules, today)
    bm5 = next(f for f in figures if f["rule"].code == "bm5_each_year")
    assert count == learners.count() and 0 < bm5["percent"] < 100
    assert bm5["groups"][0]["gap"] < 0  # disadvantaged learners were reached less often


def test_demo_college_learners_have_planned_end_dates_and_get_completing_suggestions(demo: Loaded) -> None:
    from careershub.activities import prefill
    from careershub.evaluations import services as evaluation_services
    from careershub.evaluations.models import Evaluation

    college = Institution.objects.get(urn=130519)
    learners = Learner.objects.on_roll().filter(institution=college)
    assert learners.exists() and not learners.filter(planned_end_date__isnull=True).exists()
    assert not learners.filter(upn__gt="").exists() and not learners.filter(uln="").exists()
    today = datetime.date.today()
    first, last = prefill.academic_year_bounds(today)
    year12 = learners.filter(year_group=12)
    ending = year12.filter(planned_end_date__range=(first, last)).count()
    assert 0 < ending < year12.count()  # one-year and two-year courses
    assert learners.filter(year_group=13).exclude(planned_end_date__range=(first, last)).count() == 0
    draft = Evaluation.objects.drafts().filter(institution=college).first()
    if draft is None:
        leader = User.objects.get(email="joanne.kelly@traffordcollege.example")
        draft = evaluation_services.evaluation_start(institution=college, actor=leader, on=today)
    assert draft.spec().code == "gatsby-2024-colleges"
    numbers = prefill.learner_numbers_prefill(draft, today)
    assert (
        numbers is not None
        and numbers.numbers["completing"] == learners.filter(planned_end_date__range=(first, last)).count()
    )
    suggestions = prefill.cohort_prefills(draft, today)
    assert {"2.1a", "6.1a", "7.1a", "8.1a"} <= set(suggestions)
    assert all(suggestions[code].total == numbers.numbers["completing"] for code in ("2.1a", "6.1a", "7.1a", "8.1a"))


def test_demo_employers_matching_round_and_delivery(demo: Loaded) -> None:
    first = demo.counts
    assert first["Employer"] == 10 and first["Offer"] == 18 and first["SchoolRequest"] == 18
    rounds = list(MatchRound.objects.all())
    assert len(rounds) == 2 and all(r.status == RoundStatus.SOLVED and r.objective > 0 for r in rounds)
    # Greater Manchester's round leaves out a careers fair stand nobody offers and a workplace
    # visit whose offers went to others: the round page says why.
    manchester = next(r for r in rounds if r.hub and r.hub.name == "Greater Manchester Careers Hub")
    assert sorted(manchester.unmatched.values_list("reason", flat=True)) == ["no_offer", "not_chosen"]
    accepted = Match.objects.filter(
        status=MatchStatus.CONFIRMED, employer_response=Response.ACCEPTED, school_response=Response.ACCEPTED
    )
    assert accepted.count() >= 3
    assert Match.objects.filter(status=MatchStatus.CONFIRMED, employer_response=Response.PENDING).exists()
    deliveries = list(Delivery.objects.select_related("activity", "match__request__institution"))
    assert {d.match.round.hub.name for d in deliveries if d.match.round.hub} == {
        "Greater Manchester Careers Hub",
        "Cheshire and Warrington Careers Hub",
    }
    for delivered in deliveries:
        assert delivered.activity is not None and delivered.participant_count > 0
        assert delivered.activity.institution == delivered.match.request.institution
        assert Feedback.objects.filter(match=delivered.match).count() == 2
    assert any(fact.warning() for fact in ComplianceFact.objects.all())


def test_demo_has_a_completed_and_an_open_review_cycle(demo: Loaded) -> None:
    completed = ReviewCycle.objects.get(name=COMPLETED_NAME)
    running = ReviewCycle.objects.get(name=OPEN_NAME)
    assert completed.status == CycleStatus.COMPLETED and running.status == CycleStatus.RUNNING
    assert completed.hub == running.hub and completed.hub.name == "Greater Manchester Careers Hub"
    reviews = PeerReview.objects.filter(participant__cycle=completed)
    assert reviews.count() >= 6 and all(r.status == ReviewStatus.OUTCOME_RECORDED for r in reviews)
    report = agreement_report(review_queries.agreement_items(review_queries.cycle_reviews(completed)))
    assert not report.overall.suppressed and report.overall.kappa is not None
    assert report.over_claiming, "the demo shows where self-evaluations over-claim"
    # Rachel Bennett's school is in the open cycle; the two Dean Trust schools are kept apart
    trios = {p.institution.urn: p.trio_id for p in running.participants.select_related("institution")}
    assert 136498 in trios and trios[SAME_TRUST[0]] != trios[SAME_TRUST[1]]
    assert Moderation.objects.count() == 3 and Moderation.objects.exclude(value="").count() == 2
    # internal reviews: all done in the completed cycle
    assert all(p.internal_review.submitted_at for p in completed.participants.all())


def test_demo_hub_events_with_registrations_and_a_waiting_list(demo: Loaded) -> None:
    assert HubEvent.objects.count() == 2
    statuses = sorted(Registration.objects.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == 3 and statuses.count(RegistrationStatus.WAITING) == 1
