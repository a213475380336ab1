"""NEET outcomes of learners, for other apps (the RONI evaluation in `risk` calls this).

The signature of `neet_outcomes` is a stable public interface: keep it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from careershub.destinations.models import EET_GROUPS, NEET_GROUPS, ActivityRecord


def outcome_of_group(group: str | None) -> bool | None:
    """True for a NEET group, False for education, employment, training or re-engagement,
    None for not known, other (custody, refugee, pre-16 codes) or no record."""
    if group in NEET_GROUPS:
        return True
    if group in EET_GROUPS:
        return False
    return None


def neet_outcomes(*, learner_ids: Iterable[int], on: datetime.date | None = None) -> dict[int, bool | None]:
    """For each learner: whether their latest recorded activity on or before `on` (today if None)
    is NEET (True), in education, employment or training (False), or not known / none (None).

    "Latest" is across all the learner's leaver records (after Year 11 and after Year 13), by
    date, then by the most recently entered record on the same date."""
    ids = list(dict.fromkeys(int(i) for i in learner_ids))
    result: dict[int, bool | None] = dict.fromkeys(ids)
    if not ids:
        return result
    day = on or datetime.date.today()
    latest: dict[int, str] = {}
    records = (
        ActivityRecord.objects.filter(leaver__learner_id__in=ids, recorded_on__lte=day)
        .order_by("leaver__learner_id", "-recorded_on", "-id")
        .values_list("leaver__learner_id", "code__group")
    )
    for learner_id, group in records.iterator(chunk_size=2000):
        latest.setdefault(learner_id, group)
    for learner_id, group in latest.items():
        result[learner_id] = outcome_of_group(group)
    return result
