"""The Hub vs non-Hub estimators recover what the generator plants, say so honestly when they
cannot, and call a zero effect significant about 1 run in 20."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from careershub.evaluations import generator
from careershub.insight import statistics
from careershub.insight.statistics import Verdict


def summer_points(first: int, last: int) -> list[datetime.date]:
    return [datetime.date(year + 1, 7, 31) for year in range(first, last + 1)]


def generated(count: int, *, seed: int, effect: float, last_year: int = 2021, area_sd: float = 0.3):  # type: ignore[no-untyped-def]
    institutions = generator.synthetic_institutions(count, seed=seed, area_sd=area_sd)
    scores = generator.simulate_scores(institutions, seed=seed, hub_effect=effect, last_year=last_year)
    panel = generator.hub_panel(institutions, scores, summer_points(2016, last_year))
    return institutions.rename(columns={"key": "institution"}), panel


@pytest.mark.parametrize("effect", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("last_year", [2021, 2024])
def test_difference_in_differences_recovers_the_planted_effect(effect: float, last_year: int) -> None:
    _, panel = generated(600, seed=11, effect=effect, last_year=last_year)
    estimate = statistics.difference_in_differences(panel)
    assert estimate.covers(effect), estimate
    assert estimate.treated > 100 and estimate.comparison > 100
    assert estimate.period_start == datetime.date(2017, 7, 31)
    assert estimate.period_end == datetime.date(last_year + 1, 7, 31)
    assert (estimate.verdict == Verdict.DIFFERENCE) == (effect > 0)


@pytest.mark.parametrize("effect", [0.0, 0.5, 1.0])
def test_matched_comparison_recovers_the_planted_effect_when_joining_depends_on_what_is_matched(
    effect: float,
) -> None:
    attributes, panel = generated(900, seed=5, effect=effect, area_sd=0.0)
    estimate = statistics.matched_comparison(
        panel, attributes, baseline=datetime.date(2018, 7, 31), follow_up=datetime.date(2020, 7, 31)
    )
    assert estimate.has_estimate
    assert estimate.covers(effect), estimate
    assert estimate.treated >= 20 and estimate.comparison >= 20


def test_the_national_trend_follows_the_published_averages() -> None:
    institutions = generator.synthetic_institutions(800, seed=2)
    scores = generator.simulate_scores(institutions, seed=2, hub_effect=1.0, last_year=2024)
    averages = scores.groupby("year")["score"].mean()
    for year, published in generator.NATIONAL_AVERAGE.items():
        if year <= 2024:
            assert averages[year] == pytest.approx(published, abs=0.03)


def test_within_transformation_gives_the_dummy_variable_regression() -> None:
    """On an unbalanced panel the demeaned fit equals OLS with a dummy per institution and period."""
    _, panel = generated(80, seed=4, effect=0.7)
    panel = panel.sample(frac=0.85, random_state=1).sort_values(["institution", "point"])  # unbalanced
    panel = panel[panel.groupby("institution")["point"].transform("size") > 1]
    dummies = pd.get_dummies(panel[["institution", "point"]].astype(str), drop_first=True, dtype=float)
    exog = sm.add_constant(pd.concat([panel[["treated"]].astype(float), dummies], axis=1))
    groups = pd.factorize(panel["institution"])[0]
    full = sm.OLS(panel["score"].astype(float), exog).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False}
    )
    demeaned = statistics.two_way_demean(panel, ["score", "treated"], unit="institution", period="point")
    within = sm.OLS(demeaned["score"], demeaned[["treated"]]).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False}
    )
    assert within.params["treated"] == pytest.approx(full.params["treated"], abs=1e-8)
    assert within.bse["treated"] == pytest.approx(full.bse["treated"], rel=1e-6)


def test_too_few_institutions_cannot_be_estimated() -> None:
    _, panel = generated(30, seed=1, effect=1.0)
    estimate = statistics.difference_in_differences(panel)
    assert estimate.verdict == Verdict.CANNOT_ESTIMATE
    assert estimate.estimate is None
    assert estimate.conclusion.startswith("The data cannot support a conclusion")
    assert "at least 20" in estimate.conclusion


def test_no_one_joining_within_the_period_cannot_be_estimated() -> None:
    _, panel = generated(400, seed=1, effect=1.0)
    members = panel.groupby("institution")["treated"].max()
    # Everyone in a hub from the start, or never: no institution changes.
    panel = panel.assign(treated=panel["institution"].map(members))
    estimate = statistics.difference_in_differences(panel)
    assert estimate.verdict == Verdict.CANNOT_ESTIMATE
    assert "no institution joined a hub" in estimate.conclusion


def test_an_interval_that_includes_zero_is_not_called_a_difference() -> None:
    _, panel = generated(120, seed=9, effect=0.0)
    estimate = statistics.difference_in_differences(panel)
    assert estimate.ci_low is not None and estimate.ci_high is not None
    assert estimate.ci_low < 0 < estimate.ci_high
    assert estimate.verdict == Verdict.NO_CLEAR_DIFFERENCE
    assert estimate.conclusion.startswith("We cannot conclude that hub membership made a difference")


def test_matched_comparison_with_nobody_left_to_compare_cannot_be_estimated() -> None:
    attributes, panel = generated(300, seed=3, effect=1.0)
    late = datetime.date(2022, 7, 31)
    estimate = statistics.matched_comparison(
        panel.assign(treated=1), attributes, baseline=datetime.date(2020, 7, 31), follow_up=late
    )
    assert estimate.verdict == Verdict.CANNOT_ESTIMATE
    assert estimate.period_end == late


def _zero_effect_significant(seed: int) -> bool:
    institutions = generator.synthetic_institutions(150, seed=seed)
    scores = generator.simulate_scores(institutions, seed=seed, hub_effect=0.0, last_year=2020)
    panel = generator.hub_panel(institutions, scores, summer_points(2016, 2020))
    return statistics.difference_in_differences(panel).significant


def test_calibration_a_zero_effect_is_significant_about_one_run_in_twenty() -> None:
    runs = 200
    rate = np.mean([_zero_effect_significant(seed) for seed in range(1000, 1000 + runs)])
    # Binomial(200, 0.05): mean 10 runs, sd 3.1; a miscalibrated test (say 15%) fails clearly.
    assert 0.01 <= rate <= 0.10, rate
