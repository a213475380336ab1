"""Builders for programme tests: a plan at Ashby, a hub template at North Hub."""

from __future__ import annotations

from typing import Any

from careershub.programmes import services
from careershub.programmes.models import Plan, PlannedActivity, PlanTemplate, TemplateActivity, Term
from conftest import Cast

YEAR = 2026


def make_plan(cast: Cast, year: int = YEAR) -> Plan:
    return services.plan_create(institution=cast.ashby, academic_year=year, actor=cast.careers_leader)


def make_activity(plan: Plan, cast: Cast, **kwargs: Any) -> PlannedActivity:
    values: dict[str, Any] = {
        "title": "Year 10 workplace visits",
        "activity_type": "workplace_visit",
        "year_groups": ["Y10"],
        "criteria": ["6.1"],
        "learning_outcomes": "Learners describe three jobs they saw.",
        "term": Term.SPRING,
        "owner": "Jo Patel, careers leader",
        "budget_pence": 45_050,
    }
    values.update(kwargs)
    return services.planned_activity_create(plan=plan, actor=cast.careers_leader, **values)


def make_template(cast: Cast, shared: bool = True) -> PlanTemplate:
    framework = services.framework_version_for(cast.ashby, YEAR)
    return services.template_create(
        hub=cast.north_hub,
        title="North Hub programme for 11 to 16 schools",
        description="A year of activities for every year group",
        framework=framework,
        is_shared=shared,
        actor=cast.hub_lead,
    )


def make_example(template: PlanTemplate, cast: Cast, **kwargs: Any) -> TemplateActivity:
    values: dict[str, Any] = {
        "title": "Year 9 options evening with parents",
        "activity_type": "lmi_session",
        "year_groups": ["Y9"],
        "criteria": ["2.1", "2.2"],
        "learning_outcomes": "Parents and carers know where to find labour market information.",
        "term": Term.SPRING,
        "owner": "Careers leader",
        "budget_pence": 10_000,
    }
    values.update(kwargs)
    return services.template_activity_create(template=template, actor=cast.hub_lead, **values)
