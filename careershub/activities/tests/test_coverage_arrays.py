"""The vectorised coverage (`coverage_arrays`, the hub page's) gives exactly the figures of the
per-learner reference (`coverage.evaluate` / `coverage.cohort_figures`), on generated data."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.utils import timezone

from careershub.activities import coverage, coverage_arrays, queries
from careershub.activities.coverage import Event, LearnerFacts
from careershub.activities.models import CHECKLIST, Activity, GuidanceMeeting, Participation
from careershub.hubs.tests.factories import HubMembershipFactory
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.learners.tests.factories import LearnerFactory
from conftest import Cast

ENCOUNTERS = ["employer", "workplace", "provider", "guidance", "other"]
PROVIDERS = ["", "employer", "sixth_form", "fe_college", "university", "apprenticeship", "other"]
FRAMEWORKS = ["gatsby-2024-schools", "gatsby-2024-colleges", "gatsby-2024-special"]


def random_learners(rng: random.Random, count: int, today: datetime.date) -> list[LearnerFacts]:
    learners = []
    for pk in range(count):
        year_group = rng.randint(5, 14)
        born = datetime.date(today.year - year_group - 5, 1, 1) + datetime.timedelta(days=rng.randrange(-200, 560))
        if rng.random() < 0.05:
            born = datetime.date(rng.choice([2008, 2012]), 2, 29)  # the 28 February birthday rule
        events = tuple(
            Event(
                today - datetime.timedelta(days=rng.randrange(-120, 365 * 9)),
                rng.choice(ENCOUNTERS),
                rng.choice(PROVIDERS),
                rng.random() < 0.7,
                rng.random() < 0.4,
            )
            for _ in range(rng.choice([0, 1, 2, 5, 12, 30]))
        )
        learners.append(
            LearnerFacts(
                pk=1000 + pk,
                date_of_birth=born,
                year_group=year_group,
                disadvantaged=rng.random() < 0.3,
                sen=rng.random() < 0.15,
                looked_after=rng.random() < 0.03,
                events=events,
                considering_higher_education=rng.random() < 0.4,
            )
        )
    return learners


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_rule_and_figure_matches_the_per_learner_reference(seed: int, framework: str) -> None:
    rng = random.Random(seed)
    today = datetime.date(2026, 3, 1) + datetime.timedelta(days=61 * seed)
    learners = random_learners(rng, 400, today)
    rules = coverage.load_rules(framework)
    cohort = coverage_arrays.cohort_from_facts(learners)
    met = {rule.code: coverage_arrays.met(rule, cohort, today) for rule in rules}
    for rule in rules:
        expected = [coverage.evaluate(rule, learner, today)[0] for learner in learners]
        assert met[rule.code].tolist() == expected, rule.code
        assert coverage_arrays.applies(rule, cohort).tolist() == [coverage.applies_to(rule, x) for x in learners]
    for suppress in (False, True):
        assert coverage_arrays.cohort_figures(cohort, rules, met, suppress=suppress) == coverage.cohort_figures(
            learners, rules, today, suppress=suppress
        )
    # A subset (one institution of a hub), small groups suppressed as before.
    some = sorted(rng.sample(range(len(learners)), 23))
    assert coverage_arrays.cohort_figures(
        cohort, rules, met, select=coverage_arrays.np.array(some), suppress=True
    ) == coverage.cohort_figures([learners[i] for i in some], rules, today, suppress=True)


def test_no_learners_and_no_events() -> None:
    today = datetime.date(2026, 3, 1)
    rules = coverage.load_rules("gatsby-2024-schools")
    for learners in ([], [LearnerFacts(1, datetime.date(2012, 5, 5), 9)]):
        cohort = coverage_arrays.cohort_from_facts(learners)
        met = {rule.code: coverage_arrays.met(rule, cohort, today) for rule in rules}
        assert coverage_arrays.cohort_figures(cohort, rules, met) == coverage.cohort_figures(learners, rules, today)


def reference_hub_coverage(hub_id: int, today: datetime.date) -> list[dict[str, Any]]:
    """The hub coverage as it was computed before the vectorised version (per-learner Python)."""
    from careershub.hubs.models import HubMembership
    from careershub.institutions.models import Institution

    institutions = list(
        Institution.objects.filter(pk__in=HubMembership.objects.current().filter(hub_id=hub_id).values("institution"))
        .only("pk", "name", "kind")
        .order_by("name")
    )
    learners, facts = queries.coverage_data_of([i.pk for i in institutions])
    home = {learner.pk: learner.institution_id for learner in learners}
    groups: dict[str, dict[str, Any]] = {}
    for institution in institutions:
        mine = [fact for fact in facts if home[fact.pk] == institution.pk]
        if not mine:
            continue
        code, rules = queries.coverage_rules_for(institution, today)
        group = groups.setdefault(code, {"code": code, "rules": rules, "rows": [], "facts": []})
        figures = coverage.cohort_figures(mine, rules, today, suppress=True)
        group["rows"].append({"institution": institution, "learners": len(mine), "figures": figures})
        group["facts"].extend(mine)
    for group in groups.values():
        group["total"] = coverage.cohort_figures(group.pop("facts"), group["rules"], today, suppress=True)
        for figures in [group["total"], *(row["figures"] for row in group["rows"])]:
            for figure in figures:
                figure.pop("gap_list")
    return list(groups.values())


@pytest.mark.django_db
def test_hub_coverage_matches_the_reference_on_generated_records(cast: Cast) -> None:
    rng = random.Random(7)
    today = timezone.localdate()
    college = InstitutionWithOrganisationFactory.create(name="Cedar College", kind="college")
    small = InstitutionWithOrganisationFactory.create(name="Dale School", kind="mainstream_school")
    for institution in (college, small):
        HubMembershipFactory.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2020, 9, 1))
    schools = [(cast.ashby, 60, (7, 13)), (college, 40, (12, 14)), (small, 4, (7, 11)), (cast.brook, 10, (7, 11))]
    for institution, count, (low, high) in schools:
        learners = []
        for n in range(count):
            year_group = rng.randint(low, high)
            learners.append(
                LearnerFactory.create(
                    institution=institution,
                    year_group=year_group,
                    date_of_birth=datetime.date(today.year - year_group - 5, 1 + n % 12, 1 + n % 28),
                    disadvantaged=rng.random() < 0.3,
                    sen_status=rng.choice("NNNKE"),
                    looked_after=rng.random() < 0.1,
                    considering_higher_education=rng.random() < 0.5,
                    left_on=today - datetime.timedelta(days=10) if rng.random() < 0.05 else None,
                )
            )
        for number in range(25):
            spec = rng.choice(["employer_talk", "careers_fair", "work_experience", "university_visit", "other"])
            activity = Activity.objects.create(
                institution=institution,
                activity_type=spec if spec != "other" else "employer_talk",
                title=f"Activity {number}",
                date=today - datetime.timedelta(days=rng.randrange(-30, 365 * 6)),
                provider_kind=rng.choice(PROVIDERS[1:]),
                benchmarks=rng.choice([[5], [6], [7], [5, 7], [8], [], [5, 6, 7]]),
                through_curriculum=rng.random() < 0.4,
                **{name: rng.random() < 0.8 for name in CHECKLIST},
            )
            chosen = rng.sample(learners, rng.randint(0, len(learners)))
            Participation.objects.bulk_create([Participation(activity=activity, learner=x) for x in chosen])
        for learner in rng.sample(learners, len(learners) // 2):
            for _ in range(rng.randint(1, 3)):
                GuidanceMeeting.objects.create(
                    learner=learner, date=today - datetime.timedelta(days=rng.randrange(0, 365 * 5)), adviser_name="A"
                )
    result = queries.hub_coverage(cast.north_hub.pk, today)
    assert result == reference_hub_coverage(cast.north_hub.pk, today)
    assert {group["code"] for group in result} >= {"gatsby-2024-colleges"}
    assert sum(row["learners"] for group in result for row in group["rows"]) > 90
