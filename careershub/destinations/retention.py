"""How long destination tracking keeps a departed learner's record.

The learners app deletes learners who left more than `LEARNER_RETENTION_DAYS` ago, but a leaver's
destinations are tracked for three years after Year 11 or Year 13 (the NCCIS tracking duty and
the DfE destination measures). The learners app asks each `LEARNER_RETENTION_HOLDS` entry which
learners it must keep; this is the destinations app's answer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from careershub.destinations.models import TRACKING_YEARS, Leaver


def learners_still_tracked(*, today: datetime.date) -> QuerySet[Leaver, Any]:
    """Learner ids (as `learner_id` values) whose tracking period (to 31 August, three years after
    the summer they left) has not ended."""
    first_tracked_year = today.year - TRACKING_YEARS
    if today > datetime.date(today.year, 8, 31):
        first_tracked_year += 1
    return Leaver.objects.filter(leaving_year__gte=first_tracked_year).values("learner_id")
