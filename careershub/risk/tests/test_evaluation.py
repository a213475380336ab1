"""The evaluation maths on generated cohorts whose true risk model is known."""

from __future__ import annotations

import numpy as np
import pytest

from careershub.risk import evaluation

#: Two strong indicators (log odds ratio 2), two weak (0.1), one irrelevant, one moderate.
TRUE_LOG_ODDS = [2.0, 2.0, 0.1, 0.1, 0.0, 1.0]
PREVALENCE = [0.15, 0.2, 0.25, 0.3, 0.2, 0.2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fitted_weights_rank_the_planted_strong_indicators_above_the_weak(seed: int) -> None:
    flags, neet = evaluation.generate_cohort(3000, PREVALENCE, TRUE_LOG_ODDS, -3.0, seed=seed)
    _intercept, coefficients = evaluation.fit_weights(flags, neet)
    strong = coefficients[[0, 1]]
    weak = coefficients[[2, 3, 4]]
    assert strong.min() > coefficients[5] > weak.max()
    assert abs(strong.mean() - 2.0) < 0.5  # close to the truth: the penalty is small
    suggested = [evaluation.suggested_weight(c) for c in coefficients]
    assert suggested[0] >= 2 and suggested[1] >= 2 and max(suggested[2:5]) == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_the_true_model_beats_a_random_score(seed: int) -> None:
    flags, neet = evaluation.generate_cohort(3000, PREVALENCE, TRUE_LOG_ODDS, -3.0, seed=seed)
    true_auc = evaluation.roc_auc(flags @ np.array(TRUE_LOG_ODDS), neet)
    random_auc = evaluation.roc_auc(np.random.default_rng(seed).random(len(neet)), neet)
    weak_only_auc = evaluation.roc_auc(flags[:, 2:5].sum(axis=1), neet)
    assert true_auc is not None and random_auc is not None and weak_only_auc is not None
    assert true_auc > 0.75
    assert abs(random_auc - 0.5) < 0.05
    assert true_auc > weak_only_auc > random_auc - 0.05
    cv = evaluation.cross_validated_auc(flags, neet)
    assert cv is not None and abs(cv - true_auc) < 0.03


def test_auc_counts_ties_as_half_and_matches_the_definition() -> None:
    assert evaluation.roc_auc([3, 2, 1, 0], [True, True, False, False]) == 1.0
    assert evaluation.roc_auc([0, 1, 2, 3], [True, True, False, False]) == 0.0
    assert evaluation.roc_auc([1, 1, 1, 1], [True, False, True, False]) == 0.5
    # pairs (NEET, EET): (2,1) win, (2,2) tie, (0,1) lose, (0,2) lose -> 1.5 / 4
    assert evaluation.roc_auc([2, 0, 1, 2], [True, True, False, False]) == pytest.approx(0.375)
    assert evaluation.roc_auc([1, 2], [True, True]) is None


def test_precision_and_recall_at_the_threshold() -> None:
    found = evaluation.classification([5, 4, 3, 1, 0, 2], [True, False, True, False, True, False], threshold=3)
    assert (found.flagged, found.true_positives) == (3, 2)
    assert found.precision == pytest.approx(2 / 3)
    assert found.recall == pytest.approx(2 / 3)
    nobody = evaluation.classification([0, 0], [True, False], threshold=1)
    assert nobody.precision is None and nobody.recall == 0


def test_evaluate_uses_only_known_outcomes_and_switched_on_weights() -> None:
    flags_array, neet = evaluation.generate_cohort(400, PREVALENCE, TRUE_LOG_ODDS, -2.0, seed=4)
    codes = ["a", "b", "c", "d", "e", "f"]
    flags = [[bool(v) for v in row] for row in flags_array]
    outcomes: list[bool | None] = [bool(v) for v in neet]
    outcomes[:50] = [None] * 50
    result = evaluation.evaluate(flags, outcomes, codes, {"a": 2, "b": 2}, amber=2)
    assert result.enough and result.learners == 400 and result.known == 350
    known_flags = flags_array[50:]
    expected = evaluation.classification(known_flags[:, :2] @ np.array([2, 2]), neet[50:], 2)
    assert (result.flagged, result.precision, result.recall) == (
        expected.flagged,
        expected.precision,
        expected.recall,
    )
    assert [fit.configured_weight for fit in result.indicators] == [2, 2, 0, 0, 0, 0]
    by_code = {fit.code: fit for fit in result.indicators}
    assert by_code["e"].coefficient is not None  # switched off, still fitted
    assert by_code["a"].coefficient > by_code["e"].coefficient  # type: ignore[operator]


def test_evaluate_withholds_small_cohorts_and_rare_indicators() -> None:
    few = evaluation.evaluate([[True]] * 10, [True] * 3 + [False] * 7, ["a"], {"a": 1}, amber=1)
    assert not few.enough and few.auc is None and few.indicators == []
    flags = [[i % 2 == 0, i < 3] for i in range(60)]
    outcomes: list[bool | None] = [i % 3 == 0 for i in range(60)]
    result = evaluation.evaluate(flags, outcomes, ["common", "rare"], {"common": 1, "rare": 1}, amber=1)
    assert result.enough
    rare = result.indicators[1]
    assert rare.raised == 3 and rare.coefficient is None and rare.suggested_weight is None
    assert evaluation.withheld(3) and not evaluation.withheld(0) and not evaluation.withheld(5)
