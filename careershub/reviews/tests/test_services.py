"""Rules of a cycle: bad input is refused with the reason, deadlines lose nothing, statistics,
moderation and actions carried into the next cycle."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from careershub.employers.models import EmployerContact
from careershub.employers.tests.factories import employer_for
from careershub.institutions.models import Institution
from careershub.reviews import maturity, queries, services
from careershub.reviews.agreement import agreement_report
from careershub.reviews.models import ConflictKind, CycleStatus, Moderation, PeerReview, ReviewCycle, ReviewStatus
from careershub.reviews.tests.builders import (
    Running,
    deadlines,
    judge_everything,
    north_member,
    record_outcome,
    running_cycle,
)
from conftest import Cast

pytestmark = pytest.mark.django_db


def _cycle(cast: Cast, institutions: list[Institution], name: str = "Cycle") -> ReviewCycle:
    start = timezone.localdate()
    return services.cycle_create(
        hub=cast.north_hub,
        name=name,
        starts_on=start,
        deadlines=deadlines(start),
        institutions=institutions,
        actor=cast.hub_lead,
    )


def test_a_cycle_needs_three_members_of_the_hub(cast: Cast) -> None:
    cedar, _ = north_member(cast, "Cedar School", 810001)
    with pytest.raises(services.ReviewError, match="at least 3"):
        _cycle(cast, [cast.ashby, cedar])
    with pytest.raises(services.ReviewError, match="Not a current member of North Hub: Brook College"):
        _cycle(cast, [cast.ashby, cedar, cast.brook])


def test_deadlines_must_come_in_order(cast: Cast) -> None:
    cedar, _ = north_member(cast, "Cedar School", 810001)
    dale, _ = north_member(cast, "Dale College", 810002)
    start = timezone.localdate()
    bad = {**deadlines(start), "answers_due": start}
    with pytest.raises(services.ReviewError, match="answers to queries must be on or after"):
        services.cycle_create(
            hub=cast.north_hub,
            name="x",
            starts_on=start,
            deadlines=bad,
            institutions=[cast.ashby, cedar, dale],
            actor=None,
        )


def test_conflicts_are_kept_apart_and_refused_with_the_reason(cast: Cast) -> None:
    others = [north_member(cast, f"School {n}", 811000 + n)[0] for n in range(5)]
    cycle = _cycle(cast, [cast.ashby, *others])
    services.conflict_declare(
        hub=cast.north_hub, first=cast.ashby, second=others[0], kind=ConflictKind.SAME_TRUST, note="", actor=None
    )
    # one enterprise adviser for School 1 and School 2
    employer = employer_for(cast)
    for institution in others[1:3]:
        EmployerContact.objects.create(
            employer=employer,
            full_name="Ada Adviser",
            email="ada@acme.example",
            is_enterprise_adviser=True,
            adviser_institution=institution,
        )
    pairs = services.conflict_pairs(cycle)
    assert pairs == {
        frozenset((cast.ashby.pk, others[0].pk)): "Same trust",
        frozenset((others[1].pk, others[2].pk)): "Same enterprise adviser",
    }
    groups = services.trios_propose(cycle=cycle, actor=cast.hub_lead, seconds=5)
    for group in groups:
        assert not {cast.ashby.pk, others[0].pk} <= set(group)
        assert not {others[1].pk, others[2].pk} <= set(group)
    # the hub lead's adjustment that pairs a conflict is refused, naming it
    cycle.refresh_from_db()
    assignment = {cast.ashby.pk: 1, others[0].pk: 1, others[1].pk: 1, others[2].pk: 2, others[3].pk: 2, others[4].pk: 2}
    with pytest.raises(services.ReviewError, match="Ashby High School and School 0 have a conflict"):
        services.trios_save(cycle=cycle, assignment=assignment, version=cycle.version, actor=cast.hub_lead)
    # and a stale adjustment is refused too
    with pytest.raises(services.ReviewError, match="Someone changed these trios"):
        services.trios_save(cycle=cycle, assignment=assignment, version=1, actor=cast.hub_lead)


def test_a_facilitator_must_be_trained_and_not_from_the_trio(cast: Cast) -> None:
    cedar, cedar_leader = north_member(cast, "Cedar School", 810001)
    dale, _ = north_member(cast, "Dale College", 810002)
    cycle = _cycle(cast, [cast.ashby, cedar, dale])
    services.trios_propose(cycle=cycle, actor=None, seconds=5)
    trio = cycle.trios.get()
    with pytest.raises(services.ReviewError, match="not a trained facilitator"):
        services.facilitator_assign(trio=trio, user=cast.enterprise_coordinator, actor=None)
    services.facilitator_add(hub=cast.north_hub, user=cedar_leader, trained_on=datetime.date(2025, 1, 1), actor=None)
    with pytest.raises(services.ReviewError, match="works at a school or college in trio 1"):
        services.facilitator_assign(trio=trio, user=cedar_leader, actor=None)


def test_nothing_saved_is_lost_when_a_deadline_passes_and_late_steps_show(cast: Cast) -> None:
    running = running_cycle(cast, start=timezone.localdate() - datetime.timedelta(days=60))
    # every deadline has passed; a judgement still saves and is kept
    services.judgements_save(
        review=running.ashby_review, judgements={"1.1": ("confirmed", "Late but done", 0)}, actor=running.cedar_leader
    )
    steps = {s.field: s for s in services.cycle_progress(running.cycle)}
    today = timezone.localdate()
    assert steps["internal_review_due"].late(today) and steps["internal_review_due"].done == 0
    assert steps["judgements_due"].late(today)
    assert steps["judgements_due"].waiting == ["Ashby High School", "Cedar School", "Dale College"]
    assert running.ashby_review.judgements.get().comment == "Late but done"
    # reminders go to the careers leaders of those behind, through the task queue
    mail.outbox.clear()
    sent = services.reminders_for_running_cycles(today)
    assert sent == len(mail.outbox) > 0
    assert any("leader@ashby.example" in m.to and "was due" in m.subject for m in mail.outbox)


def test_cycle_cannot_complete_until_every_outcome_is_recorded(cast: Cast) -> None:
    running = running_cycle(cast)
    with pytest.raises(services.ReviewError, match="No outcome has been recorded yet for Ashby High School"):
        services.cycle_complete(cycle=running.cycle, actor=cast.hub_lead)


def _complete(cast: Cast, running: Running, over_claims: dict[str, set[str]] | None = None) -> None:
    over_claims = over_claims or {}
    for review in PeerReview.objects.filter(participant__cycle=running.cycle):
        judge_everything(review, cast.careers_leader, not_evidenced=over_claims.get(review.institution.name, set()))
        record_outcome(review, cast.enterprise_coordinator)
    services.cycle_complete(cycle=running.cycle, actor=cast.hub_lead)


def test_agreement_items_reflect_over_claims(cast: Cast) -> None:
    running = running_cycle(cast)
    _complete(cast, running, {"Cedar School": {"1.1", "2.1"}})
    items = queries.agreement_items(queries.cycle_reviews(running.cycle))
    assert len({i.institution for i in items}) == 3
    cedar = [i for i in items if i.institution == running.cedar.pk]
    assert {i.criterion for i in cedar if i.self_achieved and not i.peer_achieved} == {"1.1", "2.1"}
    report = agreement_report(items, minimum=3)
    assert not report.overall.suppressed and report.overall.over_claimed == 2
    assert {b.label for b in report.over_claiming} == {"Benchmark 1", "Benchmark 2"}
    assert agreement_report(items).overall.suppressed  # three institutions: below the threshold of 5


def test_open_actions_carry_into_the_next_cycle(cast: Cast, client_as) -> None:  # type: ignore[no-untyped-def]
    running = running_cycle(cast)
    _complete(cast, running)
    assert [a.text for a in queries.open_actions_of(cast.ashby)] == ["Publish the provider access policy"]
    nxt = _cycle(cast, [cast.ashby, running.cedar, running.dale], name="Next cycle")
    services.trios_propose(cycle=nxt, actor=None, seconds=5)
    services.facilitator_assign(trio=nxt.trios.get(), user=cast.enterprise_coordinator, actor=None)
    services.cycle_start(cycle=nxt, actor=cast.hub_lead)
    review = PeerReview.objects.get(participant__cycle=nxt, participant__institution=cast.ashby)
    page = client_as("careers_leader").get(f"/reviews/{review.pk}/").content.decode()
    assert "Actions carried from earlier cycles" in page and "Publish the provider access policy" in page
    action = running.ashby_review.actions.get()
    services.action_set_status(action=action, done=True, actor=cast.careers_leader)
    assert not queries.open_actions_of(cast.ashby).exists()


def test_moderation_sample_is_stratified_by_hub(cast: Cast) -> None:
    running = running_cycle(cast)
    _complete(cast, running)
    drawn = services.moderation_draw(per_hub=2, actor=cast.national_admin, seed=3)
    assert len(drawn) == 2 and {m.review.participant.cycle.hub for m in drawn} == {cast.north_hub}
    again = services.moderation_draw(per_hub=2, actor=cast.national_admin, seed=3)
    assert len(again) == 1  # only one not drawn before
    with pytest.raises(services.ReviewError, match="no completed reviews left"):
        services.moderation_draw(per_hub=2, actor=cast.national_admin)
    services.moderation_record(moderation=drawn[0], value="agree", comment="Sound", actor=cast.national_admin)
    assert Moderation.objects.filter(value="agree").count() == 1


def test_a_review_waits_for_a_submitted_self_evaluation(cast: Cast) -> None:
    running = running_cycle(cast, evaluations=False)
    review = running.ashby_review
    assert review.status == ReviewStatus.AWAITING_EVALUATION and review.evaluation is None
    with pytest.raises(services.ReviewError, match="Submit a self-evaluation first"):
        services.review_share_evaluation(review=review, actor=cast.careers_leader)
    from careershub.evaluations.tests.factories import submitted_evaluation

    evaluation = submitted_evaluation(cast.ashby)
    shared = services.review_share_evaluation(review=review, actor=cast.careers_leader)
    assert shared.evaluation == evaluation and shared.status == ReviewStatus.IN_REVIEW


def test_internal_review_is_versioned_and_checked(cast: Cast) -> None:
    running = running_cycle(cast)
    participant = running.ashby_review.participant
    model = maturity.model_for(running.cycle.starts_on)
    assert model.derived and "not official" in model.derived_note
    levels = {t.code: "developing" for t in model.themes}
    with pytest.raises(services.ReviewError, match="Say who took part"):
        services.internal_review_save(
            participant=participant, levels=levels, evidence={}, taking_part=[], submit=True, version=1, actor=None
        )
    saved = services.internal_review_save(
        participant=participant,
        levels=levels,
        evidence={"strategy": "Board minutes"},
        taking_part=["careers_leader", "governor"],
        submit=True,
        version=1,
        actor=cast.careers_leader,
    )
    assert saved.submitted_at is not None and saved.version == 2
    with pytest.raises(services.ReviewError, match="Someone saved this internal review"):
        services.internal_review_save(
            participant=participant,
            levels=levels,
            evidence={},
            taking_part=["senco"],
            submit=False,
            version=1,
            actor=None,
        )
    done = next(s for s in services.cycle_progress(running.cycle) if s.field == "internal_review_due")
    assert done.done == 1


def test_maturity_model_files_are_marked_derived() -> None:
    with pytest.raises(maturity.MaturityModelError, match="derived: true"):
        maturity.parse_model("format: 1\ncode: x\ntitle: x\nthemes: []\n", "x.yaml")
    assert all(m.derived for m in maturity.available_models())


def test_cycle_states_refuse_changes(cast: Cast) -> None:
    running = running_cycle(cast)
    assert running.cycle.status == CycleStatus.RUNNING
    with pytest.raises(services.ReviewError, match="running, so that cannot be changed"):
        services.trios_propose(cycle=running.cycle, actor=None)


def test_published_excellence_is_shown_to_the_hubs_other_members(cast: Cast, client_as) -> None:  # type: ignore[no-untyped-def]
    running = running_cycle(cast)
    _complete(cast, running)
    cedar_review = running.review_of(running.cedar)
    services.sharing_save(review=cedar_review, share_with_trio=False, publish_to_hub=True, actor=running.cedar_leader)
    page = client_as("careers_leader").get("/reviews/").content.decode()
    assert "Excellence shared by others in your hub" in page and "Cedar School" in page
    assert "Cedar School" not in client_as("other_careers_leader").get("/reviews/").content.decode()
    # Cedar chose not to keep sharing with its trio: Ashby's careers leader no longer reaches its report
    assert client_as("careers_leader").get(f"/reviews/{cedar_review.pk}/").status_code == 404
