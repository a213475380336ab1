"""The roll-up rules, on hand-made leavers and as properties over generated ones."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from careershub.destinations import rollups as r
from careershub.insight.suppression import SUPPRESSED

D = datetime.date
KINDS = [r.EDU, r.APPR, r.EMP, r.NEET, r.NOT_KNOWN, r.OTHER, r.KNOWN]


def leaver(*activities: tuple[datetime.date, str], year: int = 2023, **flags: bool) -> r.LeaverFacts:
    return r.LeaverFacts(
        leaver_id=1,
        institution_id=1,
        leaving_year=year,
        stage="y11",
        disadvantaged=flags.get("disadvantaged", False),
        sen=flags.get("sen", False),
        looked_after=flags.get("looked_after", False),
        activities=tuple(activities),
    )


def test_kind_of_codes() -> None:
    assert r.kind_of("310", "employment") == r.APPR
    assert r.kind_of("230", "education") == r.EDU
    assert r.kind_of("450", "training") == r.EDU
    assert r.kind_of("260", "education") == r.KNOWN
    assert r.kind_of("330", "employment") == r.EMP
    assert r.kind_of("540", "neet_active") == r.NEET
    assert r.kind_of("640", "neet_inactive") == r.NEET
    assert r.kind_of("530", "re_engagement") == r.KNOWN
    assert r.kind_of("810", "not_known") == r.NOT_KNOWN
    assert r.kind_of("710", "other") == r.OTHER


def test_education_all_year_is_sustained_education() -> None:
    assert r.destination_category(leaver((D(2023, 9, 4), r.EDU))) == r.SUSTAINED_EDUCATION


def test_education_dropped_in_february_is_not_sustained() -> None:
    facts = leaver((D(2023, 9, 4), r.EDU), (D(2024, 2, 10), r.NEET))
    assert r.destination_category(facts) == r.NOT_SUSTAINED


def test_education_starting_in_november_is_not_sustained() -> None:
    assert r.destination_category(leaver((D(2023, 11, 1), r.EDU))) == r.NOT_SUSTAINED


def test_apprenticeship_for_six_months_at_any_time_of_the_year() -> None:
    facts = leaver((D(2023, 9, 1), r.NEET), (D(2024, 1, 15), r.APPR))
    assert r.destination_category(facts) == r.SUSTAINED_APPRENTICESHIP  # Jan..Jul = 7 month-ends
    short = leaver((D(2023, 9, 1), r.NEET), (D(2024, 3, 15), r.APPR))
    assert r.destination_category(short) == r.NOT_SUSTAINED  # Mar..Jul = 5


def test_employment_for_five_of_six_months() -> None:
    facts = leaver((D(2023, 9, 1), r.NEET), (D(2023, 11, 1), r.EMP))
    assert r.destination_category(facts) == r.SUSTAINED_EMPLOYMENT  # Nov..Mar = 5
    four = leaver((D(2023, 9, 1), r.NEET), (D(2023, 12, 1), r.EMP))
    assert r.destination_category(four) == r.NOT_SUSTAINED


def test_education_then_employment_is_a_combination_counted_as_education() -> None:
    facts = leaver((D(2023, 9, 1), r.EDU), (D(2023, 12, 1), r.EMP))
    assert r.destination_category(facts) == r.SUSTAINED_EDUCATION


def test_nothing_or_only_not_known_is_activity_not_captured() -> None:
    assert r.destination_category(leaver()) == r.NOT_CAPTURED
    assert r.destination_category(leaver((D(2023, 9, 1), r.NOT_KNOWN))) == r.NOT_CAPTURED
    # Records after the destination year do not count.
    assert r.destination_category(leaver((D(2024, 8, 1), r.EDU))) == r.NOT_CAPTURED


def test_neet_months_are_december_january_february_and_other_is_left_out() -> None:
    assert r.neet_months(leaver((D(2023, 9, 1), r.NEET))) == (3, 3, 0)
    assert r.neet_months(leaver((D(2023, 9, 1), r.EDU), (D(2024, 1, 20), r.NEET))) == (3, 2, 0)
    assert r.neet_months(leaver()) == (3, 0, 3)
    assert r.neet_months(leaver((D(2023, 9, 1), r.OTHER))) == (0, 0, 0)


def test_rates_and_groups() -> None:
    cohort = [
        leaver((D(2023, 9, 1), r.EDU), disadvantaged=True),
        leaver((D(2023, 9, 1), r.NEET), disadvantaged=True, sen=True),
        leaver((D(2023, 9, 1), r.NOT_KNOWN)),
        leaver((D(2023, 9, 1), r.EMP), looked_after=True),
    ]
    figures = r.roll_up_groups(cohort, by=lambda f: f.leaving_year)
    assert figures[2023, "all"].leavers == 4
    assert figures[2023, "all"].neet_rate == 0.25
    assert figures[2023, "all"].not_known_rate == 0.25
    assert figures[2023, "disadvantaged"].leavers == 2
    assert figures[2023, "disadvantaged"].neet_rate == 0.5
    assert figures[2023, "sen"].categories[r.NOT_SUSTAINED] == 1
    assert figures[2023, "looked_after"].categories[r.SUSTAINED_EMPLOYMENT] == 1


def test_small_numbers_are_suppressed_only_for_a_wider_audience() -> None:
    cohort = [leaver((D(2023, 9, 1), r.EDU)) for _ in range(20)] + [leaver((D(2023, 9, 1), r.NEET))]
    employed = [leaver((D(2023, 9, 1), r.EMP)) for _ in range(6)]
    figures = r.roll_up(cohort, by=lambda f: "x")["x"]
    own = r.shown(figures, suppress=False)
    assert own.neet == "4.8%" and own.categories[r.NOT_SUSTAINED] == (1, "4.8%")
    wide = r.shown(figures, suppress=True)
    assert wide.neet == SUPPRESSED
    # One withheld row could be recovered from the total, so the only other row goes too.
    assert wide.categories[r.NOT_SUSTAINED] == (SUPPRESSED, SUPPRESSED)
    assert wide.categories[r.SUSTAINED_EDUCATION] == (SUPPRESSED, SUPPRESSED)
    wide = r.shown(r.roll_up(cohort + employed, by=lambda f: "x")["x"], suppress=True)
    assert wide.categories[r.SUSTAINED_EDUCATION] == (20, "74.1%")
    assert wide.categories[r.SUSTAINED_EMPLOYMENT] == (SUPPRESSED, SUPPRESSED)
    assert wide.leavers == 27
    tiny = r.shown(r.roll_up(cohort[:3], by=lambda f: "x")["x"], suppress=True)
    assert tiny.leavers == SUPPRESSED and tiny.neet == SUPPRESSED and tiny.any_suppressed


# --- properties ---------------------------------------------------------------------------

days = st.dates(min_value=D(2023, 6, 1), max_value=D(2024, 9, 30))
activities = st.lists(st.tuples(days, st.sampled_from(KINDS)), max_size=8, unique_by=lambda a: a[0])
facts_strategy = st.builds(
    r.LeaverFacts,
    leaver_id=st.integers(1, 10_000),
    institution_id=st.integers(1, 4),
    leaving_year=st.just(2023),
    stage=st.sampled_from(["y11", "y13"]),
    disadvantaged=st.booleans(),
    sen=st.booleans(),
    looked_after=st.booleans(),
    activities=activities.map(tuple),
)


@given(facts_strategy)
def test_the_order_records_are_given_in_does_not_matter(facts: r.LeaverFacts) -> None:
    reordered = r.LeaverFacts(**{**facts.__dict__, "activities": tuple(reversed(facts.activities))})
    assert r.destination_category(reordered) == r.destination_category(facts)
    assert r.neet_months(reordered) == r.neet_months(facts)


@given(facts_strategy)
def test_a_sustained_destination_means_no_neet_month_in_october_to_march(facts: r.LeaverFacts) -> None:
    months = r.monthly_kinds(facts)
    category = r.destination_category(facts)
    if category in {r.SUSTAINED_EDUCATION, r.SUSTAINED_EMPLOYMENT}:
        assert r.NEET not in months[2:8] or category == r.SUSTAINED_EMPLOYMENT
        assert sum(kind in {r.EDU, r.EMP, r.APPR} for kind in months[2:8]) >= 5
    if category == r.NOT_CAPTURED:
        assert set(months) == {r.NOT_KNOWN}
    if set(months) == {r.NOT_KNOWN}:
        assert category == r.NOT_CAPTURED
    counted, neet, not_known = r.neet_months(facts)
    assert 0 <= neet + not_known <= counted <= 3


@given(st.lists(facts_strategy, max_size=40))
@settings(max_examples=50)
def test_categories_partition_the_leavers_and_keys_add_up(cohort: list[r.LeaverFacts]) -> None:
    by_institution = r.roll_up(cohort, by=lambda f: f.institution_id)
    total = r.totals(by_institution)
    assert total.leavers == len(cohort) == sum(total.categories.values())
    whole = r.roll_up(cohort, by=lambda f: "all").get("all", r.Figures())
    assert whole.categories == total.categories
    assert (whole.months_neet, whole.months_counted) == (total.months_neet, total.months_counted)
    grouped = r.roll_up_groups(cohort, by=lambda f: "x")
    for group in r.GROUPS:
        members = [f for f in cohort if r.in_group(f, group)]
        assert grouped.get(("x", group), r.Figures()).leavers == len(members)


@given(st.lists(facts_strategy, max_size=40))
@settings(max_examples=50)
def test_suppressed_figures_never_show_a_count_between_one_and_four(cohort: list[r.LeaverFacts]) -> None:
    figures = r.roll_up(cohort, by=lambda f: "x").get("x", r.Figures())
    view = r.shown(figures, suppress=True)
    for count, _ in view.categories.values():
        assert count == SUPPRESSED or int(count) == 0 or int(count) >= 5
    assert view.leavers == SUPPRESSED or int(view.leavers) == 0 or int(view.leavers) >= 5
    if figures.neet_count and figures.neet_count < 5:
        assert view.neet == SUPPRESSED
    # Exactly one withheld category could be recovered from the total: never.
    assert sum(count == SUPPRESSED for count, _ in view.categories.values()) != 1 or view.leavers == SUPPRESSED


def test_september_guarantee_counts_and_suppression() -> None:
    offers = ["offer_made"] * 9 + ["no_offer"] * 2 + ["not_recorded"] * 6
    cohort = [r.LeaverFacts(1, 1, 2023, "y11", False, False, False, (), offer) for offer in offers]
    counts = r.september_guarantee_counts(cohort)
    assert counts == {"offer_made": 9, "no_offer": 2, "not_appropriate": 0, "not_recorded": 6}
    total, own = r.shown_partition(counts, suppress=False)
    assert total == 17 and own["no_offer"] == (2, "11.8%")
    total, wide = r.shown_partition(counts, suppress=True)
    assert total == 17 and wide["no_offer"] == (SUPPRESSED, SUPPRESSED)
    assert wide["not_recorded"] == (SUPPRESSED, SUPPRESSED)  # the smallest other row goes too
    assert wide["offer_made"] == (9, "52.9%") and wide["not_appropriate"] == (0, "0.0%")


@given(st.lists(st.sampled_from(list(r.SEPTEMBER_GUARANTEE)), max_size=30))
def test_shown_partition_never_shows_one_to_four(offers: list[str]) -> None:
    counts = r.september_guarantee_counts(
        r.LeaverFacts(1, 1, 2023, "y11", False, False, False, (), offer) for offer in offers
    )
    total, cells = r.shown_partition(counts, suppress=True)
    shown = [count for count, _ in cells.values() if count != SUPPRESSED]
    assert all(int(count) == 0 or int(count) >= 5 for count in shown)
    assert total == SUPPRESSED or int(total) == 0 or int(total) >= 5
