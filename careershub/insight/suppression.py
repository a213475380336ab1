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
- **Totals published elsewhere**: a table's total is often shown in another table (the number of
  institutions reporting is the distribution's total; the trend shows how many institutions
  reported at a point, which is the sum of members and non-members). Such a partition is
  suppressed with `total_published=True`: when it cannot be protected by non-zero rows, every
  row is withheld, zeros included, so that nobody can tell which rows are empty. The same is done
  when the total itself is withheld (fewer than the threshold), so that "all withheld" never
  tells that every row holds at least one.
- **Linked figures**: a figure that repeats a withheld cell in another form is withheld with it
  (the share fully achieving all 8 benchmarks is the distribution's "8" row).
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


def suppress_partition(
    counts: Sequence[int], minimum: int | None = None, *, total_published: bool = False
) -> PartitionSuppression:
    """Which rows of a partition (and whether its total) to withhold; see the module docstring.
    `total_published`: the total is shown elsewhere, so withholding it here protects nothing."""
    minimum = threshold() if minimum is None else minimum
    everything = frozenset(range(len(counts)))
    total = sum(counts)
    if primary(total, minimum):
        return PartitionSuppression(everything, True)
    withheld = {i for i, count in enumerate(counts) if primary(count, minimum)}
    while not _protected(counts, withheld, minimum):
        candidates = sorted((count, i) for i, count in enumerate(counts) if count > 0 and i not in withheld)
        if not candidates:
            if total_published:
                return PartitionSuppression(everything, True)
            return PartitionSuppression(frozenset(withheld), True)
        withheld.add(candidates[0][1])
    return PartitionSuppression(frozenset(withheld), False)
