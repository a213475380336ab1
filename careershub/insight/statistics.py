"""Hub vs non-Hub progress, estimated honestly.

Two estimators over the institution × measurement-point panel (one row per institution and
point: its benchmarks fully achieved, and whether it was in a Careers Hub at that point):

- **Difference-in-differences** with institution and period fixed effects and standard errors
  clustered by institution (statsmodels OLS). The fixed effects are removed by the within
  transformation (alternating demeaning, the Frisch-Waugh-Lovell theorem), which gives exactly
  the estimate of the regression with a dummy for every institution and period but works at
  national scale; statsmodels then fits the regression and computes the clustered covariance.
- **Matched comparison**, in the spirit of Percy & Tanner (2022): institutions that joined a hub
  between a baseline and a follow-up point are each matched to the most similar institution
  that was not in a hub by the follow-up (same kind and region, nearest on baseline score and
  FSM %); the estimate is the difference in their change, by statsmodels weighted least squares
  with standard errors clustered by institution (a comparison institution may be used twice).

Both return an `Estimate` that says in plain English what was done and what can and cannot be
concluded. This module is pure: it takes pandas frames and touches no database.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Fewest institutions in each group (members and comparison) before an estimate is attempted.
MIN_GROUP = 20


class Verdict(enum.StrEnum):
    DIFFERENCE = "difference"  # the 95% CI excludes zero
    NO_CLEAR_DIFFERENCE = "no_clear_difference"  # estimated, but the 95% CI includes zero
    CANNOT_ESTIMATE = "cannot_estimate"  # the data cannot support an estimate at all


@dataclass(frozen=True)
class Estimate:
    method: str
    verdict: Verdict
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    treated: int
    comparison: int
    observations: int
    period_start: datetime.date | None
    period_end: datetime.date | None
    method_text: str
    conclusion: str
    notes: list[str] = field(default_factory=list)

    @property
    def has_estimate(self) -> bool:
        return self.estimate is not None

    @property
    def significant(self) -> bool:
        return self.verdict == Verdict.DIFFERENCE

    def covers(self, value: float) -> bool:
        return self.ci_low is not None and self.ci_high is not None and self.ci_low <= value <= self.ci_high


def _date(value: object) -> datetime.date | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


def _conclusion(estimate: float, low: float, high: float, what: str) -> tuple[Verdict, str]:
    interval = f"95% confidence interval {_signed(low)} to {_signed(high)}"
    if low > 0:
        return Verdict.DIFFERENCE, (
            f"{what} achieved on average {estimate:.2f} more benchmarks than comparable institutions "
            f"outside hubs ({interval}). The interval does not include zero, so the data show a difference."
        )
    if high < 0:
        return Verdict.DIFFERENCE, (
            f"{what} achieved on average {-estimate:.2f} fewer benchmarks than comparable institutions "
            f"outside hubs ({interval}). The interval does not include zero, so the data show a difference."
        )
    return Verdict.NO_CLEAR_DIFFERENCE, (
        f"We cannot conclude that hub membership made a difference: the estimate is {_signed(estimate)} "
        f"benchmarks but the {interval} includes zero."
    )


def _cannot(method: str, method_text: str, reason: str, **sizes: object) -> Estimate:
    return Estimate(
        method=method,
        verdict=Verdict.CANNOT_ESTIMATE,
        estimate=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        treated=int(sizes.get("treated", 0)),  # type: ignore[call-overload]
        comparison=int(sizes.get("comparison", 0)),  # type: ignore[call-overload]
        observations=int(sizes.get("observations", 0)),  # type: ignore[call-overload]
        period_start=sizes.get("period_start"),  # type: ignore[arg-type]
        period_end=sizes.get("period_end"),  # type: ignore[arg-type]
        method_text=method_text,
        conclusion=f"The data cannot support a conclusion: {reason}",
    )


# Difference-in-differences ----------------------------------------------------------------------

DID_METHOD = "Difference-in-differences"
DID_TEXT = (
    "We compare how much institutions' results changed after they joined a hub with how much the "
    "results of institutions not (yet) in a hub changed over the same periods. Each institution is "
    "compared with itself, so lasting differences between institutions do not count, and each "
    "measurement point is compared with itself, so national trends do not count (a regression with "
    "institution and period fixed effects). The 95% confidence interval allows for each "
    "institution's results being related from one point to the next (standard errors clustered by "
    "institution). It assumes that, without hubs, members would have progressed in step with "
    "non-members."
)


def two_way_demean(
    frame: pd.DataFrame, columns: list[str], *, unit: str, period: str, tol: float = 1e-10, max_iter: int = 500
) -> pd.DataFrame:
    """The columns with unit and period means removed (alternating projections until both sets
    of group means are zero). For an unbalanced panel this converges to the residuals of a
    regression on unit and period dummies."""
    values = frame[columns].to_numpy(dtype=float).copy()
    # Group codes once; the means are weighted bincounts (pandas' groupby re-groups on every pass).
    unit_codes, period_codes = pd.factorize(frame[unit])[0], pd.factorize(frame[period])[0]
    if (unit_codes < 0).any() or (period_codes < 0).any():
        raise ValueError(f"{unit} and {period} must not be missing")
    unit_sizes, period_sizes = np.bincount(unit_codes), np.bincount(period_codes)

    def means(codes: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        sums = np.stack([np.bincount(codes, weights=values[:, j], minlength=len(sizes)) for j in range(len(columns))])
        return (sums / sizes).T

    for _ in range(max_iter):
        values -= means(unit_codes, unit_sizes)[unit_codes]
        values -= means(period_codes, period_sizes)[period_codes]
        if float(np.abs(means(unit_codes, unit_sizes)).max(initial=0.0)) < tol:
            break
    return pd.DataFrame(values, index=frame.index, columns=columns)


def difference_in_differences(
    panel: pd.DataFrame,
    *,
    min_group: int = MIN_GROUP,
    what: str = "Institutions in a hub",
) -> Estimate:
    """Two-way fixed-effects difference-in-differences.

    `panel` has columns `institution`, `point` (date), `score` (0-8) and `treated` (in a hub at
    that point). Institutions with one observation only are dropped (they say nothing about
    change). The estimate is the coefficient on `treated`.
    """
    data = panel[["institution", "point", "score", "treated"]].dropna()
    data = data[data.groupby("institution")["point"].transform("size") > 1]
    ever = data.groupby("institution")["treated"].max().astype(bool)
    sizes: dict[str, object] = {
        "treated": int(ever.sum()),
        "comparison": int((~ever).sum()),
        "observations": len(data),
        "period_start": _date(data["point"].min()) if len(data) else None,
        "period_end": _date(data["point"].max()) if len(data) else None,
    }
    switchers = data.groupby("institution")["treated"].nunique().gt(1).sum()
    if sizes["treated"] < min_group or sizes["comparison"] < min_group:  # type: ignore[operator]
        return _cannot(
            DID_METHOD,
            DID_TEXT,
            f"there are {sizes['treated']} institutions that were in a hub and {sizes['comparison']} that "
            f"were not; at least {min_group} of each are needed.",
            **sizes,
        )
    if switchers == 0 or data["point"].nunique() < 2:
        return _cannot(
            DID_METHOD,
            DID_TEXT,
            "no institution joined a hub within the period, so there is no change to compare.",
            **sizes,
        )
    demeaned = two_way_demean(data, ["score", "treated"], unit="institution", period="point")
    if float(demeaned["treated"].abs().max()) < 1e-9:
        return _cannot(
            DID_METHOD, DID_TEXT, "hub membership does not vary once the fixed effects are removed.", **sizes
        )
    import statsmodels.api as sm  # here: importing it takes ~2 s, which every process start would pay

    groups = pd.factorize(data["institution"])[0]
    model = sm.OLS(demeaned["score"].to_numpy(), demeaned[["treated"]].to_numpy())
    fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    estimate = float(fitted.params[0])
    low, high = (float(v) for v in fitted.conf_int(alpha=0.05)[0])
    if not all(np.isfinite([estimate, low, high])):
        return _cannot(DID_METHOD, DID_TEXT, "the model could not be estimated reliably.", **sizes)
    verdict, conclusion = _conclusion(estimate, low, high, what)
    return Estimate(
        method=DID_METHOD,
        verdict=verdict,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=float(fitted.pvalues[0]),
        method_text=DID_TEXT,
        conclusion=conclusion,
        treated=int(sizes["treated"]),  # type: ignore[call-overload]
        comparison=int(sizes["comparison"]),  # type: ignore[call-overload]
        observations=int(sizes["observations"]),  # type: ignore[call-overload]
        period_start=sizes["period_start"],  # type: ignore[arg-type]
        period_end=sizes["period_end"],  # type: ignore[arg-type]
    )


# Matched comparison -----------------------------------------------------------------------------

MATCHED_METHOD = "Matched comparison"
MATCHED_TEXT = (
    "Each institution that joined a hub between the two points is paired with the most similar "
    "institution that was not in a hub by the second point: the same kind of institution in the "
    "same region, with the nearest average score over the year up to the first point and the nearest share of pupils "
    "eligible for free school meals. We then compare how much each group's results changed "
    "between the two points. A comparison institution may be paired more than once; the 95% "
    "confidence interval allows for that (standard errors clustered by institution). Differences "
    "that matching does not capture can still bias the result."
)


def _match(treated: pd.DataFrame, pool: pd.DataFrame, *, caliper: float) -> tuple[list[tuple[object, object]], int]:
    """Nearest comparison (same kind and region; standardised distance on baseline score and
    FSM %) for each treated institution, with replacement. Returns the pairs and how many
    treated institutions found no comparison within the caliper."""
    spread = pd.concat([treated, pool])[["baseline", "fsm"]].std().replace(0, 1).fillna(1)
    pairs: list[tuple[object, object]] = []
    unmatched = 0
    pool_groups = {key: group for key, group in pool.groupby(["kind", "region"], sort=False)}
    for (kind, region), group in treated.groupby(["kind", "region"], sort=False):
        candidates = pool_groups.get((kind, region))
        if candidates is None or candidates.empty:
            unmatched += len(group)
            continue
        own = (group[["baseline", "fsm"]] / spread).to_numpy()
        theirs = (candidates[["baseline", "fsm"]] / spread).to_numpy()
        distances = np.sqrt(((own[:, None, :] - theirs[None, :, :]) ** 2).sum(axis=2))
        nearest = distances.argmin(axis=1)
        for row, choice in enumerate(nearest):
            if distances[row, choice] > caliper:
                unmatched += 1
            else:
                pairs.append((group.index[row], candidates.index[choice]))
    return pairs, unmatched


def matched_comparison(
    panel: pd.DataFrame,
    attributes: pd.DataFrame,
    *,
    baseline: datetime.date,
    follow_up: datetime.date,
    min_group: int = MIN_GROUP,
    caliper: float = 0.5,
    what: str = "Institutions that joined a hub",
) -> Estimate:
    """Matched difference in change between `baseline` and `follow_up`.

    `panel` as for `difference_in_differences`; `attributes` has `institution`, `kind`, `region`
    and `percent_fsm` (missing FSM is matched as the median). Treated: not in a hub at the
    baseline, in one at the follow-up. Comparison pool: in a hub at neither point.
    """
    sizes: dict[str, object] = {"period_start": baseline, "period_end": follow_up}
    base_stamp, follow_stamp = pd.Timestamp(baseline), pd.Timestamp(follow_up)
    points = pd.to_datetime(panel["point"])
    before = panel[points == base_stamp].set_index("institution")[["score", "treated"]]
    after = panel[points == follow_stamp].set_index("institution")[["score", "treated"]]
    both = before.merge(after, left_index=True, right_index=True, suffixes=("_before", "_after"))
    # Match on the average of the points in the year up to the baseline (less noisy than one
    # point, so less regression to the mean), among those not yet in a hub.
    window = panel[(points <= base_stamp) & (points > base_stamp - pd.DateOffset(years=1, days=1))]
    window = window[~window["treated"].astype(bool)]
    both = both.join(window.groupby("institution")["score"].mean().rename("matching_score"), how="left")
    info = attributes.set_index("institution")[["kind", "region", "percent_fsm"]]
    both = both.join(info, how="left")
    both["fsm"] = both["percent_fsm"].astype(float)
    both["fsm"] = both["fsm"].fillna(both["fsm"].median() if both["fsm"].notna().any() else 0.0)
    both["kind"] = both["kind"].fillna("")
    both["region"] = both["region"].fillna("")
    both["baseline"] = both["matching_score"].fillna(both["score_before"]).astype(float)
    both["change"] = both["score_after"].astype(float) - both["score_before"].astype(float)
    treated = both[(~both["treated_before"].astype(bool)) & both["treated_after"].astype(bool)]
    pool = both[(~both["treated_before"].astype(bool)) & (~both["treated_after"].astype(bool))]
    if len(treated) < min_group or len(pool) < min_group:
        return _cannot(
            MATCHED_METHOD,
            MATCHED_TEXT,
            f"{len(treated)} institutions joined a hub between the two points and {len(pool)} were in a hub "
            f"at neither; at least {min_group} of each are needed.",
            treated=len(treated),
            comparison=len(pool),
            observations=len(treated) + len(pool),
            **sizes,
        )
    pairs, unmatched = _match(treated, pool, caliper=caliper)
    used = {comparison for _, comparison in pairs}
    if len(pairs) < min_group or len(used) < 2:
        return _cannot(
            MATCHED_METHOD,
            MATCHED_TEXT,
            f"only {len(pairs)} of {len(treated)} institutions that joined a hub found a similar comparison "
            f"institution; at least {min_group} are needed.",
            treated=len(pairs),
            comparison=len(used),
            observations=2 * len(pairs),
            **sizes,
        )
    rows = pd.DataFrame(
        {
            "change": [both.at[t, "change"] for t, _ in pairs] + [both.at[c, "change"] for _, c in pairs],
            "treated": [1.0] * len(pairs) + [0.0] * len(pairs),
            "cluster": [f"t{t}" for t, _ in pairs] + [f"c{c}" for _, c in pairs],
        }
    )
    import statsmodels.api as sm  # here, as above

    exog = sm.add_constant(rows[["treated"]].to_numpy())
    fitted = sm.OLS(rows["change"].to_numpy(), exog).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(rows["cluster"])[0]}, use_t=True
    )
    estimate = float(fitted.params[1])
    low, high = (float(v) for v in fitted.conf_int(alpha=0.05)[1])
    notes = []
    if unmatched:
        notes.append(f"{unmatched} institutions that joined a hub had no similar comparison and are left out.")
    if not all(np.isfinite([estimate, low, high])):
        return _cannot(MATCHED_METHOD, MATCHED_TEXT, "the model could not be estimated reliably.", **sizes)
    verdict, conclusion = _conclusion(estimate, low, high, what)
    return Estimate(
        method=MATCHED_METHOD,
        verdict=verdict,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=float(fitted.pvalues[1]),
        treated=len(pairs),
        comparison=len(used),
        observations=len(rows),
        period_start=baseline,
        period_end=follow_up,
        method_text=MATCHED_TEXT,
        conclusion=conclusion,
        notes=notes,
    )
