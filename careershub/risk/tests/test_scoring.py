"""The scoring functions: properties over generated flags, weights and thresholds (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careershub.risk import scoring

RULES, THRESHOLDS = scoring.load_catalogue()
CODES = [r.code for r in RULES]

weights_strategy = st.dictionaries(st.sampled_from(CODES), st.integers(1, scoring.MAX_WEIGHT))
flags_strategy = st.sets(st.sampled_from(CODES))


def test_the_catalogue_has_the_issue_s_indicators_with_weights_1_or_2() -> None:
    assert len(RULES) == 16
    assert {r.default_weight for r in RULES} == {1, 2}
    needed = {
        "attendance_below_90",
        "suspensions",
        "permanent_exclusion",
        "ehc_plan",
        "sen_support",
        "looked_after",
        "disadvantaged",
        "low_attainment",
        "young_carer",
        "young_parent",
        "youth_justice",
        "eal",
        "alternative_provision",
        "children_in_need",
        "elective_home_education",
    }
    assert needed <= set(CODES)
    assert 0 < THRESHOLDS["amber"] <= THRESHOLDS["red"]


@given(flags=flags_strategy, extra=st.sampled_from(CODES), weights=weights_strategy)
def test_score_is_monotone_in_each_flag(flags: set[str], extra: str, weights: dict[str, int]) -> None:
    before = scoring.score(flags, weights)
    after = scoring.score(flags | {extra}, weights)
    assert after >= before
    if extra not in flags and extra in weights:
        assert after == before + weights[extra]


@given(flags=flags_strategy, weights=weights_strategy)
def test_switched_off_indicators_never_count(flags: set[str], weights: dict[str, int]) -> None:
    assert scoring.score(flags, weights) == scoring.score(flags & set(weights), weights)
    assert scoring.score(flags, weights) <= sum(weights.values())


@given(points=st.integers(0, 60), amber=st.integers(1, 30), gap=st.integers(0, 30))
def test_rag_respects_the_thresholds(points: int, amber: int, gap: int) -> None:
    red = amber + gap
    rating = scoring.rag(points, amber=amber, red=red)
    assert (rating == scoring.RED) == (points >= red)
    assert (rating == scoring.GREEN) == (points < amber)
    order = [scoring.GREEN, scoring.AMBER, scoring.RED]
    assert order.index(scoring.rag(points + 1, amber=amber, red=red)) >= order.index(rating)


@given(attendance=st.floats(0, 100), weights=weights_strategy)
def test_lower_attendance_never_lowers_the_score(attendance: float, weights: dict[str, int]) -> None:
    if not weights:
        return
    scheme = scoring.Scheme(weights=weights, amber=1, red=1)

    def points(value: float) -> int:
        raised = scoring.raised_flags(RULES, scheme, {"factors.attendance_percent": value})
        return scoring.score((r.code for r in raised), weights)

    assert points(attendance / 2) >= points(attendance)


def test_rules_read_the_learner_record_and_the_risk_factors() -> None:
    scheme = scoring.default_scheme(RULES, THRESHOLDS)
    values = {
        "learner.fsm": True,
        "learner.sen_status": "E",
        "factors.attendance_percent": 78.0,
        "factors.suspensions": 0,
        "factors.attainment_band": "middle",
        "factors.young_carer": None,
    }
    raised = [r.code for r in scoring.raised_flags(RULES, scheme, values)]
    assert raised == ["attendance_below_90", "attendance_below_80", "ehc_plan", "disadvantaged"]
    assert scoring.score(raised, scheme.weights) == 1 + 2 + 2 + 1


def test_missing_values_raise_no_flag() -> None:
    scheme = scoring.default_scheme(RULES, THRESHOLDS)
    assert scoring.raised_flags(RULES, scheme, {}) == []


def test_fields_needed_follow_the_switched_on_indicators() -> None:
    assert scoring.fields_needed(RULES, ["attendance_below_90"]) == {"attendance_percent"}
    assert scoring.fields_needed(RULES, ["looked_after", "eal"]) == {"previously_looked_after"}
    assert scoring.fields_needed(RULES, CODES) == scoring.factor_fields(RULES)


def test_a_bad_catalogue_entry_is_refused() -> None:
    good = {"code": "x", "name": "X", "reason": "X", "default_weight": 1, "fields": ["learner.fsm"], "rule": "true"}
    assert scoring.rule_from_data(good).code == "x"
    for change in (
        {"rule": "maybe"},
        {"default_weight": 9},
        {"fields": ["address"]},
        {"rule": "below"},
        {"rule": "equals"},
    ):
        with pytest.raises(ValueError):
            scoring.rule_from_data({**good, **change})
    with pytest.raises(ValueError):
        scoring.Scheme(weights={}, amber=3, red=2)


def test_indicator_names_read_well_mid_sentence() -> None:
    from careershub.risk.forms import in_sentence

    assert in_sentence("Young carer") == "young carer"
    assert in_sentence("EHC plan") == "EHC plan"
    assert in_sentence("English as an additional language") == "English as an additional language"
