"""Destination roll-ups: pure functions from leavers' activity records to DfE destination-measure
categories and NCCIS NEET / not-known rates. No database access here (see `queries.leaver_facts`
for where the facts come from), so the rules are tested directly, and the bench runs the same code.

Rules (domain reference §5.1 and §6):

- A leaver's activity in a month is the activity record in force at the month's end: the latest
  record dated on or before it. The destination year runs August to July after leaving.
- **Sustained apprenticeship**: six consecutive months in an apprenticeship (code 310) at any time
  in the destination year.
- **Sustained education**: every month October to March in education or training (2xx except
  the 260 gap year, 4xx).
- **Sustained employment**: at least five of the six months October to March in employment
  (including an apprenticeship).
- A combination — every month October to March in education, training, employment or an
  apprenticeship, but none of the above alone — counts as sustained education, as DfE's
  "education combination" does.
- **Not sustained**: some activity was captured in the destination year (including NEET,
  re-engagement, a gap year, custody), but none of the above.
- **Activity not captured**: no activity other than "not known" in the destination year.
- **NEET and not known** (NCCIS): the average of the end-of-December, January and February
  figures of the destination year. Leavers whose activity is "other" (custody as a young adult
  offender, refugee code) are left out of the denominator; a leaver with no record in force is
  not known.
"""

from __future__ import annotations

import bisect
import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from careershub.insight.suppression import SUPPRESSED, suppress_partition

APPRENTICESHIP_CODE = "310"
GAP_YEAR_CODE = "260"

# What a month's activity counts as.
EDU, APPR, EMP, NEET, NOT_KNOWN, OTHER, KNOWN = "edu", "appr", "emp", "neet", "not_known", "other", "known"

SUSTAINED_EDUCATION = "sustained_education"
SUSTAINED_APPRENTICESHIP = "sustained_apprenticeship"
SUSTAINED_EMPLOYMENT = "sustained_employment"
NOT_SUSTAINED = "not_sustained"
NOT_CAPTURED = "not_captured"

#: The DfE destination-measure categories, in the order shown. They partition the leavers.
CATEGORIES: dict[str, str] = {
    SUSTAINED_EDUCATION: "Sustained education",
    SUSTAINED_APPRENTICESHIP: "Sustained apprenticeship",
    SUSTAINED_EMPLOYMENT: "Sustained employment",
    NOT_SUSTAINED: "Not recorded as a sustained destination",
    NOT_CAPTURED: "Activity not captured",
}

#: The September Guarantee outcomes, as the published figures split them. They partition the cohort.
SEPTEMBER_GUARANTEE: dict[str, str] = {
    "offer_made": "Offer made",
    "no_offer": "No offer",
    "not_appropriate": "Offer not appropriate",
    "not_recorded": "Not recorded",
}

#: Characteristic groups figures are broken down by (besides all leavers).
GROUPS: dict[str, str] = {
    "all": "All leavers",
    "disadvantaged": "Disadvantaged",
    "sen": "SEN (support or EHC plan)",
    "looked_after": "Looked after",
}

NEET_MONTH_COUNT = 3  # December, January and February


def kind_of(code: str, group: str) -> str:
    """What an activity counts as for the roll-ups, from its NCCIS code and group."""
    if code == APPRENTICESHIP_CODE:
        return APPR
    if group in {"education", "training"}:
        return KNOWN if code == GAP_YEAR_CODE else EDU
    if group == "employment":
        return EMP
    if group in {"neet_active", "neet_inactive"}:
        return NEET
    if group == "not_known":
        return NOT_KNOWN
    if group == "other":
        return OTHER
    return KNOWN  # re-engagement


@dataclass(frozen=True)
class LeaverFacts:
    """One leaver, with only what the roll-ups need. `activities` are (date, kind), any order."""

    leaver_id: int
    institution_id: int
    leaving_year: int
    stage: str
    disadvantaged: bool
    sen: bool
    looked_after: bool
    activities: tuple[tuple[datetime.date, str], ...] = ()
    september_guarantee: str = "not_recorded"


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


@functools.cache
def _month_ends(leaving_year: int) -> tuple[datetime.date, ...]:
    """The last day of each month, August of the leaving year to July of the next."""
    return tuple(_month_end(leaving_year, m) for m in range(8, 13)) + tuple(
        _month_end(leaving_year + 1, m) for m in range(1, 8)
    )


def monthly_kinds(facts: LeaverFacts) -> list[str]:
    """The activity kind in force at the end of each month, August to July after leaving: the
    latest record dated on or before the month's end (not known if none)."""
    ordered = sorted(facts.activities)
    days = [day for day, _ in ordered]
    kinds = [NOT_KNOWN] + [kind for _, kind in ordered]
    return [kinds[bisect.bisect_right(days, end)] for end in _month_ends(facts.leaving_year)]


def destination_category(facts: LeaverFacts) -> str:
    """The DfE destination-measure category of one leaver (see the module docstring)."""
    return category_of_months(monthly_kinds(facts))


def category_of_months(months: Sequence[str]) -> str:
    """The category from the twelve month-end kinds, August to July."""
    run = 0
    for kind in months:
        run = run + 1 if kind == APPR else 0
        if run >= 6:
            return SUSTAINED_APPRENTICESHIP
    october_to_march = months[2:8]
    if all(kind == EDU for kind in october_to_march):
        return SUSTAINED_EDUCATION
    if sum(kind in {EMP, APPR} for kind in october_to_march) >= 5:
        return SUSTAINED_EMPLOYMENT
    if all(kind in {EDU, EMP, APPR} for kind in october_to_march):
        return SUSTAINED_EDUCATION
    if any(kind != NOT_KNOWN for kind in months):
        return NOT_SUSTAINED
    return NOT_CAPTURED


def neet_months(facts: LeaverFacts) -> tuple[int, int, int]:
    """(months counted, months NEET, months not known) over December, January and February."""
    return neet_of_months(monthly_kinds(facts))


def neet_of_months(months: Sequence[str]) -> tuple[int, int, int]:
    """December, January and February are months 4, 5 and 6 of the August-to-July year."""
    counted = neet = not_known = 0
    for kind in months[4:7]:
        if kind == OTHER:
            continue
        counted += 1
        neet += kind == NEET
        not_known += kind == NOT_KNOWN
    return counted, neet, not_known


@dataclass
class Figures:
    """Destination figures of a set of leavers."""

    leavers: int = 0
    categories: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    months_counted: int = 0
    months_neet: int = 0
    months_not_known: int = 0

    def add(self, facts: LeaverFacts) -> None:
        self.leavers += 1
        months = monthly_kinds(facts)
        self.categories[category_of_months(months)] += 1
        counted, neet, not_known = neet_of_months(months)
        self.months_counted += counted
        self.months_neet += neet
        self.months_not_known += not_known

    @property
    def neet_rate(self) -> float | None:
        return self.months_neet / self.months_counted if self.months_counted else None

    @property
    def not_known_rate(self) -> float | None:
        return self.months_not_known / self.months_counted if self.months_counted else None

    @property
    def neet_count(self) -> float:
        """The average number NEET over the three months."""
        return self.months_neet / NEET_MONTH_COUNT

    @property
    def not_known_count(self) -> float:
        return self.months_not_known / NEET_MONTH_COUNT


def roll_up(facts: Iterable[LeaverFacts], by: Callable[[LeaverFacts], Hashable]) -> dict[Hashable, Figures]:
    """Figures per key of `by` (e.g. institution, leaving year, stage)."""
    result: dict[Hashable, Figures] = defaultdict(Figures)
    for leaver in facts:
        result[by(leaver)].add(leaver)
    return dict(result)


def in_group(facts: LeaverFacts, group: str) -> bool:
    return group == "all" or bool(getattr(facts, group))


def roll_up_groups(
    facts: Iterable[LeaverFacts], by: Callable[[LeaverFacts], Hashable]
) -> dict[tuple[Hashable, str], Figures]:
    """Figures per (key, characteristic group): every leaver counts in "all" and in each group
    they belong to."""
    result: dict[tuple[Hashable, str], Figures] = defaultdict(Figures)
    for leaver in facts:
        key = by(leaver)
        for group in GROUPS:
            if in_group(leaver, group):
                result[key, group].add(leaver)
    return dict(result)


@dataclass(frozen=True)
class ShownFigures:
    """Figures as a wider audience sees them: counts and percentages, or `SUPPRESSED`."""

    leavers: int | str
    categories: dict[str, tuple[int | str, str]]  # category -> (count, percentage text)
    neet: str
    not_known: str

    @property
    def any_suppressed(self) -> bool:
        return SUPPRESSED in {self.leavers, self.neet, self.not_known} or any(
            count == SUPPRESSED for count, _ in self.categories.values()
        )


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _small(count: float, minimum: int) -> bool:
    return 0 < count < minimum


def shown(figures: Figures, *, suppress: bool, minimum: int = 5) -> ShownFigures:
    """What may be shown. With `suppress` (any audience wider than the institution): a cohort of
    fewer than `minimum` leavers shows nothing; category counts are suppressed as a partition
    (primary and secondary, `insight.suppression`); a NEET or not-known figure averaging fewer
    than `minimum` young people (but more than none) is suppressed."""
    counts = [figures.categories[c] for c in CATEGORIES]
    if not suppress:
        categories: dict[str, tuple[int | str, str]] = {
            c: (n, percent(n, figures.leavers)) for c, n in zip(CATEGORIES, counts, strict=True)
        }
        return ShownFigures(
            figures.leavers,
            categories,
            percent(figures.months_neet, figures.months_counted),
            percent(figures.months_not_known, figures.months_counted),
        )
    if figures.leavers < minimum:
        hidden: dict[str, tuple[int | str, str]] = dict.fromkeys(CATEGORIES, (SUPPRESSED, SUPPRESSED))
        return ShownFigures(SUPPRESSED if figures.leavers else 0, hidden, SUPPRESSED, SUPPRESSED)
    partition = suppress_partition(counts, minimum)
    withheld = partition.rows
    categories = {}
    for index, (category, count) in enumerate(zip(CATEGORIES, counts, strict=True)):
        if index in withheld:
            categories[category] = (SUPPRESSED, SUPPRESSED)
        else:
            categories[category] = (count, percent(count, figures.leavers))
    neet = SUPPRESSED if _small(figures.neet_count, minimum) else percent(figures.months_neet, figures.months_counted)
    not_known = (
        SUPPRESSED
        if _small(figures.not_known_count, minimum)
        else percent(figures.months_not_known, figures.months_counted)
    )
    return ShownFigures(SUPPRESSED if partition.total else figures.leavers, categories, neet, not_known)


def totals(figures: Mapping[Hashable, Figures]) -> Figures:
    """The sum of several figures."""
    total = Figures()
    for item in figures.values():
        total.leavers += item.leavers
        for category, count in item.categories.items():
            total.categories[category] += count
        total.months_counted += item.months_counted
        total.months_neet += item.months_neet
        total.months_not_known += item.months_not_known
    return total


def september_guarantee_counts(facts: Iterable[LeaverFacts]) -> dict[str, int]:
    counts = dict.fromkeys(SEPTEMBER_GUARANTEE, 0)
    for leaver in facts:
        counts[leaver.september_guarantee] = counts.get(leaver.september_guarantee, 0) + 1
    return counts


def shown_partition(
    counts: Mapping[str, int], *, suppress: bool, minimum: int = 5
) -> tuple[int | str, dict[str, tuple[int | str, str]]]:
    """(total, {key: (count, percentage)}) of a partition, suppressed (primary and secondary)
    for a wider audience as the destination categories are."""
    keys = list(counts)
    values = [counts[key] for key in keys]
    total = sum(values)
    if not suppress:
        return total, {key: (value, percent(value, total)) for key, value in zip(keys, values, strict=True)}
    partition = suppress_partition(values, minimum)
    shown_total: int | str = SUPPRESSED if partition.total else total
    cells: dict[str, tuple[int | str, str]] = {}
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        hidden = index in partition.rows or partition.total
        cells[key] = (SUPPRESSED, SUPPRESSED) if hidden else (value, percent(value, total))
    return shown_total, cells
