"""Agreement between self-evaluation and peer judgement, computed with statsmodels. Pure.

Each item is one criterion of one reviewed institution: what the self-evaluation claimed
(achieved or not) and what the peers found (the claim confirmed, or not evidenced; an open
query is left out). Two raters, two categories:

- percentage agreement, with a Wilson 95% interval (`statsmodels.stats.proportion.proportion_confint`);
- Cohen's kappa with its asymptotic 95% interval (`statsmodels.stats.inter_rater.cohens_kappa`),
  the interval clipped to kappa's range [-1, 1]. Kappa is only computed when each rater used both
  categories: when one rater put every item in one category, kappa is 0 by construction and says
  nothing about consistency, so it is shown as not computable, never as a number.
- over-claiming: the share of claimed-achieved criteria the peers did not find evidenced.

A figure resting on fewer than the suppression threshold of institutions (5) is withheld for
the wider audience (hub and national pages); the institution's own trio sees its own review.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from careershub.insight.suppression import primary


@dataclass(frozen=True)
class Item:
    institution: Hashable
    benchmark: int
    criterion: str
    self_achieved: bool
    peer_achieved: bool


@dataclass(frozen=True)
class Agreement:
    label: str
    items: int
    institutions: int
    suppressed: bool
    agree: int = 0
    percentage: float | None = None
    percentage_low: float | None = None
    percentage_high: float | None = None
    kappa: float | None = None
    kappa_low: float | None = None
    kappa_high: float | None = None
    claimed: int = 0
    over_claimed: int = 0

    @property
    def over_claim_rate(self) -> float | None:
        return 100 * self.over_claimed / self.claimed if self.claimed and not self.suppressed else None


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else float(value)


def agreement(label: str, items: list[Item], *, minimum: int | None = None) -> Agreement:
    institutions = len({i.institution for i in items})
    if not items or primary(institutions, minimum):
        return Agreement(label, len(items), institutions, suppressed=bool(items))
    table = np.zeros((2, 2))
    for item in items:
        table[int(item.self_achieved), int(item.peer_achieved)] += 1
    agree = int(table[0, 0] + table[1, 1])
    # Imported here: statsmodels takes ~1.5 s to import, which every process loading the URLs would pay.
    from statsmodels.stats.inter_rater import cohens_kappa
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(agree, len(items), alpha=0.05, method="wilson")
    kappa = kappa_low = kappa_high = None
    rows_used = (table.sum(axis=1) > 0).sum()
    cols_used = (table.sum(axis=0) > 0).sum()
    if rows_used == 2 and cols_used == 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            result = cohens_kappa(table)  # 95% intervals (its default alpha)
        kappa = _finite(result.kappa)
        low_bound, high_bound = _finite(result.kappa_low), _finite(result.kappa_upp)
        if kappa is not None and low_bound is not None and high_bound is not None:
            kappa_low, kappa_high = max(-1.0, low_bound), min(1.0, high_bound)  # kappa lies in [-1, 1]
    claimed = [i for i in items if i.self_achieved]
    return Agreement(
        label=label,
        items=len(items),
        institutions=institutions,
        suppressed=False,
        agree=agree,
        percentage=100 * agree / len(items),
        percentage_low=100 * float(low),
        percentage_high=100 * float(high),
        kappa=kappa,
        kappa_low=kappa_low,
        kappa_high=kappa_high,
        claimed=len(claimed),
        over_claimed=sum(1 for i in claimed if not i.peer_achieved),
    )


def _grouped(
    items: Iterable[Item], key: Callable[[Item], Hashable], label: Callable[[Hashable], str], minimum: int | None
) -> list[Agreement]:
    groups: dict[Hashable, list[Item]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return [agreement(label(k), groups[k], minimum=minimum) for k in sorted(groups, key=_sort_key)]


def _sort_key(value: Hashable) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in str(value).replace("-", ".").split("."))


@dataclass(frozen=True)
class AgreementReport:
    overall: Agreement
    benchmarks: list[Agreement]
    criteria: list[Agreement]
    over_claiming: list[Agreement]  # benchmarks, most over-claimed first (suppressed left out)


def agreement_report(items: list[Item], *, minimum: int | None = None) -> AgreementReport:
    benchmarks = _grouped(items, lambda i: i.benchmark, lambda k: f"Benchmark {k}", minimum)
    criteria = _grouped(items, lambda i: i.criterion, lambda k: f"Criterion {k}", minimum)
    ranked = sorted(
        (b for b in benchmarks if b.over_claim_rate is not None and b.over_claimed),
        key=lambda b: (-(b.over_claim_rate or 0), b.label),
    )
    return AgreementReport(agreement("All criteria", items, minimum=minimum), benchmarks, criteria, ranked)


def moderation_agreement(values: list[str], *, agree: str = "agree") -> tuple[int, int, float | None, float | None]:
    """(agreeing, moderated, low %, high %): how often moderators agreed with the peer judgements."""
    moderated = len(values)
    agreeing = sum(1 for v in values if v == agree)
    if not moderated:
        return 0, 0, None, None
    from statsmodels.stats.proportion import proportion_confint  # here, as in `agreement`

    low, high = proportion_confint(agreeing, moderated, alpha=0.05, method="wilson")
    return agreeing, moderated, 100 * float(low), 100 * float(high)
