"""Small-number suppression (disclosure control) for every insight figure.

Rules, applied to the tables before anything is shown, charted or exported, so a page, a chart,
a CSV, an XLSX workbook and a PDF always withhold the same figures:

- **Primary**: a figure resting on fewer than `INSIGHT_SUPPRESSION_THRESHOLD` institutions (5
  unless configured) is withheld and shown as ``[c]`` (the GOV.UK statistics symbol for
  confidential). A true zero is shown: it discloses nothing about any institution.
- **Secondary**: where rows partition a published total (institutions by kind, by FSM quintile,
  by score ...), withholding one row is not enough, because it could be recovered by subtracting
  the others from the total. More rows are withheld, smallest first, until (a) at least two
  non-zero rows are withheld, (b) together they hold at least the threshold, and (c) they hold
  more institutions than there are withheld rows, so that even someone who knows these rules (and
  so knows every withheld row holds at least one institution) cannot pin any of them down. If the
  rows run out first, the total is withheld too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

SUPPRESSED = "[c]"


def threshold() -> int:
    return int(getattr(settings, "INSIGHT_SUPPRESSION_THRESHOLD", 5))


def primary(count: int, minimum: int | None = None) -> bool:
    """Whether a figure resting on `count` institutions is withheld on its own account."""
    minimum = threshold() if minimum is None else minimum
    return 0 < count < minimum


@dataclass(frozen=True)
class PartitionSuppression:
    rows: frozenset[int]  # indexes of withheld rows
    total: bool  # whether the total must be withheld too


def _protected(counts: Sequence[int], withheld: set[int], minimum: int) -> bool:
    if not withheld:
        return True
    values = [counts[i] for i in withheld]
    return len(values) >= 2 and sum(values) >= minimum and sum(values) > len(values)


def suppress_partition(counts: Sequence[int], minimum: int | None = None) -> PartitionSuppression:
    """Which rows of a partition (and whether its total) to withhold; see the module docstring."""
    minimum = threshold() if minimum is None else minimum
    total = sum(counts)
    if primary(total, minimum):
        return PartitionSuppression(frozenset(i for i, c in enumerate(counts) if c > 0), True)
    withheld = {i for i, count in enumerate(counts) if primary(count, minimum)}
    while not _protected(counts, withheld, minimum):
        candidates = sorted((count, i) for i, count in enumerate(counts) if count > 0 and i not in withheld)
        if not candidates:
            return PartitionSuppression(frozenset(withheld), True)
        withheld.add(candidates[0][1])
    return PartitionSuppression(frozenset(withheld), False)
