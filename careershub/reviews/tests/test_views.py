"""Every peer review page for every persona, and the journeys through the pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core import mail
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.evaluations.models import Evidence, EvidenceKind
from careershub.reviews import services
from careershub.reviews.models import CycleStatus, Judgement, Moderation, PeerReview, ReviewCycle, ReviewStatus
from careershub.reviews.tests.builders import Running, judge_everything, record_outcome, running_cycle
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

ALL = {
    "careers_leader",
    "senior_leader",
    "other_careers_leader",
    "hub_lead",
    "enterprise_coordinator",
    "other_hub_lead",
    "national_admin",
    "national_analyst",
}
NATIONAL = {"national_admin", "national_analyst"}


def expected(persona: str, ok: set[str], missing: set[str] = frozenset(), ok_code: int = 200) -> int:  # type: ignore[assignment]
    if persona == "anonymous":
        return 302
    if persona in ok:
        return ok_code
    if persona in missing:
        return 404
    return 403


@pytest.fixture
def running(cast: Cast) -> Running:
    return running_cycle(cast)


def _note(review: PeerReview) -> Evidence:
    assert review.evaluation is not None
    return Evidence.objects.create(
        evaluation=review.evaluation, criterion_code="1.1", kind=EvidenceKind.NOTE, title="Careers plan", note="Plan"
    )


def _query(running: Running, cast: Cast) -> Judgement:
    review = running.ashby_review
    services.judgements_save(
        review=review, judgements={"1.1": ("query", "Where is the plan?", 0)}, actor=running.cedar_leader
    )
    return review.judgements.get(criterion_code="1.1")


GET_PAGES: dict[str, tuple[Callable[[Running, Cast], str], set[str], set[str]]] = {
    "index": (lambda r, c: reverse("reviews:index"), ALL, set()),
    "cycle-new": (lambda r, c: reverse("reviews:cycle-new"), {"hub_lead", "other_hub_lead"}, set()),
    "facilitators": (lambda r, c: reverse("reviews:facilitators"), {"hub_lead", "other_hub_lead"}, set()),
    "conflicts": (lambda r, c: reverse("reviews:conflicts"), {"hub_lead", "other_hub_lead"}, set()),
    "cycle": (
        lambda r, c: reverse("reviews:cycle", args=[r.cycle.pk]),
        {"hub_lead", "enterprise_coordinator"},
        {"other_hub_lead"} | NATIONAL,
    ),
    "internal": (
        lambda r, c: reverse("reviews:internal", args=[r.cycle.pk]),
        {"careers_leader", "senior_leader"},
        {"other_careers_leader"},
    ),
    "agreement-cycle": (
        lambda r, c: reverse("reviews:agreement-cycle", args=[r.cycle.pk]),
        {"hub_lead", "enterprise_coordinator"},
        {"other_hub_lead"} | NATIONAL,
    ),
    "agreement-hub": (
        lambda r, c: reverse("reviews:agreement-hub", args=[c.north_hub.pk]),
        {"hub_lead", "enterprise_coordinator"} | NATIONAL,
        {"other_hub_lead"},
    ),
    "agreement-national": (lambda r, c: reverse("reviews:agreement-national"), NATIONAL, set()),
    "moderation": (lambda r, c: reverse("reviews:moderation"), NATIONAL, set()),
    "review": (
        lambda r, c: reverse("reviews:review", args=[r.ashby_review.pk]),
        {"careers_leader", "senior_leader", "hub_lead", "enterprise_coordinator"},
        {"other_careers_leader", "other_hub_lead"} | NATIONAL,
    ),
    "judge": (
        lambda r, c: reverse("reviews:judge", args=[r.review_of(r.cedar).pk, 1]),
        {"careers_leader"},
        {"other_careers_leader"},
    ),
    "outcome": (
        lambda r, c: reverse("reviews:outcome", args=[r.ashby_review.pk]),
        {"enterprise_coordinator"},
        {"other_careers_leader", "other_hub_lead"},
    ),
    "evidence": (
        lambda r, c: reverse("reviews:evidence", args=[r.ashby_review.pk, _note(r.ashby_review).pk]),
        {"careers_leader", "senior_leader", "hub_lead", "enterprise_coordinator"},
        {"other_careers_leader", "other_hub_lead"} | NATIONAL,
    ),
    "answer": (
        lambda r, c: reverse("reviews:answer", args=[r.ashby_review.pk, _query(r, c).pk]),
        {"careers_leader"},
        {"other_careers_leader"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", list(GET_PAGES))
def test_every_page_for_every_persona(client_as, cast: Cast, running: Running, view: str, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_url, ok, missing = GET_PAGES[view]
    response = client_as(persona).get(make_url(running, cast))
    assert response.status_code == expected(persona, ok, missing), view
    if persona == "anonymous":
        assert "/account/sign-in/" in response["Location"]


POST_PAGES: dict[str, tuple[Callable[[Running, Cast], str], set[str], set[str]]] = {
    "trios": (lambda r, c: reverse("reviews:trios", args=[r.cycle.pk]), {"hub_lead"}, {"other_hub_lead"}),
    "facilitator": (lambda r, c: reverse("reviews:facilitator", args=[r.cycle.pk]), {"hub_lead"}, {"other_hub_lead"}),
    "remind": (
        lambda r, c: reverse("reviews:cycle-action", args=[r.cycle.pk, "remind"]),
        {"hub_lead"},
        {"other_hub_lead"},
    ),
    "sharing": (
        lambda r, c: reverse("reviews:sharing", args=[r.ashby_review.pk]),
        {"careers_leader"},
        {"other_careers_leader"},
    ),
    "share-evaluation": (
        lambda r, c: reverse("reviews:share-evaluation", args=[r.ashby_review.pk]),
        {"careers_leader"},
        {"other_careers_leader"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", list(POST_PAGES))
def test_every_action_for_every_persona(client_as, cast: Cast, running: Running, view: str, persona: str) -> None:  # type: ignore[no-untyped-def]
    make_url, ok, missing = POST_PAGES[view]
    response = client_as(persona).post(make_url(running, cast), {"trio": running.cycle.trios.get().pk})
    assert response.status_code == expected(persona, ok, missing, ok_code=302), view


@pytest.fixture
def completed(cast: Cast, running: Running) -> Running:
    for review in PeerReview.objects.filter(participant__cycle=running.cycle):
        judge_everything(review, cast.careers_leader if review.institution != cast.ashby else running.cedar_leader)
        record_outcome(review, cast.enterprise_coordinator)
    services.cycle_complete(cycle=running.cycle, actor=cast.hub_lead)
    services.moderation_draw(per_hub=1, actor=cast.national_admin, seed=1)
    return running


@pytest.mark.parametrize("persona", PERSONAS)
def test_completed_cycle_pages(client_as, cast: Cast, completed: Running, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    cycle_page = client.get(reverse("reviews:cycle", args=[completed.cycle.pk]))
    assert cycle_page.status_code == expected(
        persona, {"hub_lead", "enterprise_coordinator"} | NATIONAL, {"other_hub_lead"}
    )
    review = client.get(reverse("reviews:review", args=[completed.ashby_review.pk]))
    # after the cycle: the owner, the hub lead, the trio (shared by default) and the national team
    assert review.status_code == expected(
        persona,
        {"careers_leader", "senior_leader", "hub_lead"} | NATIONAL,
        {"other_careers_leader", "other_hub_lead", "enterprise_coordinator"},
    )
    moderation = Moderation.objects.get()
    moderate = client.get(reverse("reviews:moderate", args=[moderation.pk]))
    assert moderate.status_code == expected(persona, {"national_admin"})
    action = completed.ashby_review.actions.first()
    assert action is not None
    done = client.post(reverse("reviews:action", args=[completed.ashby_review.pk, action.pk]), {"done": "yes"})
    assert done.status_code == expected(persona, {"careers_leader"}, {"other_careers_leader"}, ok_code=302)


def test_reviewer_records_judgements_and_a_stale_save_is_stopped_not_lost(
    client_as, cast: Cast, running: Running
) -> None:  # type: ignore[no-untyped-def]
    cedar_review = running.review_of(running.cedar)
    url = reverse("reviews:judge", args=[cedar_review.pk, 1])
    client = client_as("careers_leader")
    page = client.get(url)
    assert page.status_code == 200 and "Criterion 1.1" in page.content.decode()
    form = {"value_1_1": "query", "comment_1_1": "", "version_1_1": "0"}
    refused = client.post(url, form)
    assert "Say why, in a comment on criterion 1.1" in refused.content.decode()
    form["comment_1_1"] = "Is the programme published?"
    assert client.post(url, form).status_code == 302
    judgement = Judgement.objects.get(review=cedar_review, criterion_code="1.1")
    assert (judgement.value, judgement.version, judgement.updated_by) == ("query", 1, cast.careers_leader)
    # Dale's careers leader changes it; a save from a page loaded before that is refused
    services.judgements_save(
        review=cedar_review, judgements={"1.1": ("confirmed", "Seen it", 1)}, actor=running.dale_leader
    )
    stale = client.post(url, {**form, "version_1_1": "1", "comment_1_1": "Still unsure"})
    assert stale.status_code == 200
    content = stale.content.decode()
    assert "saved “Confirmed” (Seen it) for criterion 1.1 after you opened the page" in content
    assert "Still unsure" in content  # what this person typed is kept on the page
    judgement.refresh_from_db()
    assert judgement.value == "confirmed"
    # saving again, now knowing theirs, replaces it
    assert 'name="version_1_1" value="2"' in content
    assert client.post(url, {**form, "version_1_1": "2", "comment_1_1": "Still unsure"}).status_code == 302
    judgement.refresh_from_db()
    assert (judgement.value, judgement.comment) == ("query", "Still unsure")
    audited = AuditEvent.objects.filter(object_type="reviews.PeerReview", object_label__startswith="Judgements")
    assert audited.count() == 3  # first save, Dale's change, the deliberate replacement; not the stale one


def test_owner_answers_a_query_and_facilitator_records_the_outcome(client_as, cast: Cast, running: Running) -> None:  # type: ignore[no-untyped-def]
    judgement = _query(running, cast)
    owner = client_as("careers_leader")
    review_url = reverse("reviews:review", args=[running.ashby_review.pk])
    assert "1 queries are waiting for your answer" in owner.get(review_url).content.decode()
    response = owner.post(
        reverse("reviews:answer", args=[running.ashby_review.pk, judgement.pk]), {"answer": "On our website"}
    )
    assert response.status_code == 302
    judgement.refresh_from_db()
    assert judgement.answer == "On our website"
    facilitator = client_as("enterprise_coordinator")
    outcome_url = reverse("reviews:outcome", args=[running.ashby_review.pk])
    form = {
        "version": str(running.ashby_review.version),
        "strengths": "Strong leadership",
        "excellence": "Alumni",
        "action_1": "Publish the programme",
        "owner_1": "Careers leader",
        "due_1-day": "1",
        "due_1-month": "7",
        "due_1-year": "2026",
    }
    refused = facilitator.post(outcome_url, form)
    assert "Every criterion needs a judgement first" in refused.content.decode()
    judge_everything(running.ashby_review, running.cedar_leader)
    assert facilitator.post(outcome_url, form).status_code == 302
    review = PeerReview.objects.get(pk=running.ashby_review.pk)
    assert review.status == ReviewStatus.OUTCOME_RECORDED and review.outcome_by == cast.enterprise_coordinator
    assert [(a.text, a.owner, a.due_on) for a in review.actions.all()] == [
        ("Publish the programme", "Careers leader", datetime.date(2026, 7, 1))
    ]
    stale = facilitator.post(outcome_url, form)  # the version has moved on
    assert "Someone saved this outcome" in stale.content.decode()


def test_evidence_views_are_audited(client_as, cast: Cast, running: Running) -> None:  # type: ignore[no-untyped-def]
    note = _note(running.ashby_review)
    response = client_as("enterprise_coordinator").get(
        reverse("reviews:evidence", args=[running.ashby_review.pk, note.pk])
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="view", object_type="evaluations.Evidence", object_id=str(note.pk))
    assert event.actor == cast.enterprise_coordinator and event.organisation == cast.ashby.organisation


def test_hub_lead_opens_a_cycle_proposes_trios_and_starts_it(
    client_as, cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from careershub.reviews.tests.builders import north_member

    cedar, _ = north_member(cast, "Cedar School", 810001)
    dale, _ = north_member(cast, "Dale College", 810002)
    client = client_as("hub_lead")
    form = {"name": "Summer cycle", "institutions": [str(cast.ashby.pk), str(cedar.pk)]}
    for field, day in (
        ("starts_on", 1),
        ("internal_review_due", 10),
        ("judgements_due", 20),
        ("answers_due", 25),
        ("outcomes_due", 30),
    ):
        form.update({f"{field}-day": str(day), f"{field}-month": "6", f"{field}-year": "2026"})
    too_few = client.post(reverse("reviews:cycle-new"), form)
    assert "Choose at least three" in too_few.content.decode()
    form["institutions"] = [str(cast.ashby.pk), str(cedar.pk), str(dale.pk)]
    response = client.post(reverse("reviews:cycle-new"), form)
    cycle = ReviewCycle.objects.get(name="Summer cycle")
    assert response["Location"] == reverse("reviews:cycle", args=[cycle.pk])
    client.post(reverse("reviews:trios", args=[cycle.pk]), {"action": "propose"})
    assert cycle.trios.count() == 1
    start = client.post(reverse("reviews:cycle-action", args=[cycle.pk, "start"]), follow=True)
    assert "Give every trio a facilitator first" in start.content.decode()
    services.facilitator_add(
        hub=cast.north_hub, user=cast.enterprise_coordinator, trained_on=datetime.date(2025, 1, 1), actor=cast.hub_lead
    )
    client.post(
        reverse("reviews:facilitator", args=[cycle.pk]),
        {"trio": cycle.trios.get().pk, "user": cast.enterprise_coordinator.pk},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:cycle-action", args=[cycle.pk, "start"]))
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.RUNNING
    assert mail.outbox and "leader@ashby.example" in mail.outbox[-1].to and "ec@north.example" in mail.outbox[-1].to


def test_cycle_page_query_budget(client_as, running: Running, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as("hub_lead")
    with django_assert_max_num_queries(40):
        assert client.get(reverse("reviews:cycle", args=[running.cycle.pk])).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("reviews:index")).status_code == 200


def test_careers_leader_completes_the_internal_review(client_as, cast: Cast, running: Running) -> None:  # type: ignore[no-untyped-def]
    from careershub.reviews import maturity

    url = reverse("reviews:internal", args=[running.cycle.pk])
    model = maturity.model_for(running.cycle.starts_on)
    assert "derived" in client_as("careers_leader").get(url).content.decode()
    form = {"version": "1", "taking_part": ["careers_leader", "senco"], "submit": "1"}
    form.update({f"level_{t.code}": "embedded" for t in model.themes[:-1]})
    refused = client_as("careers_leader").post(url, form)
    assert "Choose a level for every theme before submitting" in refused.content.decode()
    form[f"level_{model.themes[-1].code}"] = "leading"
    form[f"evidence_{model.themes[0].code}"] = "Governors' minutes"
    assert client_as("careers_leader").post(url, form).status_code == 302
    internal = running.ashby_review.participant.internal_review
    assert internal.submitted_at is not None and internal.levels[model.themes[-1].code] == "leading"
    assert client_as("senior_leader").post(url, form).status_code == 403  # read only
    assert "Leading" in client_as("senior_leader").get(url).content.decode()


def test_hub_lead_adjusts_trios_and_a_conflict_is_refused_with_the_reason(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    from careershub.reviews.tests.builders import deadlines, north_member

    others = [north_member(cast, f"School {n}", 812000 + n)[0] for n in range(5)]
    cycle = services.cycle_create(
        hub=cast.north_hub,
        name="Adjusted",
        starts_on=datetime.date(2026, 1, 5),
        deadlines=deadlines(datetime.date(2026, 1, 5)),
        institutions=[cast.ashby, *others],
        actor=cast.hub_lead,
    )
    services.conflict_declare(
        hub=cast.north_hub, first=cast.ashby, second=others[0], kind="declared", note="", actor=None
    )
    client = client_as("hub_lead")
    client.post(reverse("reviews:trios", args=[cycle.pk]), {"action": "propose"})
    cycle.refresh_from_db()
    form = {"action": "save", "version": str(cycle.version), f"trio_{cast.ashby.pk}": "1", f"trio_{others[0].pk}": "1"}
    form.update({f"trio_{o.pk}": "1" if n < 2 else "2" for n, o in enumerate(others) if n > 0})
    page = client.post(reverse("reviews:trios", args=[cycle.pk]), form, follow=True).content.decode()
    assert "Ashby High School and School 0 have a conflict" in page
    form[f"trio_{others[0].pk}"] = "2"
    form[f"trio_{others[3].pk}"] = "1"
    page = client.post(reverse("reviews:trios", args=[cycle.pk]), form, follow=True).content.decode()
    assert "The trios have been saved." in page
    assert {p.institution_id for p in cycle.participants.filter(trio__number=1)} == {
        cast.ashby.pk,
        others[1].pk,
        others[3].pk,
    }


def test_query_budgets_of_review_agreement_and_moderation_pages(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, completed: Running, django_assert_max_num_queries
) -> None:
    hub_lead, analyst, admin = client_as("hub_lead"), client_as("national_analyst"), client_as("national_admin")
    with django_assert_max_num_queries(25):
        assert hub_lead.get(reverse("reviews:review", args=[completed.ashby_review.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        national = analyst.get(reverse("reviews:agreement-national"))
    assert national.status_code == 200
    assert reverse("reviews:agreement-hub", args=[cast.north_hub.pk]) in national.content.decode()
    with django_assert_max_num_queries(12):
        assert admin.get(reverse("reviews:moderation")).status_code == 200
    with django_assert_max_num_queries(12):
        assert hub_lead.get(reverse("reviews:agreement-hub", args=[cast.north_hub.pk])).status_code == 200
