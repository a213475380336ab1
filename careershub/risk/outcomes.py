"""Where learners' NEET outcomes come from, for the evaluation.

The destinations app provides `careershub.destinations.outcomes.neet_outcomes(*, learner_ids,
on=None) -> dict[int, bool | None]` (True = NEET, False = in education, employment or training,
None = not known). This module is the one place that calls it; `OutcomeSource` is the protocol
the evaluation depends on, so tests can pass a known set of outcomes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Protocol


class OutcomeSource(Protocol):
    def __call__(self, *, learner_ids: Iterable[int], on: datetime.date | None = None) -> dict[int, bool | None]: ...


def neet_outcomes(*, learner_ids: Iterable[int], on: datetime.date | None = None) -> dict[int, bool | None]:
    from careershub.destinations.outcomes import neet_outcomes as destinations_outcomes

    return destinations_outcomes(learner_ids=learner_ids, on=on)
