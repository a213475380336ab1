"""The learner careers record (Benchmark 3): a PDF of one learner's careers activities, guidance
meetings, intended destination and where they stand against the coverage rules, to keep and to
share with the learner.

Callers pass a learner they reached through `learners_for(request.membership)`. Guidance notes
are never in the record: they are for the institution's careers leaders only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from careershub.learners.models import Learner


@dataclass(frozen=True)
class RuleStatus:
    benchmark: int
    text: str
    met: bool
    due: bool
    applies: bool = True
    #: Still to do this school year, and still possible (`coverage.to_do_this_year`).
    to_do: bool = False


def record_context(learner: Learner, today: datetime.date) -> dict[str, Any]:
    from careershub.activities import coverage
    from careershub.activities.models import CHECKLIST
    from careershub.activities.queries import activity_events, coverage_rules_for

    activities = list(learner.activities.order_by("date", "pk"))  # type: ignore[attr-defined]
    meetings = list(learner.guidance_meetings.order_by("date", "pk"))  # type: ignore[attr-defined]
    events = []
    for activity in activities:
        flags = {name: getattr(activity, name) for name in CHECKLIST}
        events.extend(
            activity_events(
                activity.date, activity.benchmarks, activity.provider_kind, flags, activity.through_curriculum
            )
        )
    events.extend(coverage.Event(meeting.date, "guidance") for meeting in meetings)
    facts = coverage.LearnerFacts(
        pk=learner.pk,
        date_of_birth=learner.date_of_birth,
        year_group=learner.year_group,
        events=tuple(events),
        considering_higher_education=learner.considering_higher_education,
    )
    _code, rules = coverage_rules_for(learner.institution, today)
    statuses = [
        RuleStatus(
            rule.benchmark,
            rule.text,
            *coverage.evaluate(rule, facts, today),
            to_do=coverage.to_do_this_year(rule, facts, today),
        )
        if coverage.applies_to(rule, facts)
        else RuleStatus(rule.benchmark, rule.text, met=False, due=False, applies=False)
        for rule in rules
    ]
    return {
        "learner": learner,
        "institution": learner.institution,
        "activities": activities,
        "meetings": meetings,
        "statuses": statuses,
        "school_year_end": coverage.school_year_end(today),
        "generated_on": today,
    }


def record_pdf(learner: Learner) -> bytes:
    import weasyprint

    from careershub.evaluations.reports import offline_url_fetcher

    html = render_to_string("learners/record_pdf.html", record_context(learner, timezone.localdate()))
    return bytes(weasyprint.HTML(string=html, url_fetcher=offline_url_fetcher()).write_pdf())
