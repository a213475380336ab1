"""How well the indicator predicts NEET on a past cohort: pure functions over arrays.

- `classification`: precision and recall of "flagged" (amber or red) for NEET.
- `roc_auc`: the probability that a NEET learner scores above an EET one (ties count half), from
  the Mann–Whitney U statistic (scipy).
- `fit_weights`: L2-regularised logistic regression of NEET on the indicator flags (statsmodels
  GLM, intercept not penalised); coefficients are log odds ratios. `suggested_weight` turns one
  into a whole-number weight: one point for each doubling of the odds of NEET, 0 to 5.
- `cross_validated_auc`: the AUC of the fitted model on folds it was not fitted on, so the
  fitted weights are not flattered by scoring the learners they were fitted to.
- `generate_cohort`: a cohort drawn from a known logistic risk model, for tests and the bench.

Small numbers: `evaluate` withholds everything unless at least `MIN_OUTCOMES` learners have a
known outcome with at least `MIN_GROUP` NEET and `MIN_GROUP` not NEET, and withholds an
indicator's fitted weight when fewer than `MIN_GROUP` learners in the cohort raise it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.stats import mannwhitneyu

from careershub.risk.scoring import MAX_WEIGHT

MIN_OUTCOMES = 20
MIN_GROUP = 5
DEFAULT_ALPHA = 0.001

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Classification:
    flagged: int
    true_positives: int
    precision: float | None
    recall: float | None


def classification(
    scores: Sequence[float] | FloatArray, neet: Sequence[bool] | BoolArray, threshold: float
) -> Classification:
    """Flagged = score at or above `threshold`. Precision is None when nobody is flagged."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(neet, dtype=bool)
    flagged = s >= threshold
    tp = int(np.sum(flagged & y))
    n_flagged = int(np.sum(flagged))
    positives = int(np.sum(y))
    return Classification(
        flagged=n_flagged,
        true_positives=tp,
        precision=tp / n_flagged if n_flagged else None,
        recall=tp / positives if positives else None,
    )


def roc_auc(scores: Sequence[float] | FloatArray, neet: Sequence[bool] | BoolArray) -> float | None:
    """ROC AUC, or None when the cohort has no NEET or no EET learners."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(neet, dtype=bool)
    positives, negatives = s[y], s[~y]
    if len(positives) == 0 or len(negatives) == 0:
        return None
    u = mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    return float(u) / (len(positives) * len(negatives))


def fit_weights(flags: FloatArray, neet: BoolArray, *, alpha: float = DEFAULT_ALPHA) -> tuple[float, FloatArray]:
    """(intercept, coefficients) of a ridge-penalised logistic regression of NEET on the flags."""
    import statsmodels.api as sm

    x = np.asarray(flags, dtype=float)
    y = np.asarray(neet, dtype=float)
    design = np.column_stack([np.ones(len(x)), x])
    penalty = np.full(design.shape[1], alpha)
    penalty[0] = 0.0
    model = sm.GLM(y, design, family=sm.families.Binomial())
    result = model.fit_regularized(alpha=penalty, L1_wt=0.0)
    params = np.asarray(result.params, dtype=float)
    return float(params[0]), params[1:]


def suggested_weight(coefficient: float) -> int:
    """One point per doubling of the odds of NEET (log odds ratio / ln 2), rounded, 0 to MAX_WEIGHT."""
    return int(min(MAX_WEIGHT, max(0, round(coefficient / math.log(2)))))


def cross_validated_auc(
    flags: FloatArray, neet: BoolArray, *, folds: int = 5, seed: int = 0, alpha: float = DEFAULT_ALPHA
) -> float | None:
    x = np.asarray(flags, dtype=float)
    y = np.asarray(neet, dtype=bool)
    if len(y) < folds * 2:
        return None
    order = np.random.default_rng(seed).permutation(len(y))
    predictions = np.zeros(len(y))
    for fold in np.array_split(order, folds):
        train = np.setdiff1d(order, fold)
        if y[train].all() or not y[train].any():
            return None
        intercept, coefficients = fit_weights(x[train], y[train], alpha=alpha)
        predictions[fold] = intercept + x[fold] @ coefficients
    return roc_auc(predictions, y)


@dataclass
class IndicatorFit:
    code: str
    raised: int
    configured_weight: int
    coefficient: float | None
    suggested_weight: int | None


def withheld(count: int) -> bool:
    """A count from 1 to 4 is not shown (small-number suppression)."""
    return 0 < count < MIN_GROUP


@dataclass
class EvaluationResult:
    learners: int
    known: int
    neet: int
    enough: bool
    flagged: int = 0
    true_positives: int = 0
    precision: float | None = None
    recall: float | None = None
    auc: float | None = None
    fitted_auc: float | None = None
    indicators: list[IndicatorFit] = field(default_factory=list)

    @property
    def rates_withheld(self) -> bool:
        """Precision and recall would disclose a count of 1 to 4 learners."""
        return withheld(self.flagged) or withheld(self.true_positives)


def evaluate(
    flags: Sequence[Sequence[bool]],
    outcomes: Sequence[bool | None],
    codes: Sequence[str],
    weights: Mapping[str, int],
    amber: int,
) -> EvaluationResult:
    """Evaluate a configuration on a past cohort.

    `flags[i][j]` is whether learner i raises indicator `codes[j]` (switched on or not: the fit
    may show that an indicator that is off predicts NEET); `outcomes[i]` True = NEET, False = in
    education, employment or training, None = not known (left out). The configured score uses
    only the switched-on `weights`; flagged = amber or red.
    """
    known_index = [i for i, o in enumerate(outcomes) if o is not None]
    y = np.array([bool(outcomes[i]) for i in known_index], dtype=bool)
    x = np.array([[1.0 if flags[i][j] else 0.0 for j in range(len(codes))] for i in known_index], dtype=float)
    x = x.reshape(len(known_index), len(codes))
    neet = int(y.sum())
    result = EvaluationResult(learners=len(outcomes), known=len(known_index), neet=neet, enough=False)
    if len(y) < MIN_OUTCOMES or neet < MIN_GROUP or len(y) - neet < MIN_GROUP:
        return result
    result.enough = True
    weight_vector = np.array([weights.get(code, 0) for code in codes], dtype=float)
    scores = x @ weight_vector
    found = classification(scores, y, amber)
    result.flagged, result.true_positives = found.flagged, found.true_positives
    result.precision, result.recall = found.precision, found.recall
    result.auc = roc_auc(scores, y)
    raised = x.sum(axis=0).astype(int)
    usable = raised >= MIN_GROUP
    coefficients = np.full(len(codes), np.nan)
    if usable.any():
        _intercept, fitted = fit_weights(x[:, usable], y)
        coefficients[usable] = fitted
        result.fitted_auc = cross_validated_auc(x[:, usable], y)
    for j, code in enumerate(codes):
        coefficient = None if math.isnan(coefficients[j]) else float(coefficients[j])
        result.indicators.append(
            IndicatorFit(
                code=code,
                raised=int(raised[j]),
                configured_weight=int(weights.get(code, 0)),
                coefficient=coefficient,
                suggested_weight=None if coefficient is None else suggested_weight(coefficient),
            )
        )
    return result


def generate_cohort(
    n: int, prevalence: Sequence[float], log_odds: Sequence[float], intercept: float, *, seed: int = 0
) -> tuple[FloatArray, BoolArray]:
    """n learners with independent flags (each raised with its `prevalence`) and NEET outcomes
    drawn from P(NEET) = logistic(intercept + flags · log_odds): a cohort whose true model is known."""
    rng = np.random.default_rng(seed)
    flags = (rng.random((n, len(prevalence))) < np.asarray(prevalence)).astype(float)
    linear = intercept + flags @ np.asarray(log_odds, dtype=float)
    neet = rng.random(n) < 1 / (1 + np.exp(-linear))
    return flags, neet
