"""The leavers of an institution as a CSV for the local authority, in NCCIS codes.

One row per leaver record: identifiers and names so the LA can match its CCIS records, the
leaving stage and year, the intended destination and current activity as NCCIS activity codes,
and the September Guarantee offer. Cells are neutralised against formula injection with the
learner export's `safe_cell` (via `csv_response`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from careershub.destinations.models import Leaver

HEADER = [
    "UPN",
    "ULN",
    "Surname",
    "Forename",
    "Date of birth",
    "Establishment URN",
    "Leaving year",
    "Year group left",
    "Intended destination code",
    "September Guarantee",
    "Current activity code",
    "Current activity from",
    "Tracking consent",
]


def leaver_rows(leavers: Iterable[Leaver]) -> Iterable[list[Any]]:
    """Rows for leavers fetched with `learner__institution` and `activities` prefetched
    (newest first, as the model orders them)."""
    for leaver in leavers:
        learner = leaver.learner
        latest = next(iter(leaver.activities.all()), None)
        yield [
            learner.upn,
            learner.uln,
            learner.legal_last_name,
            learner.legal_first_name,
            learner.date_of_birth.strftime("%d/%m/%Y"),
            learner.institution.urn,
            leaver.leaving_year,
            11 if leaver.stage == "y11" else 13,
            leaver.intended_code_id or "",
            leaver.get_september_guarantee_display(),
            latest.code_id if latest else "",
            latest.recorded_on.strftime("%d/%m/%Y") if latest else "",
            leaver.get_tracking_consent_display(),
        ]
